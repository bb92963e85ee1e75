"""Vectorised evaluation: a condition tree becomes one Polars expression over a table.

Polars booleans follow Kleene logic (null & false = false, null | true = true), so null plays
"undetermined" and the answers equal the scalar path's (a property test checks this).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from chipcontrols.rulebook.conditions import (
    AllOf,
    AnyOf,
    Compare,
    ContainsEntry,
    Node,
    Not,
    NotFormalised,
    Ref,
)

_NULL = pl.lit(None, dtype=pl.Boolean)

# Given an entry id, its condition in force on the date (None: not in force).
ConditionLookup = Callable[[str], Node | None]


def contains_column(entry_id: str) -> str:
    """Name of the precomputed column: does the row's item incorporate an `entry_id` component."""
    return f"contains::{entry_id}"


def to_expr(node: Node, columns: set[str], lookup: ConditionLookup) -> pl.Expr:
    if isinstance(node, AllOf | AnyOf):
        exprs = [to_expr(c, columns, lookup) for c in node.items]
        out = exprs[0]
        for expr in exprs[1:]:
            out = (out & expr) if isinstance(node, AllOf) else (out | expr)
        return out
    if isinstance(node, Not):
        return ~to_expr(node.item, columns, lookup)
    if isinstance(node, Compare):
        if node.param not in columns:
            return _NULL
        col = pl.col(node.param)
        if node.op == "in":
            return pl.when(col.is_null()).then(_NULL).otherwise(col.is_in(list(node.value)))
        if node.op == "contains":
            return pl.when(col.is_null()).then(_NULL).otherwise(col.list.contains(node.value))
        value = pl.lit(node.value)
        return {
            ">=": col >= value,
            ">": col > value,
            "<=": col <= value,
            "<": col < value,
            "==": col == value,
            "!=": col != value,
        }[node.op]
    if isinstance(node, Ref):
        target = lookup(node.entry_id)
        return pl.lit(False) if target is None else to_expr(target, columns, lookup)
    if isinstance(node, ContainsEntry):
        name = contains_column(node.entry_id)
        return pl.col(name).cast(pl.Boolean) if name in columns else _NULL
    if isinstance(node, NotFormalised):
        return _NULL
    raise TypeError(node)


def status_expr(condition: pl.Expr) -> pl.Expr:
    """Map the Kleene boolean to the three statuses."""
    return (
        pl.when(condition.is_null())
        .then(pl.lit("undetermined"))
        .when(condition)
        .then(pl.lit("met"))
        .otherwise(pl.lit("not_met"))
    )
