from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest

from chipcontrols.errors import DataError, NotFoundError
from chipcontrols.screening.lists import bundled
from chipcontrols.screening.lists.snapshots import (
    SnapshotStore,
    bundled_manifest,
    bundled_snapshot,
    bundled_snapshots,
    diff_snapshots,
)
from tests.screening.conftest import FIXTURES, shared


def _default_active() -> dict[str, str]:
    return {s.dataset: s.id for s in bundled_snapshots(active_only=True)}


def test_chip_snapshot_is_the_yaml_source_read_again() -> None:
    chip = SnapshotStore().load(next(i["id"] for i in bundled_manifest() if not i["active"]))
    rebuilt = bundled.build_chip()
    assert chip.id == rebuilt.id
    assert chip.as_of == dt.date(2026, 9, 1)
    assert chip.source["publication"].startswith("15 CFR part 744, Supplement No. 4")
    names = {e.name for e in chip.entries}
    assert {"Yangtze Memory Technologies Co., Ltd.", "Huawei Technologies Co., Ltd."} <= names


def test_bundled_snapshots_are_their_sources_read_again() -> None:
    sources = shared("official/README.md").parent
    for spec in bundled.SPECS.values():
        shared(f"official/{spec['file']}")  # a fresh clone reads the copies in fixtures/
    rebuilt = {s.id for s, active in bundled.build_all(sources) if active}
    assert rebuilt == set(_default_active().values())


def test_full_entity_list_is_bundled_and_active() -> None:
    snap = bundled_snapshot()
    assert snap.dataset == "bis_entity_list" and len(snap.entries) >= 3409
    assert snap.source["completeness"].startswith("full")
    names = {e.name for e in snap.entries}
    assert {
        "National University of Defense Technology (NUDT)",
        "Nettrix Information Industry Co., Ltd.",
        "Fujian Jinhua Integrated Circuit Company, Ltd.",
        "Naura Technology Group Co., Ltd.",
        "Cambricon Technologies Corporation Limited",
    } <= names
    for s in bundled_snapshots():
        assert {"publication", "url", "completeness"} <= set(s.source), s.dataset


def test_fresh_home_screens_against_the_bundled_snapshots(home: Path) -> None:
    store = SnapshotStore()
    active = store.active_ids()
    assert active == _default_active()
    assert {
        "bis_entity_list",
        "bis_meu",
        "bis_dpl",
        "ofac_ns_cmic",
        "csl",
        "dod_1260h",
        "eu_833_annex_iv",
        "jp_meti_eul",
        "cn_countermeasures",
    } <= set(active)
    assert not home.exists()


def test_import_is_content_addressed_and_idempotent(home: Path) -> None:
    store = SnapshotStore()
    a = store.import_file(FIXTURES / "csl_sample.json", as_of=dt.date(2025, 6, 25))
    b = store.import_file(FIXTURES / "csl_sample.json", as_of=dt.date(2025, 6, 25))
    assert a.id == b.id and a.id.startswith("snap-")
    assert (home / "snapshots" / f"{a.id}.json").is_file()
    assert store.active_ids() == {**_default_active(), "csl": a.id}
    c = store.import_file(FIXTURES / "csl_sample.json", as_of=dt.date(2025, 6, 26))
    assert c.id != a.id  # the as-of date is part of what a snapshot says
    assert store.load(a.id[:10]).id == a.id
    assert store.load("csl").id == c.id


