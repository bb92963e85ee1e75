"""Incremental re-screening gives the report a full re-screening gives.

The oracle is the full re-screening (every watched party against every active entry) run
on a copy of the same store: the incremental run must report the same new, changed and
removed hits, party for party. Entries are real rows of the bundled Entity List snapshot
(BIS Supplement No. 4 to Part 744, as bundled in data/lists); the changes made to them
(aliases, addresses, countries, removals, additions) are the kinds a Federal Register
amendment makes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from chipcontrols.screening import rescreen as rs
from chipcontrols.screening.judgements import SqliteJudgements
from chipcontrols.screening.lists.snapshots import (
    Snapshot,
    SnapshotStore,
    _atomic_write,
    build_snapshot,
    bundled_manifest,
    bundled_snapshot,
)
from chipcontrols.screening.model import Address, ListEntry
from chipcontrols.screening.names.normalise import normalise
from chipcontrols.screening.service import Party, ScreeningService, _watched

DAY = dt.date(2026, 9, 1)
DATASET = "bis_entity_list"
WORDS = [
    "Shenzhen",
    "Hangzhou",
    "Xi'an",
    "Golden",
    "Star",
    "Ocean",
    "Photon",
    "Quantum",
    "Silicon",
    "Precision",
    "Dragon",
    "Huaxin",
    "Tongda",
    "Kangmei",
    "Ruixin",
    "Zhongke",
    "Jinghe",
    "Tianyu",
    "Hengtong",
    "Micro",
    "Wave",
    "Bright",
    "Nova",
]
TAILS = ("Co., Ltd.", "Technology Co., Ltd.", "Electronics Ltd", "Trading Company", "LLC", "GmbH")


def _put(store: SnapshotStore, entries: list[ListEntry], as_of: dt.date = DAY) -> Snapshot:
    snap = build_snapshot(entries, dataset=DATASET, as_of=as_of, source={"file": "test"})
    _atomic_write(store.dir / f"{snap.id}.json", snap.to_json())
    return snap


def _only(store: SnapshotStore, *snaps: Snapshot) -> None:
    """Make exactly these snapshots active (the test lists only, for speed)."""
    store._write_pointer({s.dataset: s.id for s in snaps})


def _base(rng: random.Random, n: int = 700) -> tuple[list[ListEntry], list[ListEntry]]:
    """n entries of the bundled Entity List in force on DAY, and others to add later."""
    rows = [e for e in bundled_snapshot().entries if e.in_force(DAY)]
    rng.shuffle(rows)
    return rows[:n], rows[n : n + 40]


def _amend(rng: random.Random, base: list[ListEntry], extra: list[ListEntry]) -> dict[str, Any]:
    """The next snapshot's entries: 20 removed, 20 with a new alias, 15 with an alias dropped,
    15 moved (address and country), 40 added."""
    ents = list(base)
    picked = rng.sample(range(len(ents)), 70)
    removed = [ents[i] for i in picked[:20]]
    aliased, dropped, moved = picked[20:40], picked[40:55], picked[55:70]
    new_alias = {}
    for i in aliased:
        e = ents[i]
        alias = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {e.name.split()[0]} Holdings"
        new_alias[e.id] = alias
        ents[i] = dataclasses.replace(e, aliases=(*e.aliases, alias))
    for i in dropped:
        e = ents[i]
        ents[i] = dataclasses.replace(e, aliases=e.aliases[1:] if e.aliases else ("Dropped",))
    for i in moved:
        e = ents[i]
        ents[i] = dataclasses.replace(
            e,
            countries=("RU",),
            addresses=(Address(full="12 Lenina Street, Moscow, Russia", country="RU"),),
        )
    gone = {e.id for e in removed}
    new = [e for e in ents if e.id not in gone] + extra
    return {"entries": new, "removed": removed, "new_alias": new_alias, "moved": moved}


def _parties(rng: random.Random, base: list[ListEntry], extra: list[ListEntry]) -> list[Party]:
    parties = []
    for _ in range(250):  # names of no listed party (mostly)
        name = " ".join(rng.sample(WORDS, rng.randint(1, 3))) + " " + rng.choice(TAILS)
        parties.append(Party(name, rng.choice(["CN", "RU", "DE", None])))
    for e in rng.sample(base, 120) + extra[:20]:  # listed parties, as written or varied
        country = e.countries[0] if e.countries and rng.random() < 0.7 else None
        words = e.name.split()
        if rng.random() < 0.4 and len(words) > 2:
            name = " ".join(words[:-1])
        elif e.aliases and rng.random() < 0.3:
            name = rng.choice(e.aliases)
        else:
            name = e.name
        if normalise(name).tokens:
            parties.append(Party(name, country))
    return parties


def _save(svc: ScreeningService, parties: list[Party]) -> None:
    for p in parties:
        svc.repo.watch(_watched(p))


def _twin(svc: ScreeningService, tmp: Path, store: SnapshotStore) -> ScreeningService:
    """A service over a copy of svc's judgement store (same snapshots)."""
    assert isinstance(svc.repo, SqliteJudgements)
    copy = tmp / "twin.sqlite3"
    shutil.copy(svc.repo.path, copy)
    return ScreeningService(store=store, repo=SqliteJudgements(copy), home=tmp)


