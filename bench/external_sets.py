"""Labelled sets published by others (bench/data/README.md), scored for name-v1, name-v2 and
nomenklatura's logic-v2 in one run, per set and per script."""

from __future__ import annotations

import random
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from chipcontrols.screening.matcher import Query
from chipcontrols.screening.matchers import MATCHERS
from chipcontrols.screening.model import ListEntry

DATA = Path(__file__).resolve().parent / "data"
NK_THRESHOLD = 0.70


@dataclass
class Pair:
    query: str
    result: str
    schema: str
    label: bool


def script(text: str) -> str:
    for ch in text:
        if ch.isalpha() and ord(ch) > 0x24F:
            name = unicodedata.name(ch, "OTHER").split(" ")[0].lower()
            return {"cjk": "han", "hiragana": "japanese", "katakana": "japanese"}.get(name, name)
    return "latin"


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _entry(eid: str, name: str, schema: str = "LegalEntity") -> ListEntry:
    return ListEntry(id=eid, list="T", list_name="test", schema=schema, name=name)


def _nk_entity(eid: str, schema: str, names: list[str]) -> Any:
    from followthemoney import Dataset, StatementEntity

    ds = Dataset.make({"name": "bench", "title": "bench"})
    e = StatementEntity(ds, {"id": eid, "schema": schema})
    for n in names:
        e.add("name", n)
    return e


def pair_set() -> dict[str, dict[str, list[tuple[bool, bool]]]]:
    """matcher -> script -> [(label, decided)] on nomenklatura's labelled pairs."""
    from nomenklatura.matching import LogicV2

    raw = yaml.safe_load((DATA / "nomenklatura_logic_v2_cases.yaml").read_text("utf-8"))
    pairs = [Pair(r["query"], r["result"], r["schema"], bool(r["matches"])) for r in raw]
    cfg = LogicV2.default_config()
    out: dict[str, dict[str, list[tuple[bool, bool]]]] = defaultdict(lambda: defaultdict(list))
    for i, p in enumerate(pairs):
        sc = max(script(p.query), script(p.result), key=lambda s: s != "latin")
        for name, cls in MATCHERS.items():
            m = cls([_entry("r", p.result, p.schema)])
            got = any(h.match for h in m.screen(Query(p.query), explain=False))
            out[name][sc].append((p.label, got))
        # unique ids: logic-v2 caches name analysis by entity id
        q = _nk_entity(f"q{i}", p.schema, [p.query])
        r = _nk_entity(f"r{i}", p.schema, [p.result])
        got = LogicV2.compare(q, r, cfg).score > NK_THRESHOLD
        out["nomenklatura logic-v2"][sc].append((p.label, got))
    return out


def bilingual_cases(seed: int = 11) -> tuple[list[ListEntry], list[tuple[str, str | None]]]:
    """List (Latin names only) and queries (native-script name, expected id or None)."""
    from chipcontrols.screening.lists.snapshots import bundled_snapshots

    rng = random.Random(seed)
    entries: list[ListEntry] = []
    queries: list[tuple[str, str | None]] = []
    for snap in bundled_snapshots(active_only=True):
        if snap.dataset not in ("jp_meti_eul", "cn_countermeasures", "eu_833_annex_iv"):
            continue
        for e in snap.entries:
            native = [a for a in e.aliases if script(a) != "latin"]
            latin = [a for a in e.aliases if script(a) == "latin"]
            if script(e.name) != "latin" or not native:
                if script(e.name) == "latin":
                    entries.append(replace(e, aliases=tuple(latin)))
                continue
            held_out = rng.random() < 0.2
            if not held_out:
                entries.append(replace(e, aliases=tuple(latin)))
            queries.append((native[0], None if held_out else e.id))
    return entries, queries


def bilingual_set() -> dict[str, dict[str, list[tuple[bool, bool]]]]:
    entries, queries = bilingual_cases()
    out: dict[str, dict[str, list[tuple[bool, bool]]]] = defaultdict(lambda: defaultdict(list))
    decided: dict[str, list[set[str]]] = {}
    for name, cls in MATCHERS.items():
        m = cls(entries)
        decided[name] = [
            {h.entry.id for h in m.screen(Query(q), explain=False) if h.match} for q, _ in queries
        ]
    decided["nomenklatura logic-v2"] = _nk_decide(entries, [q for q, _ in queries])
    for name, got in decided.items():
        for (q, expected), matched in zip(queries, got, strict=True):
            sc = script(q)
            if expected is None:
                out[name][sc].append((False, bool(matched)))
            else:
                out[name][sc].append((True, expected in matched))
                if matched - {expected}:
                    out[name][sc].append((False, True))  # a wrong entry matched too
    return out