def test_diff_reports_added_removed_and_changed(tmp_path: Path) -> None:
    store = SnapshotStore()
    src = FIXTURES / "entity_list_table.tsv"
    old = store.import_file(src, dataset="el_test", as_of=dt.date(2026, 1, 1))
    lines = src.read_text("utf-8").splitlines()
    lines[2] = lines[2].replace("Presumption of denial", "Case-by-case review")
    del lines[1]  # BAAI removed
    lines.append(
        "\tBeijing Biren Technology Development Co., Ltd., Building 13, Room 201, 9th Floor, "
        "Wangjing East Area, Zone 4, Chaoyang District, Beijing, China.\tFor all items subject "
        "to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR)\tPresumption of denial\t"
        "88 FR 71992, 10/19/23."
    )
    lines[1] = "CHINA, PEOPLE'S REPUBLIC OF" + lines[1]
    changed = tmp_path / "el.tsv"
    changed.write_text("\n".join(lines) + "\n", "utf-8")
    new = store.import_file(changed, dataset="el_test", as_of=dt.date(2026, 2, 1))
    d = diff_snapshots(old, new)
    assert [e.name for e in d.added] == ["Beijing Biren Technology Development Co., Ltd."]
    assert [e.name for e in d.removed] == ["Beijing Academy of Artificial Intelligence"]
    assert [(c.name, c.fields) for c in d.changed] == [
        ("Yangtze Memory Technologies Co., Ltd.", ("licence_review_policy",))
    ]


def test_failed_import_leaves_the_active_snapshot(home: Path, tmp_path: Path) -> None:
    store = SnapshotStore()
    good = store.import_file(FIXTURES / "csl_sample.json")
    before = store.active_ids()
    pointer = (home / "active.json").read_bytes()
    bad = tmp_path / "consolidated.json"
    bad.write_bytes((FIXTURES / "csl_sample.json").read_bytes()[:500])
    with pytest.raises(DataError):
        store.import_file(bad)
    assert store.active_ids() == before
    assert (home / "active.json").read_bytes() == pointer
    assert store.load("csl").id == good.id


def test_interrupted_write_leaves_the_active_snapshot(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SnapshotStore()
    store.import_file(FIXTURES / "csl_sample.json")
    before = store.active_ids()

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.import_file(FIXTURES / "entity_list_table.tsv")
    monkeypatch.undo()
    assert store.active_ids() == before
    assert not [p for p in (home / "snapshots").iterdir() if p.name.startswith(".")]


def test_damaged_snapshot_file_is_reported(home: Path) -> None:
    store = SnapshotStore()
    snap = store.import_file(FIXTURES / "csl_sample.json")
    path = home / "snapshots" / f"{snap.id}.json"
    doc = json.loads(path.read_text("utf-8"))
    doc["entries"][0]["name"] = "TAMPERED"
    path.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(DataError, match="does not match"):
        store.load(snap.id)
    path.write_text(path.read_text("utf-8")[:100], "utf-8")
    with pytest.raises(DataError):
        store.load(snap.id)
    (home / "active.json").write_text("{not json", "utf-8")
    with pytest.raises(DataError, match="pointer"):
        store.active_ids()


def test_unknown_snapshot_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        SnapshotStore().load("snap-0000")


def test_sdn_import_and_activation(home: Path) -> None:
    store = SnapshotStore()
    snap = store.import_file(
        shared("moov-watchman/test_testdata_static/sdn.csv"), as_of=dt.date(2024, 1, 8)
    )
    assert snap.dataset == "ofac_sdn" and len(snap.entries) == 7379
    store.set_active("ofac_sdn", None)
    assert "ofac_sdn" not in store.active_ids()
    store.set_active("ofac_sdn", snap.id)
    assert store.active_ids()["ofac_sdn"] == snap.id


def test_an_interrupted_import_leaves_no_temporary_files(home: Path) -> None:
    """A write killed between its temporary file and the rename leaves a '.NAME.json.*' file;
    the next import removes it (issue 16, defect 9)."""
    store = SnapshotStore(home)
    first = store.import_file(FIXTURES / "csl_sample.json", as_of=dt.date(2025, 6, 25))
    stale = store.dir / f".{first.id}.json.kill9"
    stale.write_text("{partial")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = store.dir / f".{first.id}.json.inflight"
    fresh.write_text("{partial")  # a write still in progress elsewhere is left alone
    store.import_file(FIXTURES / "csl_sample.json", as_of=dt.date(2025, 6, 26))
    assert not stale.exists() and fresh.exists()
    assert store.load(first.id).id == first.id
