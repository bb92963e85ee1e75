"""Order-line files in (CSV, XLSX, Parquet) and results out, safe for spreadsheets."""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, overload

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


class Rows(Sequence[dict[str, Any]]):
    """The order lines of a file, held compactly: a tuple of cells per line, and a cell that
    repeats in a column (a product, a country, a customer) held once. A line reads as a
    dict of its columns, as it is needed: millions of lines fit in memory."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = tuple(columns)
        self._lines: list[tuple[Any, ...]] = []
        self._seen: list[dict[Any, Any] | None] = [{} for _ in columns]

    def add(self, cells: list[Any]) -> None:
        kept = []
        for i, value in enumerate(cells):
            seen = self._seen[i]
            if seen is not None and value is not None:
                value = seen.setdefault(value, value)
                if len(seen) > _DISTINCT_KEPT:  # a column of ids: no use in sharing
                    self._seen[i] = None
            kept.append(value)
        self._lines.append(tuple(kept))

    def __len__(self) -> int:
        return len(self._lines)

    def keys(self, columns: list[str]) -> Iterator[tuple[Any, ...]]:
        """Each line's values in `columns`, with their types (so 1, 1.0 and "1" differ):
        equal keys, equal values in those columns. A cell a short line lacks is None."""
        where = [self.columns.index(c) for c in columns]
        for cells in self._lines:
            n = len(cells)
            values = tuple(cells[i] if i < n else None for i in where)
            yield values + tuple(map(type, values))

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [dict(zip(self.columns, cells, strict=False)) for cells in self._lines[index]]
        return dict(zip(self.columns, self._lines[index], strict=False))


# Distinct values a column shares before it is taken for a column of ids.
_DISTINCT_KEPT = 100_000


def read_rows(path: Path) -> tuple[list[str], Rows]:
    """(columns, rows) with lower-case column names; empty cells are None. A line shorter
    than the header has no value (not even None) for the columns it lacks."""
    loc = str(path)
    if not path.is_file():
        raise InputError("file not found; check the path", loc=loc)
    fmt = file_format(path, loc=loc)
    if fmt == "csv":
        lines = _read_csv(path)
    elif fmt == "xlsx":
        lines = _read_xlsx(path)
    else:
        lines = _read_parquet(path)
    header = next(lines, None)
    if header is None:
        raise InputError("the file is empty", loc=loc)
    names = [str(c or "").strip().lower() for c in header]
    if not any(names):
        raise InputError("the file has no header row", loc=loc)
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        raise InputError(f"column {dupes[0]!r} appears twice", loc=loc)
    keep = [i for i, n in enumerate(names) if n]
    rows = Rows([names[i] for i in keep])
    for raw in lines:
        cells = [_cell(raw[i]) for i in keep if i < len(raw)]
        if any(v is not None for v in cells):
            rows.add(cells)
    if not rows:
        raise InputError("the file has no order lines", loc=loc)
    return list(rows.columns), rows


def _read_csv(path: Path) -> Iterator[Sequence[Any]]:
    """The header, then each line, read as the file is read (not all at once)."""
    loc = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, strict=True)
            try:
                yield from reader
            except csv.Error as exc:
                raise InputError(f"malformed CSV: {exc}", loc=f"{path}:{reader.line_num}") from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text; save the CSV as UTF-8", loc=loc) from None


def _read_xlsx(path: Path) -> Iterator[Sequence[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(f"cannot read as XLSX: {type(exc).__name__}", loc=str(path)) from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise InputError("the workbook's first sheet is empty", loc=str(path))
        yield [str(c) if c is not None else "" for c in header]
        yield from rows
    finally:
        book.close()


def _read_parquet(path: Path) -> Iterator[Sequence[Any]]:
    import polars as pl

    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises its own kinds for a damaged file
        raise InputError(f"cannot read as Parquet: {type(exc).__name__}", loc=str(path)) from None
    yield list(frame.columns)
    yield from frame.iter_rows()


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


def write_rows(path: Path, columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
    """Write atomically (the file appears whole or not at all), as the rows come: a file of
    millions of lines is never held in memory at once."""
    fmt = file_format(path, loc="--output")
    with _atomic(path) as tmp:
        if fmt == "csv":
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                _write_csv(fh, columns, rows)
        elif fmt == "xlsx":
            _write_xlsx(tmp, columns, rows)
        else:
            _write_parquet(tmp, columns, rows)


def _write_parquet(path: Path, columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
    """Every column as text, in row groups of `_GROUP` lines."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(c, pa.string()) for c in columns])
    with pq.ParquetWriter(path, schema) as writer:
        group: list[dict[str, Any]] = []
        written = False
        for row in rows:
            group.append(row)
            if len(group) >= _GROUP:
                writer.write_table(_table(pa, schema, columns, group))
                group, written = [], True
        if group or not written:  # an empty file still has its columns
            writer.write_table(_table(pa, schema, columns, group))


_GROUP = 100_000


def _table(pa: Any, schema: Any, columns: list[str], group: list[dict[str, Any]]) -> Any:
    return pa.table({c: [_text(r.get(c)) for r in group] for c in columns}, schema=schema)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _write_csv(fh: TextIO, columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
    writer = csv.writer(fh)
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])


def _write_xlsx(path: Path, columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
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
