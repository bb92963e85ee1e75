"""Golden screening cases (golden/screening_cases.yaml) against the bundled snapshots."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from chipcontrols.screening.service import Party, ScreeningService

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "golden" / "screening_cases.yaml").read_text("utf-8")
)


@pytest.mark.parametrize("case", CASES, ids=[c["query"] for c in CASES])
def test_golden(case: dict[str, Any]) -> None:
    assert case.get("source"), "every golden case names its source"
    as_of = dt.date.fromisoformat(case["as_of"]) if case.get("as_of") else dt.date(2026, 9, 1)
    report = ScreeningService().screen([Party(case["query"], case.get("country"))], as_of=as_of)
    hits = report["results"][0]["hits"]
    if case.get("list"):  # the case is about one list only
        hits = [h for h in hits if h["list"] == case["list"]]
    matched = [h["name"] for h in hits if h["match"]]
    if case.get("expect_no_match"):
        assert matched == [], f"{case['query']!r} matched {matched} ({case['source']})"
    else:
        assert case["expect"] in matched, f"{case['query']!r} -> {matched} ({case['source']})"
