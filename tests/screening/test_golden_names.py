"""Golden name cases (golden/names_cases.yaml): brands, Chinese, Cyrillic and Korean names of
listed parties, and listing dates, against the default active snapshots and matcher."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from chipcontrols.screening.service import Party, ScreeningService

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "golden" / "names_cases.yaml").read_text("utf-8")
)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['query']}@{c['as_of']}" for c in CASES])
def test_golden_name(case: dict[str, Any]) -> None:
    assert case.get("source"), "every golden case names its source"
    report = ScreeningService().screen(
        [Party(case["query"], case.get("country"))],
        as_of=dt.date.fromisoformat(case["as_of"]),
        limit=20,
    )
    assert report["matcher"]["algorithm"] == "name-v3"
    hits = report["results"][0]["hits"]
    if case.get("list"):
        hits = [h for h in hits if h["list"] == case["list"]]
    matched = [h["name"] for h in hits if h["match"]]
    if case.get("expect_no_match"):
        assert matched == [], f"{case['query']!r} matched {matched} ({case['source']})"
    else:
        assert case["expect"] in matched, f"{case['query']!r} -> {matched} ({case['source']})"
