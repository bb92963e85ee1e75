"""Issue 16: a line's us_content_pct, bad lines that do not stop the run, two runs of the
same file at once, and no progress bar before an input error."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from chipcontrols.app_services import Services
from chipcontrols.batch import run_batch, runner
from chipcontrols.cli.main import app
from chipcontrols.storage.models import BatchRowRow, RecordRow
from tests.batch.test_batch import count, lines, read_back, write_csv
from tests.servicekit import make_services, pg_schema

__all__ = ["pg_schema"]


def test_an_inline_item_takes_the_lines_us_content_pct(
    sqlite_svc: Services, tmp_path: Path
) -> None:
    rows = lines(3)
    for row in rows:
        row["made_in"] = "TW"
        row["us_content_pct"] = "12.5"
    summary = run_batch(
        sqlite_svc, write_csv(tmp_path / "o.csv", rows), as_of="2024-06-01", actor="t"
    )
    assert summary["ok"] == 3, read_back(Path(summary["output"]))
    record = sqlite_svc.record(read_back(Path(summary["output"]))[0]["record_id"])
    line = record["input"]["transaction"]["items"][0]
    assert line["us_content_pct"] == 12.5 and "us_content_pct" not in line["item"]


BAD_CELLS: list[tuple[str, Any]] = [
    ("tpp", "not a number"),
    ("tpp", "1e999"),
    ("tpp", "9" * 5000),
    ("us_content_pct", "NaN"),
    ("us_content_pct", "inf"),
    ("as_of", "2023-02-30"),
    ("end_user", "Acme\x00 Ltd"),
    ("destination", "ZZZZ"),
    ("name", "x" * 40_000),
]


def test_bad_lines_are_reported_and_the_rest_go_on(
    sqlite_svc: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = lines(len(BAD_CELLS) + 4)
    for row in rows:
        row["us_content_pct"] = ""
        row["as_of"] = ""
    for i, (column, value) in enumerate(BAD_CELLS):
        rows[i + 2][column] = value
    # and a line whose check fails in a way no check foresaw
    real = runner.transaction_of

    def flaky(row: dict[str, Any], rulebook: Any) -> dict[str, Any]:
        if row.get("line_id") == "SO-0001":
            raise RuntimeError("unforeseen")
        return real(row, rulebook)

    monkeypatch.setattr(runner, "transaction_of", flaky)
    source = write_csv(tmp_path / "orders.csv", rows)
    summary = run_batch(sqlite_svc, source, as_of="2024-06-01", actor="t", chunk=3)
    result = read_back(Path(summary["output"]))
    bad = {i + 3 for i in range(len(BAD_CELLS))} | {2}
    assert {int(r["line"]) for r in result if r["status"] == "error"} == bad, result
    assert all(r["error_code"] for r in result if r["status"] == "error")
    assert summary["ok"] == len(rows) - len(bad)
    assert count(sqlite_svc, RecordRow) == len(rows) - len(bad)
    # a rerun carries on from nothing: every line already has its result
    again = run_batch(sqlite_svc, source, as_of="2024-06-01", actor="t", chunk=3)
    assert again["resumed_after"] == len(rows) and again["errors"] == len(bad)
    assert sqlite_svc.audit_verify()["ok"]


def test_two_runs_of_the_same_file_at_once_share_the_work(
    sqlite_svc: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run b reads what is done before run a commits (a stale read, as two processes see
    it), then commits after a: its chunk conflicts, leaves no trace, and it carries on."""
    source = write_csv(tmp_path / "orders.csv", lines(12))
    reads: list[str] = []
    real_done = runner._done_lines

    def done_lines(svc: Services, run_id: str) -> set[int]:
        reads.append(threading.current_thread().name)
        if reads.count("b") == 1 and threading.current_thread().name == "b":
            return set()  # b looked before a committed anything
        return real_done(svc, run_id)

    monkeypatch.setattr(runner, "_done_lines", done_lines)
    results: dict[str, Any] = {}

    def run(name: str) -> None:
        try:
            results[name] = run_batch(sqlite_svc, source, as_of="2024-06-01", actor=name, chunk=5)
        except Exception as exc:  # pragma: no cover - the failure this test guards against
            results[name] = exc

    for name in ("a", "b"):
        thread = threading.Thread(target=run, args=(name,), name=name)
        thread.start()
        thread.join(300)
    for name in ("a", "b"):
        assert isinstance(results[name], dict), results[name]
        assert results[name]["ok"] == 12
    assert reads.count("b") == 2  # b met a's lines, re-read, and found everything done
    with sqlite_svc.db.read() as s:
        row_nos = list(s.execute(select(BatchRowRow.row_no)).scalars())
    assert sorted(row_nos) == list(range(12))  # each line checked once
    assert count(sqlite_svc, RecordRow) == 12
    assert read_back(Path(results["a"]["output"])) == read_back(Path(results["b"]["output"]))
    assert sqlite_svc.audit_verify()["ok"]


def test_no_progress_bar_before_an_input_error(
    sqlite_svc: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHIPCONTROLS_DATABASE_URL", raising=False)
    bad = tmp_path / "orders.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["batch", str(bad)])
    assert result.exit_code == 2
    out = [line for line in result.output.splitlines() if line.strip()]
    assert len(out) == 1 and out[0].startswith("error[invalid_input]"), result.output
    ok = CliRunner().invoke(
        app, ["batch", str(write_csv(tmp_path / "ok.csv", lines(2))), "--as-of", "2024-06-01"]
    )
    assert ok.exit_code == 0, ok.output
    assert "order lines" in ok.output and "2 lines: 2 checked" in ok.output


# ---------------------------------------------------------------- on PostgreSQL


@pytest.fixture
def pg_svc(pg_schema: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    home = tmp_path / "home"
    monkeypatch.setenv("CHIPCONTROLS_HOME", str(home))
    services = make_services(home, pg_schema)
    services.start()
    try:
        yield services
    finally:
        services.close()


def _command(svc: Services, source: Path, url: str) -> tuple[list[str], dict[str, str]]:
    env = {
        **os.environ,
        "CHIPCONTROLS_HOME": str(svc.settings.home),
        "CHIPCONTROLS_DATABASE_URL": url,
    }
    command = [
        str(Path(sys.executable).parent / "chipcontrols"),
        "batch",
        str(source),
        "--as-of",
        "2024-06-01",
        "--chunk",
        "4",
        "--format",
        "json",
    ]
    return command, env


def test_killed_and_concurrent_runs_on_postgresql(
    pg_svc: Services, pg_schema: str, tmp_path: Path
) -> None:
    """kill -9 mid-run, then two processes resume the same file at once: every line once."""
    source = write_csv(tmp_path / "orders.csv", lines(40))
    command, env = _command(pg_svc, source, pg_schema)
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 180
    try:
        while count(pg_svc, BatchRowRow) < 8:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    killed_at = count(pg_svc, BatchRowRow)
    assert 8 <= killed_at < 40
    both = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=600) for p in both]
    for p, (out, err) in zip(both, outputs, strict=True):
        assert p.returncode == 0, err.decode()
        assert "Traceback" not in err.decode()
        summary = json.loads(out)
        assert summary["lines"] == 40 and summary["ok"] == 40
    with pg_svc.db.read() as s:
        row_nos = list(s.execute(select(BatchRowRow.row_no)).scalars())
    assert sorted(row_nos) == list(range(40))
    assert count(pg_svc, RecordRow) == 40
    assert pg_svc.audit_verify()["ok"]
