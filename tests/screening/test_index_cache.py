"""Matcher indexes kept on disk: the same answers as a freshly built index, a file per
matcher version, snapshot and code, and a damaged file rebuilt rather than trusted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chipcontrols.screening import index_cache, service
from chipcontrols.screening.index_cache import cached_matcher, code_fingerprint
from chipcontrols.screening.lists.snapshots import Snapshot, bundled_snapshots
from chipcontrols.screening.matcher import Query
from chipcontrols.screening.matcher_v3 import MatcherV3
from chipcontrols.screening.service import Party, ScreeningService


def _entity_list() -> Snapshot:
    return next(s for s in bundled_snapshots(active_only=True) if s.dataset == "bis_entity_list")


def test_a_kept_index_answers_as_a_built_one(tmp_path: Path) -> None:
    snap = _entity_list()
    built: list[int] = []

    def build() -> MatcherV3:
        built.append(1)
        return MatcherV3(snap.entries)

    first = cached_matcher(tmp_path, "name-v3", snap.id, build)
    second = cached_matcher(tmp_path, "name-v3", snap.id, build)
    assert built == [1]  # the second came from the file
    files = list(tmp_path.glob("*.pickle"))
    assert [f.name for f in files] == [f"name-v3-{snap.id}-{code_fingerprint()}.pickle"]
    for name in ("Huawei Technologies", "SMIC", "中芯国际", "Semiconductor Manufacturing Intl"):
        a = [(h.entry.id, h.score, h.match) for h in first.screen(Query(name))]
        b = [(h.entry.id, h.score, h.match) for h in second.screen(Query(name))]
        assert a == b and a, name


def test_a_damaged_file_is_rebuilt(tmp_path: Path) -> None:
    snap = _entity_list()
    path = tmp_path / f"name-v3-{snap.id}-{code_fingerprint()}.pickle"
    path.write_bytes(b"not a pickle")
    m = cached_matcher(tmp_path, "name-v3", snap.id, lambda: MatcherV3(snap.entries))
    assert [h.entry.id for h in m.screen(Query("Huawei Technologies")) if h.match]
    assert path.read_bytes() != b"not a pickle"
    assert not list(tmp_path.glob(".index-*"))  # no temporary file left


def test_other_code_names_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snap = _entity_list()
    cached_matcher(tmp_path, "name-v3", snap.id, lambda: MatcherV3(snap.entries))
    monkeypatch.setattr(index_cache, "code_fingerprint", lambda: "0" * 16)
    rebuilt: list[int] = []

    def build() -> MatcherV3:
        rebuilt.append(1)
        return MatcherV3(snap.entries)

    cached_matcher(tmp_path, "name-v3", snap.id, build)
    assert rebuilt == [1] and len(list(tmp_path.glob("*.pickle"))) == 2


def test_the_screening_service_keeps_its_indexes_under_its_home(tmp_path: Path) -> None:
    service._MATCHERS.clear()
    svc = ScreeningService(home=tmp_path)
    report = svc.screen([Party(name="Huawei Technologies Co., Ltd.")], as_of=dt.date(2026, 9, 1))
    assert report["results"][0]["match"]
    assert list((tmp_path / "cache" / "matchers").glob("name-v3-snap-*.pickle"))
