"""Properties of the rulebook: as-of resolution, independence from later law, and agreement
of the scalar and vectorised evaluators."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from chipcontrols.classification import classify
from chipcontrols.classification.table import classify_frame, items_to_frame
from chipcontrols.model.items import parse_item
from chipcontrols.rulebook.conditions import AllOf, AnyOf, Compare, Node, Not, NotFormalised
from chipcontrols.rulebook.evaluate import Facts, evaluate
from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook
from chipcontrols.rulebook.schema import Entry, Source, Version
from chipcontrols.rulebook.vectorised import status_expr, to_expr

DAY0 = dt.date(2019, 1, 1)
dates = st.integers(0, 3000).map(lambda n: DAY0 + dt.timedelta(days=n))
statuses = st.sampled_from(["in_force", "in_force", "announced", "removed"])
TRUE: Node = Compare("speed", ">=", 0)


def _version(day: dt.date, status: str, tag: int) -> Version:
    return Version(
        effective=day,
        source=Source(f"Reg. {tag}", None),
        text=f"v{tag}",
        status=status,
        condition=None if status == "removed" else TRUE,
    )


@given(
    st.lists(st.tuples(dates, statuses), min_size=1, max_size=8, unique_by=lambda t: t[0]), dates
)
def test_version_in_force_is_latest_on_or_before(
    raw: list[tuple[dt.date, str]], day: dt.date
) -> None:
    raw.sort()
    versions = tuple(_version(d, s, i) for i, (d, s) in enumerate(raw))
    entry = Entry("x.y.z", "Z", "t", "x.y", "US", "i", ("widget",), versions, "f")
    eligible = [v for v in versions if v.effective <= day and v.status != "announced"]
    expected = eligible[-1] if eligible and eligible[-1].status != "removed" else None
    assert entry.version_at(day) is expected


# ------------------------------------------------------------------ chips

opt = lambda s: st.none() | s  # noqa: E731
chip = st.fixed_dictionaries(
    {"kind": st.just("integrated_circuit")},
    optional={
        "tpp": st.floats(0, 40000, allow_nan=False),
        "die_area_mm2": st.floats(1, 2000, allow_nan=False),
        "io_bandwidth_gbps": st.floats(0, 2000, allow_nan=False),
        "datacenter": st.booleans(),
    },
)
chip_dates = st.integers(0, 1600).map(lambda n: dt.date(2022, 10, 7) + dt.timedelta(days=n))


def _statuses(rulebook: Rulebook, raw: dict[str, Any], day: dt.date) -> dict[str, str]:
    return {e.id: e.status.value for e in classify(raw, day, rulebook=rulebook).entries}


@settings(max_examples=150, deadline=None)
@given(chip, chip_dates, st.integers(1, 2000))
def test_a_later_version_never_changes_an_earlier_answer(
    raw: dict[str, Any], day: dt.date, later_days: int
) -> None:
    rulebook = load_rulebook()
    before = _statuses(rulebook, raw, day)
    later = day + dt.timedelta(days=later_days)
    entries = dict(rulebook.entries)
    for entry_id, entry in entries.items():
        last = entry.versions[-1]
        if later <= last.effective:
            continue
        flipped = Version(
            effective=later,
            source=Source("Hypothetical later rule", None),
            text="later",
            condition=Not(last.condition) if last.condition else NotFormalised("hypothetical"),
        )
        entries[entry_id] = dataclasses.replace(entry, versions=(*entry.versions, flipped))
    changed = Rulebook(rulebook.kinds, rulebook.parameters, entries, "rb-test")
    assert _statuses(changed, raw, day) == before


@settings(max_examples=200, deadline=None)
@given(st.lists(chip, min_size=1, max_size=12), chip_dates)
def test_scalar_and_vectorised_agree_on_chips(raws: list[dict[str, Any]], day: dt.date) -> None:
    rulebook = load_rulebook()
    view = rulebook.at(day)
    items = [parse_item(r, rulebook) for r in raws]
    frame = classify_frame(items_to_frame(items, rulebook, view), rulebook, day)
    for row, item in zip(frame.iter_rows(named=True), items, strict=True):
        scalar = {e.id: e.status.value for e in classify(item, day, rulebook=rulebook).entries}
        vector = {k: row[k] for k in scalar}
        assert vector == scalar


# ------------------------------------------------------------------ random condition trees

leaf = st.one_of(
    st.builds(
        Compare,
        st.just("speed"),
        st.sampled_from([">=", ">", "<=", "<", "==", "!="]),
        st.integers(0, 10),
    ),
    st.builds(Compare, st.just("shiny"), st.sampled_from(["==", "!="]), st.booleans()),
    st.builds(
        Compare,
        st.just("colour"),
        st.just("in"),
        st.lists(st.sampled_from(["red", "blue"]), min_size=1, max_size=2).map(tuple),
    ),
    st.just(NotFormalised("test")),
)
trees = st.recursive(
    leaf,
    lambda kids: st.one_of(
        st.lists(kids, min_size=1, max_size=4).map(lambda xs: AllOf(tuple(xs))),
        st.lists(kids, min_size=1, max_size=4).map(lambda xs: AnyOf(tuple(xs))),
        kids.map(Not),
    ),
    max_leaves=12,
)
facts = st.fixed_dictionaries(
    {},
    optional={
        "speed": st.integers(0, 10).map(float),
        "shiny": st.booleans(),
        "colour": st.sampled_from(["red", "blue"]),
    },
)


@settings(max_examples=300, deadline=None)
@given(trees, st.lists(facts, min_size=1, max_size=10))
def test_scalar_and_vectorised_agree_on_any_tree(tree: Node, rows: list[dict[str, Any]]) -> None:
    frame = pl.DataFrame(rows, schema={"speed": pl.Float64, "shiny": pl.Boolean, "colour": pl.Utf8})
    expr = status_expr(to_expr(tree, set(frame.columns), lambda _: None))
    vector = frame.with_columns(expr.alias("s"))["s"].to_list()
    scalar = [evaluate(tree, Facts(r), lambda *_: None).status.value for r in rows]
    assert vector == scalar


@settings(max_examples=300, deadline=None)
@given(trees, facts)
def test_fast_status_equals_explained_status(tree: Node, row: dict[str, Any]) -> None:
    from chipcontrols.rulebook.evaluate import status_of

    explained = evaluate(tree, Facts(row), lambda *_: None).status
    assert status_of(tree, Facts(row), lambda *_: None) is explained


def _deep(depth: int) -> Node:
    """All/any nested past the generated function's block limit (the closure form takes over)."""
    node: Node = Compare("speed", ">=", 5)
    for i in range(depth):
        other = Compare("shiny", "==", i % 2 == 0)
        node = AllOf((node, other)) if i % 2 else AnyOf((Not(node), other))
    return node


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 40), facts)
def test_fast_status_equals_explained_status_on_deep_trees(depth: int, row: dict[str, Any]) -> None:
    from chipcontrols.rulebook.evaluate import status_of

    tree = _deep(depth)
    explained = evaluate(tree, Facts(row), lambda *_: None).status
    assert status_of(tree, Facts(row), lambda *_: None) is explained


@settings(max_examples=300, deadline=None)
@given(trees, facts)
def test_a_condition_that_may_not_be_met_is_never_met(tree: Node, row: dict[str, Any]) -> None:
    """`may_be_met` prunes only what Kleene logic cannot meet with the facts given."""
    from chipcontrols.rulebook.evaluate import Status, may_be_met

    if not may_be_met(tree, set(row)):
        assert evaluate(tree, Facts(row), lambda *_: None).status is not Status.MET
