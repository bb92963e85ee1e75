"""The Federal Register effective dates kept beside the law (law/screening/_fr_effective_dates.yaml)
are read strictly: the bundled file gives each citation its rule's effective date, and a
malformed file is an error naming the key, never a silently empty mapping."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chipcontrols.errors import LawError
from chipcontrols.rulebook.rulebook import LAW_DIR
from chipcontrols.screening.lists.bundled import effective_dates
from chipcontrols.screening.lists.fr_dates import (
    FR_DATES_FILE,
    fr_effective_dates,
    parse_effective_dates,
)


def _rule(**over: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "rule": "Additions to the Entity List",
        "published": "2024-12-05",
        "effective": "2024-12-02",
        "cites": ["89 FR 96830"],
        "source": {"citation": "89 FR 96830", "url": "https://www.federalregister.gov/"},
    }
    rule.update(over)
    return rule


def test_the_file_lives_under_law_and_gives_the_effective_dates() -> None:
    assert (LAW_DIR / FR_DATES_FILE).is_file()
    dates = fr_effective_dates()
    # 89 FR 96830 (Dec. 5, 2024): "Effective December 2, 2024"; the Entity List rows cite the
    # pages of their entries (96836, 96837).
    for cite in ("89 FR 96830", "89 FR 96836", "89 FR 96837"):
        assert dates[cite] == dt.date(2024, 12, 2)
    assert effective_dates() == dates


def test_an_unknown_key_is_an_error() -> None:
    with pytest.raises(LawError, match="surprise"):
        parse_effective_dates({"rules": [_rule(surprise=1)]}, loc="x")


def test_a_missing_key_is_an_error() -> None:
    rule = _rule()
    del rule["effective"]
    with pytest.raises(LawError, match="effective"):
        parse_effective_dates({"rules": [rule]}, loc="x")


def test_a_bad_date_is_an_error() -> None:
    with pytest.raises(LawError):
        parse_effective_dates({"rules": [_rule(effective="Dec. 2, 2024")]}, loc="x")


def test_a_citation_given_twice_is_an_error() -> None:
    with pytest.raises(LawError, match="twice"):
        parse_effective_dates({"rules": [_rule(), _rule(effective="2024-12-01")]}, loc="x")


def test_an_empty_file_is_an_error() -> None:
    with pytest.raises(LawError):
        parse_effective_dates({"rules": []}, loc="x")
    with pytest.raises(LawError):
        parse_effective_dates(None, loc="x")
