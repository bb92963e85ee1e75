"""What a scenario changes: law in force, product statuses, gaps, and past determinations."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import pytest

from chipcontrols.app_services import Services
from chipcontrols.app_services.stored import stored_determinations
from chipcontrols.errors import InputError
from chipcontrols.scenario.overlay import load_scenario
from chipcontrols.scenario.whatif import (
    WhatIf,
    load_determinations,
    parse_determinations,
    what_if,
)
from tests.scenario.test_overlay import EXAMPLES
from tests.servicekit import sqlite_svc

__all__ = ["sqlite_svc"]

D = dt.date
PAST = EXAMPLES / "past-determinations.yaml"


# The three allies whose lists the example scenarios change (the EU column, exporting from
# another member state, lets ArF immersion scanners go until Nov 2025 and keeps a resale gap open).
TRIO = ("US", "NL", "JP")


@cache
def dutch_early() -> WhatIf:
    return what_if(
        load_scenario(EXAMPLES / "nl-extension-2024-01.yaml"),
        D(2024, 6, 1),
        suppliers=TRIO,
        determinations=load_determinations(PAST),
        screen=False,
    )


def test_law_in_force_that_differs() -> None:
    (change,) = dutch_early().law_changes
    assert change["id"] == "nl.sme_2023.3b001.f.4"
    assert change["change"] == "changed"
    assert change["old"]["effective"] == "2023-09-01"
    assert change["new"]["effective"] == "2024-01-01"


def test_products_that_change_status() -> None:
    changes = {(c["product"], c["jurisdiction"]): c for c in dutch_early().product_changes}
    assert set(changes) == {
        ("ASML TWINSCAN NXT:1970Ci", "NL"),
        ("ASML TWINSCAN NXT:1980Di", "NL"),
    }
    change = changes[("ASML TWINSCAN NXT:1980Di", "NL")]
    assert change["base"]["status"] == "free"
    assert change["scenario"]["status"] == "licence_required"


def test_gaps_closed() -> None:
    gaps = dutch_early().gap_changes
    assert [g["capability"] for g in gaps["closed"]] == ["arfi_dco_2_4"]
    assert gaps["opened"] == []
    closed = gaps["closed"][0]
    assert closed["base"]["supplied_from"] == ["NL"]
    assert closed["scenario"]["state"] == "blocked"


def test_past_determinations_that_would_differ() -> None:
    report = dutch_early()
    changed = report.changed_determinations
    assert [d["id"] for d in changed] == ["det-2024-0412"]
    (verdict,) = changed[0]["verdicts"]
    assert verdict["jurisdiction"] == "NL"
    assert verdict["stored"]["verdict"] == "no_licence_required"
    assert verdict["base"]["verdict"] == "no_licence_required"
    assert verdict["scenario"]["verdict"] == "licence_required"
    assert not changed[0]["differs_from_stored"]
    data = report.to_dict()
    assert data["determinations"]["checked"] == 4
    assert sorted(data["determinations"]["unchanged"]) == [
        "det-2023-1002",
        "det-2024-0305",
        "det-2024-1015",
    ]


def test_proposed_us_rule_closes_the_resale_gap_from_its_date() -> None:
    scenario = load_scenario(EXAMPLES / "us-rs-3b993-f1.yaml")
    before = what_if(scenario, D(2026, 12, 31), suppliers=TRIO, screen=False)
    assert before.law_changes == [] and before.product_changes == []
    after = what_if(scenario, D(2027, 1, 1), suppliers=TRIO, screen=False)
    assert [c["change"] for c in after.law_changes] == ["added"]
    assert ("ASML TWINSCAN NXT:1980Di", "US") in {
        (c["product"], c["jurisdiction"]) for c in after.product_changes
    }
    assert [g["capability"] for g in after.gap_changes["closed"]] == ["arfi_dco_2_4"]


def test_lifting_a_control_opens_a_gap() -> None:
    report = what_if(
        load_scenario(EXAMPLES / "japan-lifts-arfi.yaml"),
        D(2025, 8, 1),
        suppliers=TRIO,
        screen=False,
    )
    opened = {g["capability"]: g for g in report.gap_changes["opened"]}
    # the US and the Dutch list still block it; free from Japan, where no maker of it is
    assert opened["arfi_dco_1_5"]["scenario"]["open_in"] == ["JP"]
    assert opened["arfi_dco_1_5"]["scenario"]["supplied_from"] == []
    assert any(
        c["jurisdiction"] == "JP" and c["scenario"]["status"] == "free"
        for c in report.product_changes
    )


def test_stored_record_shape_is_read() -> None:
    records = parse_determinations(
        [
            {
                "id": "rec_1",
                "kind": "determination",
                "as_of": "2024-04-12",
                "input": {"transaction": {"kind": "transaction"}},
                "result": {"verdicts": [{"jurisdiction": "US", "verdict": "not_subject"}]},
                "rulebook_version": "rb-x",
                "summary": "US: not_subject",
            }
        ]
    )
    assert records[0].id == "rec_1"
    assert records[0].inputs == {"kind": "transaction"}
    assert records[0].verdicts == ({"jurisdiction": "US", "verdict": "not_subject"},)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "non-empty list"),
        ({"records": []}, "a list of records, or"),
        ([{"inputs": {}}], "missing 'as_of'"),
        ([{"as_of": "2024-13-01", "inputs": {}}], "bad date"),
        ([{"as_of": "2024-01-01"}], "missing 'inputs'"),
        ([{"as_of": "2024-01-01", "inputs": {}, "verdict": "x"}], "unknown key"),
        ([{"as_of": "2024-01-01", "inputs": {}, "kind": "screening"}], "only determinations"),
        ([{"as_of": "2024-01-01", "inputs": {}, "verdicts": "free"}], "list of verdict"),
        (
            [
                {"id": "a", "as_of": "2024-01-01", "inputs": {}},
                {"id": "a", "as_of": "2024-01-01", "inputs": {}},
            ],
            "two records",
        ),
    ],
)
def test_bad_determinations(raw: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_determinations(raw, loc="past.yaml")


def test_a_record_that_no_longer_parses_is_reported_not_fatal() -> None:
    records = parse_determinations(
        [{"id": "old", "as_of": "2024-01-01", "inputs": {"kind": "transaction", "items": []}}]
    )
    report = what_if(
        load_scenario(EXAMPLES / "japan-lifts-arfi.yaml"),
        D(2025, 8, 1),
        determinations=records,
        screen=False,
    )
    assert report.determinations == []
    (error,) = report.determination_errors
    assert error["id"] == "old" and error["code"] == "invalid_input"


def test_determinations_stored_by_the_service_are_read(sqlite_svc: Services) -> None:
    (record,) = load_determinations(PAST)[:1]
    stored = sqlite_svc.run(
        "determination", {"transaction": dict(record.inputs)}, as_of=record.as_of, actor="test"
    )
    found = stored_determinations()
    assert [r.id for r in found] == [stored["id"]]
    assert found[0].as_of == record.as_of
    assert found[0].verdicts is not None
    report = what_if(
        load_scenario(EXAMPLES / "nl-extension-2024-01.yaml"),
        D(2024, 6, 1),
        determinations=found,
        screen=False,
    )
    assert [d["id"] for d in report.changed_determinations] == [stored["id"]]
