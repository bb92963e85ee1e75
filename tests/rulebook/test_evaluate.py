"""Scalar evaluation: three-valued logic and explanations that name each fact."""

from __future__ import annotations

import datetime as dt

from chipcontrols.classification import classify
from chipcontrols.rulebook.evaluate import Status, all_of, any_of, negate


def test_kleene_tables() -> None:
    m, n, u = Status.MET, Status.NOT_MET, Status.UNDETERMINED
    assert all_of([m, u]) is u and all_of([n, u]) is n and all_of([m, m]) is m
    assert any_of([n, u]) is u and any_of([m, u]) is m and any_of([n, n]) is n
    assert negate(u) is u and negate(m) is n


def test_leaf_explanation_names_value_and_threshold(test_rulebook) -> None:  # type: ignore[no-untyped-def]
    result = classify(
        {"kind": "widget", "speed": "120 GB/s"}, dt.date(2020, 6, 1), rulebook=test_rulebook
    )
    (entry,) = result.entries
    assert entry.status is Status.MET
    assert entry.explanation.lines() == ["speed 120 >= 100: met"]


def test_missing_fact_is_undetermined_and_named(test_rulebook) -> None:  # type: ignore[no-untyped-def]
    result = classify({"kind": "widget", "speed": 60}, dt.date(2022, 1, 1), rulebook=test_rulebook)
    assert result.status_of("us.test.widget.a") is Status.UNDETERMINED
    a = next(e for e in result.entries if e.id == "us.test.widget.a")
    assert a.missing == ["shiny"]
    # W.b refers to W.a, and needs the colour too
    b = next(e for e in result.entries if e.id == "us.test.widget.b")
    assert b.status is Status.UNDETERMINED
    assert set(b.missing) == {"shiny", "colour"}


def test_not_met_beats_missing(test_rulebook) -> None:  # type: ignore[no-untyped-def]
    result = classify({"kind": "widget", "speed": 10}, dt.date(2022, 1, 1), rulebook=test_rulebook)
    assert result.status_of("us.test.widget.a") is Status.NOT_MET
    assert result.status_of("us.test.widget.b") is Status.NOT_MET


def test_removed_entry_is_not_listed(test_rulebook) -> None:  # type: ignore[no-untyped-def]
    result = classify({"kind": "widget", "speed": 500}, dt.date(2024, 1, 1), rulebook=test_rulebook)
    assert result.status_of("us.test.widget.a") is None
    # W.b still refers to W.a, which is no longer in force: not met
    assert result.status_of("us.test.widget.b") is Status.NOT_MET
