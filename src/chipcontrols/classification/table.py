"""Vectorised classification of many items (catalog, CSV/Parquet tables) for one date.

Each entry's condition becomes one Polars expression; rows of each item kind are evaluated
together. Answers equal the scalar path's (property-tested).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl

from chipcontrols.errors import InputError
from chipcontrols.model.items import Item
from chipcontrols.model.metrics import FRAME_DERIVATIONS
from chipcontrols.rulebook.conditions import AnyOf, ContainsEntry, Node
from chipcontrols.rulebook.rulebook import Rulebook, RulebookView, load_rulebook
from chipcontrols.rulebook.vectorised import contains_column, status_expr, to_expr

_DTYPES = {
    "number": pl.Float64,
    "boolean": pl.Boolean,
    "string": pl.Utf8,
    "set": pl.List(pl.Utf8),
}


def _schema(rulebook: Rulebook) -> dict[str, Any]:
    return {name: _DTYPES[p.type] for name, p in rulebook.parameters.items() if p.type in _DTYPES}


def items_to_frame(items: Sequence[Item], rulebook: Rulebook, view: RulebookView) -> pl.DataFrame:
    """One row an item: kind, name and every parameter column (derived values included)."""
    schema = _schema(rulebook)
    rows: list[dict[str, Any]] = []
    for item in items:
        row: dict[str, Any] = {"kind": item.kind, "name": item.name}
        for key, value in item.values.items():
            if key in schema:
                row[key] = sorted(value) if isinstance(value, frozenset) else value
        rows.append(row)
    used = {k for row in rows for k in row}
    frame = pl.DataFrame(
        rows,
        schema={"kind": pl.Utf8, "name": pl.Utf8, **{k: v for k, v in schema.items() if k in used}},
    )
    targets = _contains_targets(view)
    if targets and any(item.components for item in items):
        frame = frame.with_columns(_contains_columns(items, targets, rulebook, view))
    return frame


def _contains_targets(view: RulebookView) -> set[str]:
    targets: set[str] = set()
    for in_force in view.in_force.values():
        if in_force.version.condition is None:
            continue
        for node in in_force.version.condition.walk():
            if isinstance(node, ContainsEntry):
                targets.add(node.entry_id)
    return targets


def _contains_columns(
    items: Sequence[Item], targets: set[str], rulebook: Rulebook, view: RulebookView
) -> list[pl.Series]:
    """Kleene 'any component meets the entry' per item, components classified vectorised."""
    parents: list[int] = []
    components: list[Item] = []
    for i, item in enumerate(items):
        for component in item.components:
            parents.append(i)
            components.append(component)
    statuses = classify_frame(items_to_frame(components, rulebook, view), rulebook, view.as_of)
    out: list[pl.Series] = []
    for target in sorted(targets):
        per_item: list[bool | None] = [None] * len(items)  # no components: undetermined
        seen: dict[int, list[str | None]] = {}
        column = statuses[target] if target in statuses.columns else None
        for row, parent in enumerate(parents):
            seen.setdefault(parent, []).append(None if column is None else column[row])
        for parent, values in seen.items():
            if "met" in values:
                per_item[parent] = True
            elif "undetermined" in values:
                per_item[parent] = None
            else:
                per_item[parent] = False  # not met, or entry not applicable to the component
        out.append(pl.Series(contains_column(target), per_item, dtype=pl.Boolean))
    return out


def _derive(frame: pl.DataFrame) -> pl.DataFrame:
    for name, (inputs, expr) in FRAME_DERIVATIONS.items():
        if not all(col in frame.columns for col in inputs):
            continue
        derived = expr()
        if name in frame.columns:
            derived = pl.coalesce(pl.col(name), derived)
        frame = frame.with_columns(derived.cast(pl.Float64).alias(name))
    return frame


def classify_frame(
    frame: pl.DataFrame, rulebook: Rulebook | None = None, as_of: dt.date | None = None
) -> pl.DataFrame:
    """Add one status column per entry id (met / not_met / undetermined; null if n/a)."""
    rulebook = rulebook or load_rulebook()
    view = rulebook.at(as_of or dt.date.today())
    if "kind" not in frame.columns:
        raise InputError("the table needs a 'kind' column", loc="kind")
    frame = _derive(frame.with_row_index("__row__"))
    columns = set(frame.columns)

    parts: list[pl.DataFrame] = []
    for kind in frame["kind"].unique().to_list():
        if kind not in rulebook.kinds:
            raise InputError(f"unknown kind {kind!r} in the table", loc="kind")
        part = frame.filter(pl.col("kind") == kind)

        def lookup(entry_id: str, kind: str = kind) -> Node | None:
            if entry_id.endswith(".*"):
                found = [n for e in view.expand(entry_id) if (n := lookup(e)) is not None]
                return AnyOf(tuple(found)) if found else None
            in_force = view.get(entry_id)
            if in_force is None or kind not in in_force.entry.applies_to:
                return None
            return in_force.version.condition

        exprs = [
            status_expr(to_expr(f.version.condition, columns, lookup)).alias(f.entry.id)
            for f in view.for_kind(kind)
            if f.version.condition is not None
        ]
        parts.append(part.with_columns(exprs) if exprs else part)
    if not parts:
        return frame.drop("__row__")
    return pl.concat(parts, how="diagonal_relaxed").sort("__row__").drop("__row__")


def entry_columns(frame: pl.DataFrame, rulebook: Rulebook) -> list[str]:
    return [c for c in frame.columns if c in rulebook.entries]
