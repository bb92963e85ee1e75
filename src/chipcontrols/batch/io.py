"""Order-line files in (CSV, XLSX, Parquet) and results out, safe for spreadsheets."""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from chipcontrols.errors import InputError

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
MAX_CELL = 32_000


def file_format(path: Path, *, loc: str) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"unknown file type {path.suffix or '(none)'!r}; use .csv, .xlsx or .parquet", loc=loc
        )
    return fmt


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10] if isinstance(value, dt.date) else value.isoformat()
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def read_rows(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """(columns, rows) with lower-case column names; empty cells are None."""
    loc = str(path)
    if not path.is_file():
        raise InputError("file not found; check the path", loc=loc)
    fmt = file_format(path, loc=loc)
    if fmt == "csv":
        columns, rows = _read_csv(path)
    elif fmt == "xlsx":
        columns, rows = _read_xlsx(path)
    else:
        columns, rows = _read_parquet(path)
    names = [str(c or "").strip().lower() for c in columns]
    if not any(names):
        raise InputError("the file has no header row", loc=loc)
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        raise InputError(f"column {dupes[0]!r} appears twice", loc=loc)
    out = []
    for raw in rows:
        row = {names[i]: _cell(v) for i, v in enumerate(raw) if i < len(names) and names[i]}
        if any(v is not None for v in row.values()):
            out.append(row)
    if not out:
        raise InputError("the file has no order lines", loc=loc)
    return [n for n in names if n], out


def _read_csv(path: Path) -> tuple[list[str], list[list[Any]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text; save the CSV as UTF-8", loc=str(path)) from None
    reader = csv.reader(text.splitlines(), strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", loc=f"{path}:{reader.line_num}") from None
    if not rows:
        raise InputError("the file is empty", loc=str(path))
    return rows[0], [list(r) for r in rows[1:]]


def _read_xlsx(path: Path) -> tuple[list[str], list[list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(f"cannot read as XLSX: {type(exc).__name__}", loc=str(path)) from None
    try:
        sheet = book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    if not rows:
        raise InputError("the workbook's first sheet is empty", loc=str(path))
    return [str(c) if c is not None else "" for c in rows[0]], rows[1:]


def _read_parquet(path: Path) -> tuple[list[str], list[list[Any]]]:
    import polars as pl

    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises its own kinds for a damaged file
        raise InputError(f"cannot read as Parquet: {type(exc).__name__}", loc=str(path)) from None
    return list(frame.columns), [list(r) for r in frame.iter_rows()]


def safe_cell(value: Any) -> Any:
    """A value a spreadsheet will show, never evaluate: text that a spreadsheet would take
    for a formula gets a leading apostrophe."""
    if isinstance(value, str):
        if len(value) > MAX_CELL:
            value = value[:MAX_CELL] + "…"
        if value.startswith(FORMULA_START):
            return "'" + value
    return value


@contextmanager
def _atomic(path: Path, mode: str = "w") -> Iterator[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_rows(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    """Write atomically: the file appears whole or not at all."""
    fmt = file_format(path, loc="--output")
    with _atomic(path) as tmp:
        if fmt == "csv":
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                _write_csv(fh, columns, rows)
        elif fmt == "xlsx":
            _write_xlsx(tmp, columns, rows)
        else:
            import polars as pl

            frame = pl.DataFrame(
                {c: [_text(r.get(c)) for r in rows] for c in columns},
                schema={c: pl.String for c in columns},
            )
            frame.write_parquet(tmp)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _write_csv(fh: TextIO, columns: list[str], rows: list[dict[str, Any]]) -> None:
    writer = csv.writer(fh)
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])


def _write_xlsx(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("results")

    def cells(values: list[Any]) -> list[Any]:
        out = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=safe_cell(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula
            out.append(cell)
        return out

    sheet.append(cells(list(columns)))
    for row in rows:
        sheet.append(cells([row.get(c) for c in columns]))
    book.save(path)
