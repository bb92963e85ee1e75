"""Batch files: CSV, XLSX and Parquet in and out, formula injection, interruption and resume."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from chipcontrols.app_services import Services
from chipcontrols.batch import run_batch
from chipcontrols.errors import InputError
from chipcontrols.storage.models import AuditRow, BatchRowRow, RecordRow
from tests.servicekit import LISTED

COLUMNS = [
    "line_id",
    "kind",
    "name",
    "tpp",
    "die_area_mm2",
    "datacenter",
    "export_from",
    "destination",
    "made_in",
    "end_user",
    "end_user_country",
]


def lines(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        out.append(
            {
                "line_id": f"SO-{i:04d}",
                "kind": "integrated_circuit",
                "name": f"Accelerator {i}",
                "tpp": 1000 + 500 * (i % 12),
                "die_area_mm2": 800,
                "datacenter": "true",
                "export_from": "US",
                "destination": "CN" if i % 2 else "NL",
                "made_in": "US",
                "end_user": LISTED if i % 5 == 0 else f"Customer {i} GmbH",
                "end_user_country": "CN" if i % 2 else "NL",
            }
        )
    return out


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[dict[str, Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text as typed, as a user's sheet holds it
    book.save(path)
    return path


def write_parquet(path: Path, rows: list[dict[str, Any]]) -> Path:
    pl.DataFrame(rows).write_parquet(path)
    return path


def read_back(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    if path.suffix == ".xlsx":
        sheet = load_workbook(path).worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        return [dict(zip(values[0], row, strict=True)) for row in values[1:]]
    return pl.read_parquet(path).to_dicts()


def count(svc: Services, table: Any) -> int:
    with svc.db.read() as s:
        return s.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.mark.parametrize(
    "writer", [write_csv, write_xlsx, write_parquet], ids=["csv", "xlsx", "parquet"]
)
def test_each_format_in_and_out(sqlite_svc: Services, tmp_path: Path, writer: Any) -> None:
    suffix = {write_csv: ".csv", write_xlsx: ".xlsx", write_parquet: ".parquet"}[writer]
    source = writer(tmp_path / f"orders{suffix}", lines(12))
    progress: list[tuple[int, int]] = []
    summary = run_batch(
        sqlite_svc,
        source,
        as_of="2024-06-01",
        actor="test",
        chunk=5,
        on_progress=lambda d, t: progress.append((d, t)),
    )
    output = Path(summary["output"])
    assert output == tmp_path / f"orders.results{suffix}"
    assert (summary["lines"], summary["ok"], summary["errors"]) == (12, 12, 0)
    assert progress[0] == (0, 12) and progress[-1] == (12, 12)
    result = read_back(output)
    assert [r["line_id"] for r in result] == [f"SO-{i:04d}" for i in range(12)]
    assert all(str(r["record_id"]).startswith("rec-") for r in result)
    assert summary["lines_with_listed_party_hits"] >= 1
    assert json.loads(Path(summary["summary_file"]).read_text()) == summary
    assert count(sqlite_svc, RecordRow) == 12
    first = sqlite_svc.record(result[0]["record_id"])
    assert first["kind"] == sqlite_svc.check_kind()
    assert sqlite_svc.replay(first["id"])["matches"]


def test_spreadsheet_outputs_are_safe_from_formulas(sqlite_svc: Services, tmp_path: Path) -> None:
    rows = lines(3)
    rows[0]["name"] = '=HYPERLINK("http://evil.example","x")'
    rows[1]["end_user"] = "+cmd|' /C calc'!A0"
    rows[2]["line_id"] = "@SUM(1+1)"
    rows[2]["destination"] = "-2+3"  # a bad country too: the line errors, its echo is escaped
    for writer, suffix in ((write_csv, ".csv"), (write_xlsx, ".xlsx")):
        source = writer(tmp_path / f"evil{suffix}", rows)
        summary = run_batch(sqlite_svc, source, as_of="2024-06-01", actor="test")
        assert summary["errors"] == 1
        out = Path(summary["output"])
        if suffix == ".csv":
            text = out.read_text(encoding="utf-8")
            cells = [c for r in csv.reader(text.splitlines()) for c in r]
        else:
            sheet = load_workbook(out).worksheets[0]
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f"
            cells = [str(c) for r in sheet.iter_rows(values_only=True) for c in r if c is not None]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")], cells
        assert '\'=HYPERLINK("http://evil.example","x")' in cells
        assert "'@SUM(1+1)" in cells


def test_bad_files_are_refused_before_anything_is_stored(
    sqlite_svc: Services, tmp_path: Path
) -> None:
    before = count(sqlite_svc, AuditRow)
    cases = {
        "missing.csv": None,
        "empty.csv": "",
        "header_only.csv": "product,export_from,destination\n",
        "no_columns.csv": "foo,bar\n1,2\n",
        "broken.xlsx": "not a zip",
        "broken.parquet": "PAR1 nonsense",
        "orders.txt": "a,b\n",
        "dupes.csv": "destination,destination,export_from,kind\nCN,CN,US,integrated_circuit\n",
    }
    for name, content in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_text(content, encoding="utf-8")
        with pytest.raises(InputError):
            run_batch(sqlite_svc, path, actor="test")
    bad_bytes = tmp_path / "latin.csv"
    bad_bytes.write_bytes(
        "kind,export_from,destination\nintegrated_circuit,US,C\xc9\n".encode("latin-1")
    )
    with pytest.raises(InputError):
        run_batch(sqlite_svc, bad_bytes, actor="test")
    with pytest.raises(InputError):
        run_batch(
            sqlite_svc,
            write_csv(tmp_path / "ok.csv", lines(2)),
            output=tmp_path / "out.json",
            actor="test",
        )
    assert count(sqlite_svc, AuditRow) == before


class Crash(Exception):
    pass


def test_an_interrupted_run_resumes_without_losing_or_repeating_a_line(
    sqlite_svc: Services, tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "orders.csv", lines(23))

    def crash_at(n: int) -> Any:
        def hook(index: int) -> None:
            if index == n:
                raise Crash

        return hook

    with pytest.raises(Crash):
        run_batch(
            sqlite_svc, source, as_of="2024-06-01", actor="test", chunk=5, on_line=crash_at(12)
        )
    assert count(sqlite_svc, BatchRowRow) == 10  # two chunks committed; the third left no trace
    assert count(sqlite_svc, RecordRow) == 10
    with pytest.raises(Crash):
        run_batch(
            sqlite_svc, source, as_of="2024-06-01", actor="test", chunk=5, on_line=crash_at(17)
        )
    assert count(sqlite_svc, RecordRow) == 15
    summary = run_batch(sqlite_svc, source, as_of="2024-06-01", actor="test", chunk=5)
    assert summary["resumed_after"] == 15 and summary["lines"] == 23 and summary["ok"] == 23
    assert count(sqlite_svc, RecordRow) == 23
    result = read_back(Path(summary["output"]))
    assert [r["line"] for r in result] == [str(i) for i in range(1, 24)]
    assert len({r["record_id"] for r in result}) == 23
    assert sqlite_svc.audit_verify()["ok"]
    again = run_batch(sqlite_svc, source, as_of="2024-06-01", actor="test", chunk=5)
    assert again["resumed_after"] == 23 and count(sqlite_svc, RecordRow) == 23


def test_the_command_survives_being_killed(sqlite_svc: Services, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "orders.csv", lines(60))
    env = {**os.environ, "CHIPCONTROLS_HOME": str(sqlite_svc.settings.home)}
    env.pop("CHIPCONTROLS_DATABASE_URL", None)
    command = [
        str(Path(sys.executable).parent / "chipcontrols"),
        "batch",
        str(source),
        "--as-of",
        "2024-06-01",
        "--chunk",
        "4",
    ]
    proc = subprocess.Popen(
        [*command], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 120
    try:
        while count(sqlite_svc, BatchRowRow) < 8:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    killed_at = count(sqlite_svc, BatchRowRow)
    assert 8 <= killed_at < 60
    done = subprocess.run(
        [*command, "--format", "json"], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["lines"] == 60 and summary["ok"] == 60 and summary["resumed_after"] >= killed_at
    assert count(sqlite_svc, RecordRow) == 60
    assert "order lines" in done.stderr  # the progress bar
    assert len({r["record_id"] for r in read_back(Path(summary["output"]))}) == 60
    assert sqlite_svc.audit_verify()["ok"]