def wikidata_cases(
    path: Path = DATA / "wikidata_person_names_20.tsv",
) -> tuple[list[ListEntry], list[tuple[str, str, frozenset[str]]]]:
    """Merhav & Ash's Wikidata person-name dictionaries (bench/data/README.md): the list holds
    the listed English words (schema Person); each query is a native-script word, with the
    entries it may correctly hit (its own English word and any other English word the
    dictionary pairs with the same native word, when listed; none for a held-out word)."""
    rows = [line.split("\t") for line in path.read_text("utf-8").splitlines()[1:]]
    listed = {en for _, _, en, flag, _ in rows if flag == "1"}
    entries = [_entry(f"wd:{en}", en, "Person") for en in sorted(listed)]
    queries = []
    for sc, native, en, _, also in rows:
        ok = ({en} | set(filter(None, also.split("|")))) & listed
        queries.append((sc, native, frozenset(f"wd:{x}" for x in ok)))
    return entries, queries


def wikidata_set(
    path: Path = DATA / "wikidata_person_names_20.tsv",
) -> dict[str, dict[str, list[tuple[bool, bool]]]]:
    entries, queries = wikidata_cases(path)
    out: dict[str, dict[str, list[tuple[bool, bool]]]] = defaultdict(lambda: defaultdict(list))
    decided: dict[str, list[set[str]]] = {}
    for name, cls in MATCHERS.items():
        m = cls(entries)
        decided[name] = [
            {h.entry.id for h in m.screen(Query(q), explain=False) if h.match}
            for _, q, _ in queries
        ]
    decided["nomenklatura logic-v2"] = _nk_decide(entries, [q for _, q, _ in queries], "Person")
    for name, got in decided.items():
        for (sc, _, expected), matched in zip(queries, got, strict=True):
            if not expected:
                out[name][sc].append((False, bool(matched)))
            else:
                out[name][sc].append((True, bool(expected & matched)))
                if matched - expected:
                    out[name][sc].append((False, True))  # a wrong entry matched too
    return out


def _nk_decide(
    entries: list[ListEntry], queries: list[str], schema: str = "Organization"
) -> list[set[str]]:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from screening_bench import nomenklatura
    from screening_data import Case

    run, _ = nomenklatura(entries)
    cases = [Case(q, None, None, "native", schema) for q in queries]
    return run(cases)


def report(wikidata: Path | None = None) -> None:
    """All three sets; with `wikidata`, only that Wikidata sample (a development slice built by
    bench/data/build_wikidata_names.py --slice 16; the reported figures use slice 20)."""
    sets = (
        [(f"Wikidata person names, {wikidata.name}", lambda: wikidata_set(wikidata))]
        if wikidata is not None
        else [
            ("nomenklatura logic-v2 labelled pairs (OpenSanctions, MIT)", pair_set),
            ("official bilingual names (METI, China, EU 833 Annex IV)", bilingual_set),
            (
                "Wikidata person names, slice 20 (Merhav & Ash, COLING 2018, CC0)",
                wikidata_set,
            ),
        ]
    )
    for title, make in sets:
        result = make()
        print(f"\n== {title}")
        print(f"{'matcher':<24} {'script':<10} {'n':>5} {'P':>6} {'R':>6} {'F1':>6}")
        for name, by_script in result.items():
            total: Counter[str] = Counter()
            rows = []
            for sc, items in sorted(by_script.items()):
                c = Counter()
                for label, got in items:
                    c["tp" if label and got else "fn" if label else "fp" if got else "tn"] += 1
                total.update(c)
                rows.append((sc, sum(c.values()), *prf(c["tp"], c["fp"], c["fn"])))
            rows.append(("ALL", sum(total.values()), *prf(total["tp"], total["fp"], total["fn"])))
            for sc, n, p, r, f in rows:
                print(f"{name:<24} {sc:<10} {n:5d} {p:6.3f} {r:6.3f} {f:6.3f}")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--wikidata", type=Path, help="a development sample instead of all sets")
    report(parser.parse_args().wikidata)
