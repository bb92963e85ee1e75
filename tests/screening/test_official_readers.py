"""Readers of the official list copies in shared/data/lists/official/ (see its README)."""

from __future__ import annotations

import datetime as dt

import pytest

from chipcontrols.screening.lists import detect_format, read_list
from chipcontrols.screening.service import Party, ScreeningService
from tests.screening.conftest import shared

FILES = {
    "official/us_bis_entity_list_2026-07-09.json": ("parsed_json", "bis_entity_list", 3409),
    "official/us_bis_meu_list_2026-07.json": ("parsed_json", "bis_meu", 70),
    "official/us_bis_denied_persons_2026-04-14.json": ("parsed_json", "bis_dpl", 564),
    "official/us_ofac_ns_cmic_2026-07.json": ("parsed_json", "ofac_ns_cmic", 68),
    "official/us_dod_1260h_2026-08-20.csv": ("dod_1260h", "dod_1260h", 397),
    "official/eu_reg_833_2014_annexes_2026-08-14.csv": ("eu_833_annex", "eu_833_annex_iv", 921),
    "official/jp_meti_end_user_list_2026.csv": ("meti_eul", "jp_meti_eul", 835),
    "official/cn_countermeasures_unreliable_entities_2026-08-07.csv": (
        "cn_countermeasures",
        "cn_countermeasures",
        610,
    ),
}


@pytest.mark.parametrize("rel", sorted(FILES))
def test_official_copy_is_read(rel: str) -> None:
    fmt, dataset, count = FILES[rel]
    path = shared(rel)
    assert detect_format(path) == fmt
    result = read_list(path)
    assert result.dataset == dataset and len(result.entries) == count
    assert len({e.id for e in result.entries}) == count


def test_entity_list_dates_and_footnotes() -> None:
    result = read_list(shared("official/us_bis_entity_list_2026-07-09.json"))
    smic = next(e for e in result.entries if e.name.endswith("Corporation (SMIC)"))
    assert smic.listed_on == dt.date(2020, 12, 22) and smic.footnotes == (5,)
    assert smic.citations[0].cite == "85 FR 83420"


def test_denial_ends_after_its_expiry() -> None:
    result = read_list(shared("official/us_bis_denied_persons_2026-04-14.json"))
    ends = [e for e in result.entries if e.removed_on is not None]
    assert ends and all(e.remarks and "Expires" in e.remarks for e in ends)


def test_a_chinese_list_hit_is_shown_as_a_risk_in_china() -> None:
    report = ScreeningService().screen(
        [Party("Lockheed Martin Corporation", "US")], as_of=dt.date(2026, 9, 1)
    )
    cn = [h for h in report["results"][0]["hits"] if h["list"].startswith("CN-") and h["match"]]
    assert cn, (
        "Lockheed Martin Corporation: MOFCOM Unreliable Entity List, 16.02.2023 (copy in shared/)"
    )
    assert all("risk for a buyer or seller in China" in h["risk"] for h in cn)
