from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chipcontrols.errors import InputError, NotFoundError
from chipcontrols.screening.lists.snapshots import SnapshotStore
from chipcontrols.screening.service import Party, ScreeningService
from tests.screening.conftest import FIXTURES

YMTC = "bis-el:CN:yangtze-memory-technologies-co-ltd"


def _table(tmp_path: Path, policy: str, extra_row: str | None = None) -> Path:
    lines = (FIXTURES / "entity_list_table.tsv").read_text("utf-8").splitlines()
    lines[2] = lines[2].replace("Presumption of denial", policy)
    if extra_row:
        lines.append(extra_row)
    out = tmp_path / f"el-{abs(hash((policy, extra_row)))}.tsv"
    out.write_text("\n".join(lines) + "\n", "utf-8")
    return out


def test_judgement_carries_over_until_the_entry_changes(tmp_path: Path) -> None:
    store = SnapshotStore()
    store.set_active("bis_entity_list", None)
    store.import_file(
        _table(tmp_path, "Presumption of denial"), dataset="el", as_of=dt.date(2026, 1, 1)
    )
    svc = ScreeningService()
    party = Party("Yangtze Memory Technologies Co., Ltd.", "CN")
    j = svc.judge(
        party, YMTC, decision="confirmed", reason="same company, same address", author="analyst-1"
    )
    assert j.id == 1 and j.decision == "confirmed" and j.entry_hash.startswith("e-")
    hit = svc.screen([party])["results"][0]["hits"][0]
    assert hit["judgement"]["decision"] == "confirmed" and hit["judgement"]["applies"]
    # a new snapshot in which the entry reads the same: the judgement holds
    store.import_file(
        _table(tmp_path, "Presumption of denial"), dataset="el", as_of=dt.date(2026, 2, 1)
    )
    hit = svc.screen([party])["results"][0]["hits"][0]
    assert hit["judgement"]["applies"]
    # the entry changes: the judgement lapses
    store.import_file(_table(tmp_path, "Case-by-case"), dataset="el", as_of=dt.date(2026, 3, 1))
    hit = svc.screen([party])["results"][0]["hits"][0]
    assert hit["judgement"]["applies"] is False
    assert [x.decision for x in svc.repo.history(party.key)] == ["confirmed"]


def test_rescreen_reports_only_new_or_changed_hits(tmp_path: Path) -> None:
    store = SnapshotStore()
    store.set_active("bis_entity_list", None)
    store.import_file(
        _table(tmp_path, "Presumption of denial"), dataset="el", as_of=dt.date(2026, 1, 1)
    )
    svc = ScreeningService()
    parties = [
        Party("Yangtze Memory Technologies", "CN"),
        Party("Beijing Biren Technology Development", "CN"),
    ]
    first = svc.screen(parties, save=True)
    assert [r["match"] for r in first["results"]] == [True, False]
    again = svc.rescreen()
    assert again["parties_screened"] == 2 and again["results"] == []
    biren = (
        "\tBeijing Biren Technology Development Co., Ltd., Building 13, Room 201, 9th Floor, "
        "Wangjing East Area, Zone 4, Chaoyang District, Beijing, China.\t"
        "For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR)\t"
        "Presumption of denial\t88 FR 71992, 10/19/23."
    )
    store.import_file(
        _table(tmp_path, "Case-by-case", biren), dataset="el", as_of=dt.date(2026, 2, 1)
    )
    changes = svc.rescreen()
    got = {(r["query"], h["change"]) for r in changes["results"] for h in r["hits"]}
    assert got == {
        ("Yangtze Memory Technologies", "changed"),
        ("Beijing Biren Technology Development", "new"),
    }
    assert svc.rescreen()["results"] == []


def test_judgement_input_is_checked() -> None:
    svc = ScreeningService()
    party = Party("Yangtze Memory Technologies Co., Ltd.", "CN")
    with pytest.raises(InputError):
        svc.judge(party, YMTC, decision="maybe", reason="x", author="y")
    with pytest.raises(InputError):
        svc.judge(party, YMTC, decision="cleared", reason=" ", author="y")
    with pytest.raises(NotFoundError):
        svc.judge(party, "bis-el:nowhere", decision="cleared", reason="x", author="y")
