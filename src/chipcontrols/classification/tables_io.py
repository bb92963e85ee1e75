"""Tables in and out: read CSV/Parquet item rows strictly, and summarise classified tables
as product x jurisdiction rows (CSV, Parquet, JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from chipcontrols.classification.table import entry_columns
from chipcontrols.errors import InputError
from chipcontrols.model.items import DESCRIPTIVE_KEYS
from chipcontrols.rulebook.rulebook import Rulebook

_TYPES = {"number": pl.Float64, "boolean": pl.Boolean, "string": pl.Utf8}


def read_table(path: str) -> pl.DataFrame:
    file = Path(path)
    if not file.is_file():
        raise InputError(f"table {path!r} not found; check the path", loc="--table")
    try:
        if file.suffix.lower() == ".parquet":
            return pl.read_parquet(file)
        if file.suffix.lower() in (".csv", ".tsv"):
            sep = "\t" if file.suffix.lower() == ".tsv" else ","
            return pl.read_csv(file, separator=sep, infer_schema_length=0)  # all text: we cast
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"cannot read the table: {first}", loc=path) from None
    raise InputError("a table is a .csv, .tsv or .parquet file", loc=path)


def check_table(frame: pl.DataFrame, rulebook: Rulebook) -> pl.DataFrame:
    """Cast every parameter column to its type and check kinds, values and bounds, vectorised.

    Numbers are read in the parameter's canonical unit (the column header names it).
    """
    if "kind" not in frame.columns:
        raise InputError("the table needs a 'kind' column", loc="kind")
    allowed = {"kind", *DESCRIPTIVE_KEYS}
    exprs: list[pl.Expr] = []
    for col in frame.columns:
        if col in allowed:
            continue
        param = rulebook.parameters.get(col)
        if param is None or param.type not in _TYPES:
            hint = " (give 'tpp' in tables)" if col == "throughput" else ""
            raise InputError(f"unknown or unsupported column {col!r}{hint}", loc=col)
        exprs.append(_cast(frame, col, param.type))
    frame = frame.with_columns(exprs) if exprs else frame
    frame = frame.with_columns(pl.col("kind").cast(pl.Utf8))
    if frame["kind"].null_count():
        row = frame.with_row_index()["index"].filter(frame["kind"].is_null())[0]
        raise InputError(f"row {row + 1}: 'kind' is empty", loc="kind")
    unknown = set(frame["kind"].unique().to_list()) - set(rulebook.kinds)
    if unknown:
        raise InputError(f"unknown kind(s) {sorted(unknown)}", loc="kind")
    if "name" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias("name"))
    for col in frame.columns:
        param = rulebook.parameters.get(col)
        if param is None or col in allowed:
            continue
        _check_column(frame, col, param.kinds, param.min, param.max, param.values)
    return frame


def _cast(frame: pl.DataFrame, col: str, ptype: str) -> pl.Expr:
    source = pl.col(col)
    if ptype == "boolean" and frame[col].dtype == pl.Utf8:
        lowered = source.str.strip_chars().str.to_lowercase()
        expr = (
            pl.when(lowered.is_in(["true", "1", "yes"]))
            .then(True)
            .when(lowered.is_in(["false", "0", "no"]))
            .then(False)
            .when(lowered.is_null() | (lowered == ""))
            .then(None)
            .otherwise(None)
        )
        bad = frame.select(
            (lowered.is_not_null() & (lowered != "") & expr.is_null()).arg_true().first()
        ).item()
        if bad is not None:
            raise InputError(f"row {bad + 1}: {frame[col][bad]!r} is not true or false", loc=col)
        return expr.alias(col)
    target = _TYPES[ptype]
    if frame[col].dtype == pl.Utf8 and ptype == "number":
        cleaned = pl.when(source.str.strip_chars() == "").then(None).otherwise(source)
        cast = cleaned.cast(target, strict=False)
        bad = frame.select((cleaned.is_not_null() & cast.is_null()).arg_true().first()).item()
        if bad is not None:
            raise InputError(f"row {bad + 1}: {frame[col][bad]!r} is not a number", loc=col)
        return cast.alias(col)
    try:
        frame.select(source.cast(target, strict=True))
    except pl.exceptions.PolarsError:
        raise InputError(f"column {col!r} cannot be read as {ptype}", loc=col) from None
    return source.cast(target).alias(col)


def _check_column(
    frame: pl.DataFrame,
    col: str,
    kinds: tuple[str, ...],
    low: float | None,
    high: float | None,
    values: tuple[str, ...] | None,
) -> None:
    def first(mask: pl.Expr) -> int | None:
        found: Any = frame.select(mask.arg_true().first()).item()
        return None if found is None else int(found)

    present = pl.col(col).is_not_null()
    wrong_kind = first(present & ~pl.col("kind").is_in(list(kinds)))
    if wrong_kind is not None:
        raise InputError(
            f"row {wrong_kind + 1}: {col!r} does not belong to kind "
            f"{frame['kind'][wrong_kind]!r} (it belongs to {', '.join(kinds)})",
            loc=col,
        )
    if frame[col].dtype == pl.Float64:
        finite = first(present & ~pl.col(col).is_finite())
        if finite is not None:
            raise InputError(f"row {finite + 1}: not a finite number", loc=col)
        if low is not None and (row := first(pl.col(col) < low)) is not None:
            raise InputError(f"row {row + 1}: {frame[col][row]:g} is below {low:g}", loc=col)
        if high is not None and (row := first(pl.col(col) > high)) is not None:
            raise InputError(f"row {row + 1}: {frame[col][row]:g} is above {high:g}", loc=col)
    if values is not None and (row := first(present & ~pl.col(col).is_in(list(values)))):
        raise InputError(f"row {row + 1}: {frame[col][row]!r} is not allowed", loc=col)


def summarise(frame: pl.DataFrame, rulebook: Rulebook) -> pl.DataFrame:
    """One row per (item, jurisdiction): the entries met, undetermined and not met."""
    ids = entry_columns(frame, rulebook)
    jurisdictions = sorted({rulebook.entries[i].jurisdiction for i in ids})
    base = frame.with_row_index("row").select(["row", "name", "kind", *ids])
    parts = []
    for jur in jurisdictions:
        mine = [i for i in ids if rulebook.entries[i].jurisdiction == jur]

        def listed(status: str, mine: list[str] = mine) -> pl.Expr:
            return pl.concat_list(
                [
                    pl.when(pl.col(i) == status)
                    .then(pl.lit(rulebook.entries[i].entry))
                    .otherwise(None)
                    for i in mine
                ]
            ).list.drop_nulls()

        applicable = pl.sum_horizontal([pl.col(i).is_not_null() for i in mine])
        parts.append(
            base.select(
                "row",
                "name",
                "kind",
                pl.lit(jur).alias("jurisdiction"),
                listed("met").alias("met"),
                listed("undetermined").alias("undetermined"),
                listed("not_met").alias("not_met"),
                applicable.alias("entries_evaluated"),
            ).filter(pl.col("entries_evaluated") > 0)
        )
    if not parts:
        return pl.DataFrame(schema={"name": pl.Utf8, "kind": pl.Utf8, "jurisdiction": pl.Utf8})
    return pl.concat(parts).sort(["row", "jurisdiction"]).drop("row")


def write_summary(summary: pl.DataFrame, path: str) -> None:
    """CSV: ';'-joined lists, cells guarded against formula injection. Parquet keeps lists."""
    target = Path(path)
    if target.suffix.lower() == ".parquet":
        summary.write_parquet(target)
        return
    if target.suffix.lower() != ".csv":
        raise InputError("output is a .csv or .parquet file (or use --format json)", loc="--output")
    flat = summary.with_columns(
        [pl.col(c).list.join("; ") for c in ("met", "undetermined", "not_met")]
    ).with_columns(
        pl.col("name").str.replace(r"^([=+\-@\t\r])", "'$1")  # formula injection guard
    )
    flat.write_csv(target)
