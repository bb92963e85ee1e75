"""Re-screening after a list change: incremental against full, same run, same data.

    python bench/rescreen_bench.py [--parties 100000] [--changes 500] [--seed 7]

1. A temporary data directory and judgement store (SQLite): the bundled active snapshots,
   with the Entity List replaced by a copy that lacks the entries to be added later.
2. --parties watched parties: generated company and person names (Chinese, Russian,
   German, English and other patterns, with legal forms), the real companies of
   bench/screening_data.COMPANIES, and about 1% names of listed parties (Entity List and the
   other bundled lists), as written or varied with bench/screening_data.Variants.
3. A first (full) re-screening records the state.
4. The change: --changes Entity List entries of the bundled snapshot: 40% amended (an alias
   added or dropped, or the address and country changed), 30% removed, 30% added.
5. The store is copied; the incremental re-screening runs on one copy, a full one
   (`--full`) on the other. Both start with empty matcher and name caches. Their reports
   must be equal; the times (wall and CPU), their ratios and the bar (incremental <= 0.1 x
   full) are printed. With --no-twin the first run (full, before the change: same parties,
   same lists and list sizes) is the full figure, and the reports are not compared.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chipcontrols.screening import service as service_mod
from chipcontrols.screening.judgements import SqliteJudgements
from chipcontrols.screening.lists.snapshots import (
    Snapshot,
    SnapshotStore,
    _atomic_write,
    build_snapshot,
    bundled_snapshot,
    bundled_snapshots,
)
from chipcontrols.screening.model import Address, ListEntry
from chipcontrols.screening.names import normalise as normalise_mod
from chipcontrols.screening.names import normalise_v2
from chipcontrols.screening.service import Party, ScreeningService, _watched
from screening_data import COMPANIES, Variants

DAY = dt.date(2026, 9, 1)
CITIES = [
    "Shenzhen",
    "Shanghai",
    "Beijing",
    "Guangzhou",
    "Hangzhou",
    "Suzhou",
    "Wuxi",
    "Chengdu",
    "Wuhan",
    "Xiamen",
    "Ningbo",
    "Dongguan",
    "Tianjin",
    "Qingdao",
    "Dalian",
    "Hefei",
    "Changsha",
    "Zhuhai",
    "Foshan",
    "Nanjing",
    "Jinan",
    "Zhengzhou",
]
SYLLABLES = [
    "hua",
    "xin",
    "rui",
    "da",
    "tong",
    "kang",
    "mei",
    "jia",
    "hong",
    "sheng",
    "tai",
    "feng",
    "yuan",
    "long",
    "bao",
    "cheng",
    "guang",
    "ming",
    "tian",
    "heng",
    "jin",
    "fu",
    "an",
    "xing",
    "chuang",
    "zhi",
    "wei",
    "li",
    "hai",
    "yang",
    "de",
    "shun",
    "kai",
    "yu",
    "qi",
    "run",
    "ze",
    "bo",
    "wan",
]
TRADES = (
    "Electronics",
    "Technology",
    "Trading",
    "Import and Export",
    "Semiconductor",
    "Precision Machinery",
    "Optoelectronics",
    "Materials",
    "Logistics",
    "Intelligent Equipment",
    "Microelectronics",
    "Industrial",
    "Photonics",
    "Instruments",
    "Components",
    "Supply Chain",
)
CN_FORMS = ("Co., Ltd.", "Co., Limited", "Limited", "Group Co., Ltd.", "Company Limited")
RU_ROOTS = [
    "Tekh",
    "Elektro",
    "Prom",
    "Snab",
    "Mikro",
    "Radio",
    "Stroi",
    "Avto",
    "Neft",
    "Energo",
    "Spets",
    "Region",
    "Opt",
    "Inzh",
    "Sever",
    "Ural",
    "Volga",
    "Sibir",
    "Baltika",
    "Kristall",
    "Impuls",
    "Vektor",
    "Signal",
    "Format",
    "Orion",
    "Granit",
]
RU_FORMS = ("OOO", "AO", "OAO", "ZAO", "LLC")
WEST_NAMES = [
    "Miller",
    "Schmidt",
    "Weber",
    "Becker",
    "Hoffmann",
    "Keller",
    "Johnson",
    "Walker",
    "Turner",
    "Morgan",
    "Fischer",
    "Novak",
    "Rossi",
    "Ferrari",
    "Dubois",
    "Laurent",
    "Jansen",
    "Berg",
    "Larsen",
    "Nilsson",
    "Kowalski",
    "Horvat",
    "Costa",
]
WEST_NOUNS = [
    "Systems",
    "Solutions",
    "Components",
    "Devices",
    "Instruments",
    "Controls",
    "Dynamics",
    "Industries",
    "Partners",
    "Technologies",
    "Engineering",
    "Automation",
    "Photonics",
    "Electronics",
    "Analytics",
    "Logistics",
    "Metals",
]
WEST_FORMS = ("GmbH", "AG", "Ltd", "LLC", "Inc.", "S.A.", "B.V.", "S.r.l.", "Oy", "AB", "KG")
GIVEN = [
    "Wei",
    "Li",
    "Jun",
    "Ming",
    "Hui",
    "Yan",
    "Ivan",
    "Sergei",
    "Olga",
    "Anna",
    "Peter",
    "Thomas",
    "Maria",
    "John",
    "Ali",
    "Reza",
    "Kim",
    "Hiroshi",
    "Yuki",
    "Ahmed",
    "Fatima",
    "Elena",
    "Dmitri",
    "Marco",
    "Giulia",
    "Lars",
    "Sofia",
    "Chen",
    "Jae-won",
    "Min-jun",
]
FAMILY = [
    "Wang",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Ivanov",
    "Petrov",
    "Smirnova",
    "Kuznetsov",
    "Mueller",
    "Schneider",
    "Smith",
    "Brown",
    "Tanaka",
    "Sato",
    "Park",
    "Lee",
    "Choi",
    "Hosseini",
    "Rahimi",
    "Rossi",
    "Garcia",
]


def _brand(rng: random.Random) -> str:
    return "".join(rng.sample(SYLLABLES, rng.choice((2, 2, 3)))).title()


def generated_name(rng: random.Random) -> tuple[str, str | None]:
    kind = rng.random()
    if kind < 0.45:
        name = f"{rng.choice(CITIES)} {_brand(rng)} {rng.choice(TRADES)} {rng.choice(CN_FORMS)}"
        if rng.random() < 0.3:
            name = (
                f"{_brand(rng)} {rng.choice(TRADES)} ({rng.choice(CITIES)}) {rng.choice(CN_FORMS)}"
            )
        return name, rng.choice(("CN", "CN", "HK", None))
    if kind < 0.6:
        root = "".join(rng.sample(RU_ROOTS, 2))
        return f"{rng.choice(RU_FORMS)} {root}", rng.choice(("RU", "BY", "KZ", None))
    if kind < 0.85:
        name = f"{rng.choice(WEST_NAMES)} {rng.choice(WEST_NOUNS)} {rng.choice(WEST_FORMS)}"
        if rng.random() < 0.3:
            name = f"{rng.choice(WEST_NAMES)} & {rng.choice(WEST_NAMES)} {rng.choice(WEST_FORMS)}"
        return name, rng.choice(("DE", "US", "GB", "NL", "IT", "FR", "SE", "AE", "TR", None))
    return f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}", rng.choice(("CN", "RU", "IR", "DE", None))


def listed_name(rng: random.Random, variants: Variants, e: ListEntry) -> tuple[str, str | None]:
    name = rng.choice(e.all_names())
    how = rng.random()
    if how < 0.25:
        name = variants.typo(name)
    elif how < 0.4:
        name = variants.drop_form(name) or name
    elif how < 0.5:
        name = variants.change_form(name)
    country = e.countries[0] if e.countries and rng.random() < 0.7 else None
    return name, country


def make_change(
    rng: random.Random, entries: list[ListEntry], size: int
) -> tuple[list[ListEntry], list[ListEntry], dict[str, int]]:
    """(old entries, new entries, counts): `size` entries of `entries` added, amended or
    removed between old and new."""
    pool = [e for e in entries if e.in_force(DAY)]
    rng.shuffle(pool)
    n_add, n_remove = int(size * 0.3), int(size * 0.3)
    n_amend = size - n_add - n_remove
    added = pool[:n_add]
    added_ids = {e.id for e in added}
    old = [e for e in entries if e.id not in added_ids]
    removed = {e.id for e in pool[n_add : n_add + n_remove]}
    amended: dict[str, ListEntry] = {}
    for e in pool[n_add + n_remove : n_add + n_remove + n_amend]:
        how = rng.random()
        if how < 0.4:
            new = dataclasses.replace(e, aliases=(*e.aliases, f"{_brand(rng)} {e.name}"))
        elif how < 0.6 and e.aliases:
            new = dataclasses.replace(e, aliases=e.aliases[:-1])
        else:
            new = dataclasses.replace(
                e,
                countries=("RU",),
                addresses=(Address(full="12 Lenina Street, Moscow, Russia", country="RU"),),
            )
        amended[e.id] = new
    new_entries = [amended.get(e.id, e) for e in old if e.id not in removed] + added
    return old, new_entries, {"added": n_add, "amended": n_amend, "removed": n_remove}


def put(store: SnapshotStore, entries: list[ListEntry], dataset: str) -> Snapshot:
    snap = build_snapshot(entries, dataset=dataset, as_of=DAY, source={"file": "bench"})
    _atomic_write(store.dir / f"{snap.id}.json", snap.to_json())
    return snap


def watch_all(path: Path, parties: list[Party]) -> int:
    """Store the watched parties in one transaction (as `screen --save` would, one by one)."""
    SqliteJudgements(path)  # creates the tables
    rows = {}
    for p in parties:
        w = _watched(p)
        rows[w.key] = (w.key, w.name, w.country, w.address, w.document)
    with sqlite3.connect(path) as con:
        con.executemany("INSERT OR REPLACE INTO parties VALUES (?, ?, ?, ?, ?)", rows.values())
    return len(rows)


def cold() -> None:
    """Empty the matcher and name caches: each timed run pays for what it computes."""
    service_mod._MATCHERS.clear()
    normalise_v2.forms.cache_clear()
    normalise_mod.normalise.cache_clear()


def timed(svc: ScreeningService, **kw: Any) -> tuple[dict[str, Any], float, float]:
    """(report, wall seconds, CPU seconds of this process): on a shared machine the CPU time
    is the steadier figure."""
    cold()
    t0, c0 = time.perf_counter(), time.process_time()
    report = svc.rescreen(as_of=DAY, **kw)
    return report, time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parties", type=int, default=100_000)
    ap.add_argument("--changes", type=int, default=500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--no-twin",
        action="store_true",
        help="time the first (full) run as the full figure instead of a second full run on a "
        "copy after the change (which also checks that the reports are equal)",
    )
    args = ap.parse_args()
    rng = random.Random(args.seed)
    home = Path(tempfile.mkdtemp(prefix="cc-rescreen-"))
    os.environ["CHIPCONTROLS_HOME"] = str(home)
    try:
        store = SnapshotStore(home)
        el = bundled_snapshot()
        old_entries, new_entries, counts = make_change(rng, list(el.entries), args.changes)
        old_el = put(store, old_entries, el.dataset)
        new_el = put(store, new_entries, el.dataset)
        others = [s for s in bundled_snapshots(active_only=True) if s.dataset != el.dataset]
        store._write_pointer({**{s.dataset: s.id for s in others}, el.dataset: old_el.id})

        variants = Variants(rng)
        listed = [e for s in others for e in s.entries] + list(el.entries)
        n_listed = max(args.parties // 100, 1)
        companies = [c.strip() for c in COMPANIES.replace("\n", ";").split(";") if c.strip()]
        parties: list[Party] = [Party(c) for c in companies]
        for _ in range(n_listed):
            name, country = listed_name(rng, variants, rng.choice(listed))
            parties.append(Party(name, country))
        keys = {p.key for p in parties}
        while len(keys) < args.parties:
            name, country = generated_name(rng)
            p = Party(name, country)
            if p.key not in keys and normalise_mod.normalise(name).tokens:
                keys.add(p.key)
                parties.append(p)
        db = home / "judgements.sqlite3"
        stored = watch_all(db, [p for p in parties if normalise_mod.normalise(p.name).tokens])
        print(f"parties stored: {stored} (about {n_listed} named after listed parties)")
        print(
            f"lists: {len(others) + 1} active snapshots, {sum(len(s.entries) for s in others)} "
            f"entries besides the Entity List ({len(old_entries)} -> {len(new_entries)} entries)"
        )

        svc = ScreeningService(store=store, repo=SqliteJudgements(db), home=home)
        first, w_first, c_first = timed(svc)
        print(
            f"first re-screening ({first['rescreen']['mode']}): {w_first:.1f} s wall, "
            f"{c_first:.1f} s CPU",
            flush=True,
        )

        store._write_pointer({**{s.dataset: s.id for s in others}, el.dataset: new_el.id})
        twin_db = home / "twin.sqlite3"
        shutil.copy(db, twin_db)
        twin = ScreeningService(store=store, repo=SqliteJudgements(twin_db), home=home)
        inc, w_inc, c_inc = timed(svc)
        print(f"incremental re-screening: {w_inc:.1f} s wall, {c_inc:.1f} s CPU", flush=True)
        if args.no_twin:
            full, w_full, c_full = first, w_first, c_first
        else:
            full, w_full, c_full = timed(twin, full=True)
            print(f"full re-screening: {w_full:.1f} s wall, {c_full:.1f} s CPU", flush=True)

        same = None
        if not args.no_twin:
            same = {k: inc[k] for k in ("results", "removed")} == {
                k: full[k] for k in ("results", "removed")
            }
        changes = [(h["change"]) for r in inc["results"] for h in r["hits"]]
        changes += ["removed"] * len(inc["removed"])
        summary = {
            "entity_list_change": counts,
            "parties": inc["parties_screened"],
            "full": {
                "run": "first run (before the change)" if args.no_twin else "--full, after",
                "wall_seconds": round(w_full, 2),
                "cpu_seconds": round(c_full, 2),
            },
            "incremental": {
                "wall_seconds": round(w_inc, 2),
                "cpu_seconds": round(c_inc, 2),
                "mode": inc["rescreen"]["mode"],
                "reason": inc["rescreen"]["reason"],
                "fully_screened": inc["rescreen"]["fully_screened"],
                "why_fully_screened": inc["rescreen"]["why_fully_screened"],
            },
            "ratio_wall": round(w_inc / w_full, 4),
            "ratio_cpu": round(c_inc / c_full, 4),
            "bar": "incremental <= 0.1 x full",
            "bar_met_wall": w_inc <= 0.1 * w_full,
            "bar_met_cpu": c_inc <= 0.1 * c_full,
            "reported": {c: changes.count(c) for c in sorted(set(changes))},
            "reports_equal": same,
        }
        print(json.dumps(summary, indent=2))
        if same is False:
            raise SystemExit("the incremental report differs from the full one")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
