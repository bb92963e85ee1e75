"""Golden coalition cases (tests/golden/coalition/*.yaml): matrix rows on dates and gap periods,
each expectation with its source."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from chipcontrols.scenario.coalition import Analyst
from chipcontrols.scenario.matrix import OPEN, Row, parse_end_uses, parse_suppliers
from chipcontrols.scenario.timeline import timeline

FOLDER = Path(__file__).parent / "coalition"
_EXPECT_KEYS = {
    "cells",
    "review_policy",
    "state",
    "gap",
    "blocked_in",
    "open_in",
    "supplied_from",
    "us_reach",
    "products_free",
    "products",
    "not_free",
}


def _day(raw: Any) -> dt.date:
    return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))


def _docs() -> list[tuple[Path, dict[str, Any]]]:
    return [(p, yaml.safe_load(p.read_text())) for p in sorted(FOLDER.glob("*.yaml"))]


@cache
def _analyst(end_uses: tuple[str, ...]) -> Analyst:
    return Analyst(end_uses=end_uses)


def _cases() -> list[Any]:
    out = []
    for path, doc in _docs():
        for case in doc["cases"]:
            assert case.get("source"), f"{path.name}: a case has no source"
            assert set(case["expect"]) <= _EXPECT_KEYS, f"{path.name}: unknown expectation"
            cap = case.get("capability", doc["capability"])
            day = _day(case["as_of"])
            dest = case.get("destination", doc["destination"])
            out.append(pytest.param(doc, cap, day, case, id=f"{path.stem}:{cap}->{dest}@{day}"))
    return out


def test_at_least_three_golden_files_with_sources() -> None:
    docs = _docs()
    assert len(docs) >= 3
    for path, doc in docs:
        assert doc["cases"], path
        if "timeline" in doc:
            assert doc["timeline"].get("source"), path


def _check(row: Row, expect: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for code, status in (expect.get("cells") or {}).items():
        actual = row.cells[code].status
        if actual != status:
            problems.append(f"cell {code}: expected {status}, got {actual}")
    for code, policy in (expect.get("review_policy") or {}).items():
        actual = row.cells[code].outcome.review_policy
        if actual != policy:
            problems.append(f"review policy {code}: expected {policy}, got {actual}")
    for code, status in (expect.get("us_reach") or {}).items():
        reach = row.cells[code].us_reach
        actual = reach.status if reach else None
        if actual != status:
            problems.append(f"US reach {code}: expected {status}, got {actual}")
    for code, products in (expect.get("products") or {}).items():
        found = {p.name: p.outcome.own.status for p in row.cells[code].products}
        for name, status in products.items():
            if found.get(name) != status:
                problems.append(f"{code} {name}: expected {status}, got {found.get(name)}")
    for code in expect.get("not_free") or []:
        if row.cells[code].status in OPEN:
            problems.append(f"cell {code}: expected not free, got {row.cells[code].status}")
    for code, names in (expect.get("products_free") or {}).items():
        missing = [n for n in names if n not in row.cells[code].best]
        if missing:
            problems.append(f"{code}: {missing} not among {row.cells[code].best}")
    for key in ("state", "gap", "blocked_in", "open_in", "supplied_from"):
        if key in expect and getattr(row, key) != expect[key]:
            problems.append(f"{key}: expected {expect[key]}, got {getattr(row, key)}")
    return problems


@pytest.mark.parametrize(("doc", "capability", "day", "case"), _cases())
def test_golden_coalition(doc: dict[str, Any], capability: str, day: dt.date, case: Any) -> None:
    analyst = _analyst(parse_end_uses(doc.get("end_uses")))
    matrix = analyst.matrix(
        case.get("destination", doc["destination"]),
        day,
        suppliers=parse_suppliers(doc.get("suppliers")),
        capabilities=[capability],
    )
    row = matrix.row(capability)
    problems = _check(row, case["expect"])
    if problems:
        cells = {s: c.outcome.label() for s, c in row.cells.items()}
        pytest.fail(
            f"{capability} on {day}\nsource: {case['source']}\n"
            + "\n".join(problems)
            + f"\nrow: {cells}, state {row.state}"
        )


def _timelines() -> list[Any]:
    return [
        pytest.param(doc, id=path.stem) for path, doc in _docs() if doc.get("timeline") is not None
    ]


@pytest.mark.parametrize("doc", _timelines())
def test_golden_gap_periods(doc: dict[str, Any]) -> None:
    spec = doc["timeline"]
    result = timeline(
        _analyst(parse_end_uses(doc.get("end_uses"))),
        doc["destination"],
        _day(spec["from"]),
        _day(spec["to"]),
        suppliers=parse_suppliers(doc.get("suppliers")),
        capabilities=[doc["capability"]],
    )
    actual = [
        {
            "opened": g.opened,
            "closed": g.closed,
            "supplied": g.supplied,
        }
        for g in result.gaps()
    ]
    expected = [
        {
            "opened": _day(g["opened"]),
            "closed": None if g.get("closed") is None else _day(g["closed"]),
            "supplied": g["supplied"],
        }
        for g in spec["gaps"]
    ]
    assert actual == expected, f"source: {spec['source']}"