def _report(r: dict[str, Any]) -> dict[str, Any]:
    return {"results": r["results"], "removed": r["removed"], "as_of": r["as_of"]}


def _changes(r: dict[str, Any]) -> set[tuple[str, str, str]]:
    got = {(x["party"]["key"], h["entry_id"], h["change"]) for x in r["results"] for h in x["hits"]}
    return got | {(x["party"]["key"], x["entry_id"], "removed") for x in r["removed"]}


@pytest.mark.parametrize("seed", [3, 11])
def test_incremental_report_equals_the_full_one(home: Path, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    store = SnapshotStore()
    base, extra = _base(rng)
    amended = _amend(rng, base, extra)
    old = _put(store, base)
    _only(store, old)
    svc = ScreeningService(store=store)
    parties = _parties(rng, base, extra)
    # parties that match only through a new alias, and parties of moved and removed entries
    parties += [Party(a) for a in list(amended["new_alias"].values())[:8]]
    parties += [Party(e.name) for e in amended["removed"][:8]]
    parties += [Party(base[i].name) for i in amended["moved"][:8]]
    _save(svc, parties)
    first = svc.rescreen(as_of=DAY)
    assert first["rescreen"]["mode"] == "full"
    assert "first run" in first["rescreen"]["reason"]
    assert (
        first["rescreen"]["fully_screened"]
        == first["parties_screened"]
        == len({p.key for p in parties})
    )

    new = _put(store, amended["entries"])
    _only(store, new)
    twin = _twin(svc, tmp_path, store)
    inc = svc.rescreen(as_of=DAY)
    full = twin.rescreen(as_of=DAY, full=True)
    assert inc["rescreen"]["mode"] == "incremental"
    assert full["rescreen"]["mode"] == "full" and full["rescreen"]["reason"] == "asked for (--full)"
    assert _report(inc) == _report(full)
    # the change is seen: new hits (added entries, new aliases), changed entries, removals
    kinds = {c for _, _, c in _changes(full)}
    assert kinds == {"new", "changed", "removed"}
    alias_hits = {h["entry_id"] for x in inc["results"] for h in x["hits"] if h["change"] == "new"}
    assert alias_hits & set(amended["new_alias"])
    moved_ids = {base[i].id for i in amended["moved"]}
    assert any(
        h["entry_id"] in moved_ids and h["change"] == "changed"
        for x in inc["results"]
        for h in x["hits"]
    )
    assert {x["entry_id"] for x in inc["removed"]} <= {e.id for e in amended["removed"]}
    # and it screened far fewer parties in full
    assert inc["rescreen"]["fully_screened"] < inc["parties_screened"] / 2
    # the same again: nothing new, and the incremental run agrees with the full one
    assert svc.rescreen(as_of=DAY)["results"] == []
    assert svc.rescreen(as_of=DAY)["removed"] == []


def test_second_change_after_an_incremental_run_still_equals_full(
    home: Path, tmp_path: Path
) -> None:
    """Margins raised by one incremental run stay valid for the next one."""
    rng = random.Random(5)
    store = SnapshotStore()
    base, extra = _base(rng, 600)
    step1 = _amend(rng, base, extra[:20])
    step2 = _amend(rng, step1["entries"], extra[20:])
    _only(store, _put(store, base))
    svc = ScreeningService(store=store)
    _save(svc, _parties(rng, base, extra))
    svc.rescreen(as_of=DAY)
    _only(store, _put(store, step1["entries"]))
    assert svc.rescreen(as_of=DAY)["rescreen"]["mode"] == "incremental"
    _only(store, _put(store, step2["entries"]))
    twin = _twin(svc, tmp_path, store)
    inc = svc.rescreen(as_of=DAY)
    full = twin.rescreen(as_of=DAY, full=True)
    assert inc["rescreen"]["mode"] == "incremental"
    assert _report(inc) == _report(full)
    assert _changes(full)


def test_dropping_a_dataset_reports_its_hits_removed(home: Path, tmp_path: Path) -> None:
    rng = random.Random(7)
    store = SnapshotStore()
    base, _ = _base(rng, 300)
    el = _put(store, base)
    meu = next(i for i in bundled_manifest() if i["dataset"] == "bis_meu")
    meu_snap = store.load(meu["id"])
    _only(store, el, meu_snap)
    svc = ScreeningService(store=store)
    listed = [e for e in meu_snap.entries if e.in_force(DAY)][:5]
    _save(svc, [Party(e.name) for e in listed] + [Party(base[0].name)])
    svc.rescreen(as_of=DAY)
    _only(store, el)
    twin = _twin(svc, tmp_path, store)
    inc = svc.rescreen(as_of=DAY)
    full = twin.rescreen(as_of=DAY, full=True)
    assert inc["rescreen"]["mode"] == "incremental"
    assert inc["rescreen"]["changes"]["bis_meu"]["new"] is None
    assert _report(inc) == _report(full)
    assert {x["entry_id"] for x in inc["removed"]} == {e.id for e in listed}
    # reported once; a relisting is reported again (as changed: the seen hit was marked)
    assert svc.rescreen(as_of=DAY)["removed"] == []
    _only(store, el, meu_snap)
    again = svc.rescreen(as_of=DAY)
    assert {h["entry_id"] for x in again["results"] for h in x["hits"]} >= {e.id for e in listed}


def test_full_when_the_date_moves_an_entry_into_or_out_of_force(home: Path) -> None:
    rng = random.Random(9)
    store = SnapshotStore()
    base, _ = _base(rng, 200)
    later = dataclasses.replace(base[0], listed_on=dt.date(2026, 10, 1))
    _only(store, _put(store, [later, *base[1:]]))
    svc = ScreeningService(store=store)
    _save(svc, [Party(later.name)])
    assert svc.rescreen(as_of=DAY)["rescreen"]["mode"] == "full"
    # a later date at which no entry comes into or out of force: incremental
    same = svc.rescreen(as_of=dt.date(2026, 9, 15))
    assert same["rescreen"]["mode"] == "incremental"
    assert same["rescreen"]["reason"] == "no list changed since the last re-screening"
    moved = svc.rescreen(as_of=dt.date(2026, 10, 2))
    assert moved["rescreen"]["mode"] == "full"
    assert "came into or out of force" in moved["rescreen"]["reason"]
    assert [h["entry_id"] for x in moved["results"] for h in x["hits"]] == [later.id]


def test_full_when_matcher_threshold_or_name_tables_change(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(1)
    store = SnapshotStore()
    base, _ = _base(rng, 100)
    _only(store, _put(store, base))
    svc = ScreeningService(store=store)
    _save(svc, [Party(base[0].name)])
    svc.rescreen(as_of=DAY)
    assert svc.rescreen(as_of=DAY)["rescreen"]["mode"] == "incremental"
    assert "threshold" in svc.rescreen(as_of=DAY, threshold=0.85)["rescreen"]["reason"]
    monkeypatch.setattr(rs, "names_version", lambda: "names-other")
    report = svc.rescreen(as_of=DAY, threshold=0.85)
    assert report["rescreen"]["mode"] == "full"
    assert "name tables" in report["rescreen"]["reason"]
    v1 = ScreeningService(store=store, algorithm="name-v1")
    assert "matcher" in v1.rescreen(as_of=DAY, threshold=0.85)["rescreen"]["reason"]
    # each run recorded what it used
    state = rs.SqliteRescreenStore(home / "judgements.sqlite3").last_run()
    assert state is not None and state.threshold == 0.85 and state.algorithm == "name-v1"
    assert state.snapshots == {DATASET: store.active_ids()[DATASET]} and state.as_of == DAY


def test_a_party_saved_again_is_screened_in_full(home: Path) -> None:
    rng = random.Random(2)
    store = SnapshotStore()
    base, extra = _base(rng, 200)
    _only(store, _put(store, base))
    svc = ScreeningService(store=store)
    _save(svc, [Party("Golden Ocean Trading Company")])
    svc.rescreen(as_of=DAY)
    svc.screen([Party(extra[0].name)], as_of=DAY, save=True)
    _only(store, _put(store, [*base, extra[1]]))
    report = svc.rescreen(as_of=DAY)
    assert report["rescreen"]["mode"] == "incremental"
    assert sum(report["rescreen"]["why_fully_screened"].values()) >= 1
    assert "no record of its last screening" in " ".join(report["rescreen"]["why_fully_screened"])


def test_service_database_keeps_the_state(tmp_path: Path) -> None:
    """The same through the service database (migration 0004's tables)."""
    from chipcontrols.storage.db import Database
    from chipcontrols.storage.judgements import SqlJudgements
    from chipcontrols.storage.rescreen import SqlRescreenStore

    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    db.migrate()
    rng = random.Random(4)
    store = SnapshotStore()
    base, extra = _base(rng, 200)
    _only(store, _put(store, base))
    with db.write() as session:
        svc = ScreeningService(store=store, repo=SqlJudgements(session, "test"))
        svc.repo.watch(_watched(Party(base[0].name, id="1")))
        assert svc.rescreen(as_of=DAY)["rescreen"]["mode"] == "full"
    _only(store, _put(store, [*base, *extra[:3]]))
    with db.write() as session:
        svc = ScreeningService(store=store, repo=SqlJudgements(session, "test"))
        report = svc.rescreen(as_of=DAY)
        assert report["rescreen"]["mode"] == "incremental"
        assert isinstance(svc._rescreen_store(), SqlRescreenStore)
    db.dispose()


def test_cli_full_flag(home: Path) -> None:
    import json

    import typer
    from typer.testing import CliRunner

    from chipcontrols.screening.cli import register

    app = typer.Typer(pretty_exceptions_enable=False)
    register(app)
    store = SnapshotStore()
    base, _ = _base(random.Random(6), 100)
    _only(store, _put(store, base))
    _save(ScreeningService(store=store), [Party(base[0].name)])
    runner = CliRunner()
    args = ["rescreen", "--as-of", DAY.isoformat(), "--format", "json"]
    first = json.loads(runner.invoke(app, args).stdout)
    assert first["rescreen"]["mode"] == "full"
    assert json.loads(runner.invoke(app, args).stdout)["rescreen"]["mode"] == "incremental"
    full = json.loads(runner.invoke(app, [*args, "--full"]).stdout)
    assert full["rescreen"]["mode"] == "full" and full["rescreen"]["reason"] == "asked for (--full)"
    text = runner.invoke(app, ["rescreen", "--as-of", DAY.isoformat()]).stdout
    assert "incremental" in text


def test_a_hit_saved_from_another_version_of_an_entry_is_reported(
    home: Path, tmp_path: Path
) -> None:
    """Seen hits written by a screening between two runs (here straight into the store, as
    the service's deferred writes do) make the party screened in full."""
    from chipcontrols.screening.judgements import SeenHit, now

    rng = random.Random(8)
    store = SnapshotStore()
    base, _ = _base(rng, 150)
    first = _put(store, base)
    _only(store, first)
    svc = ScreeningService(store=store)
    party = Party(base[0].name)
    _save(svc, [party])
    svc.rescreen(as_of=DAY)
    amended = dataclasses.replace(base[0], countries=("RU",))
    svc.repo.record_seen(
        [SeenHit(party.key, amended.id, amended.content_hash(), "snap-x", 1.0, now())]
    )
    twin = _twin(svc, tmp_path, store)
    inc = svc.rescreen(as_of=DAY)
    full = twin.rescreen(as_of=DAY, full=True)
    assert inc["rescreen"]["reason"] == "no list changed since the last re-screening"
    assert _report(inc) == _report(full)
    assert _changes(inc) == {(party.key, base[0].id, "changed")}
