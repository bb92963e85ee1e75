"""The command line: documented JSON, and bad input as one line with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipcontrols.cli.main import app

runner = CliRunner()
H100 = """
kind: integrated_circuit
name: Test H100-like
datacenter: true
throughput:
  - {bits: 16, tops: 989.4}
  - {bits: 8, tops: 1978.9}
die_area_mm2: 814
io_bandwidth_gbps: 900
"""


def _write(tmp_path: Path, text: str, name: str = "item.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_classify_json_contract(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["classify", _write(tmp_path, H100), "--as-of", "2023-11-17", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"as_of", "rulebook_version", "item", "entries"} <= set(data)
    assert data["as_of"] == "2023-11-17"
    by_entry = {e["entry"]: e for e in data["entries"] if e["jurisdiction"] == "US"}
    assert by_entry["3A090.a"]["status"] == "met"
    assert by_entry["3A090.b"]["status"] == "not_met"
    for entry in data["entries"]:
        assert {"id", "jurisdiction", "entry", "status", "explanation", "citation"} <= set(entry)
        # Every jurisdiction whose law names integrated circuits (the US, and the EU's 3A001).
        assert entry["id"].split(".")[0] == entry["jurisdiction"].lower()
    assert {e["jurisdiction"] for e in data["entries"]} >= {"US", "EU"}
    assert any("tpp 15831.2 >= 4800: met" in line for line in by_entry["3A090.a"]["explanation"])


def test_classify_2022_uses_io_test(tmp_path: Path) -> None:
    low_io = H100.replace("io_bandwidth_gbps: 900", "io_bandwidth_gbps: 400")
    result = runner.invoke(
        app, ["classify", _write(tmp_path, low_io), "--as-of", "2023-01-01", "-f", "json"]
    )
    data = json.loads(result.stdout)
    (entry,) = [e for e in data["entries"] if e["entry"] == "3A090.a"]
    assert entry["status"] == "not_met"
    assert "87 FR 62186" in entry["citation"]


def test_missing_parameter_is_undetermined_and_named(tmp_path: Path) -> None:
    text = "kind: integrated_circuit\nthroughput: [{bits: 8, tops: 400}]\ndie_area_mm2: 500\n"
    result = runner.invoke(
        app, ["classify", _write(tmp_path, text), "--as-of", "2024-01-01", "-f", "json"]
    )
    data = json.loads(result.stdout)
    a = next(e for e in data["entries"] if e["entry"] == "3A090.a")
    # TPP 3200 with PD 6.4 meets a.2 unless Note 2 excludes it: datacenter decides
    assert a["status"] == "undetermined"
    assert a["missing"] == ["datacenter"]


BAD_INPUTS = {
    "unknown_param": ("kind: integrated_circuit\ntpp: 5000\nspeed: 3\n", "item.speed"),
    "wrong_unit": ("kind: integrated_circuit\ndie_area_mm2: 800 GB/s\n", "item.die_area_mm2"),
    "negative": ("kind: integrated_circuit\ndie_area_mm2: -5\n", "item.die_area_mm2"),
    "non_numeric": ("kind: integrated_circuit\ntpp: lots\n", "item.tpp"),
    "malformed_yaml": ("kind: [integrated_circuit\n", "item.yaml"),
    "unknown_kind": ("kind: gpu\n", "item.kind"),
    "sparse_row": (
        "kind: integrated_circuit\nthroughput: [{bits: 8, tops: 4000, sparse: true}]\n",
        "item.throughput[0].sparse",
    ),
    "bad_bits": ("kind: integrated_circuit\nthroughput: [{bits: 0, tops: 40}]\n", "bits"),
    "inconsistent_tpp": (
        "kind: integrated_circuit\ntpp: 100\nthroughput: [{bits: 8, tops: 400}]\n",
        "item.tpp",
    ),
    "not_a_mapping": ("- 1\n- 2\n", "item"),
    "malformed_json": ('{"kind": "integrated_circuit",', "item.yaml"),
    "param_of_other_kind": ("kind: computer\ntpp: 5000\n", "item.tpp"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_item_is_one_line_exit_2(tmp_path: Path, case: str) -> None:
    text, loc = BAD_INPUTS[case]
    result = runner.invoke(app, ["classify", _write(tmp_path, text), "--as-of", "2024-01-01"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error[")
    assert loc in lines[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("2023/11/17", "write YYYY-MM-DD"),
        ("1990-01-01", "before the earliest law"),
        ("2023-02-30", "write YYYY-MM-DD"),
    ],
)
def test_bad_dates(tmp_path: Path, as_of: str, message: str) -> None:
    result = runner.invoke(app, ["classify", _write(tmp_path, H100), "--as-of", as_of])
    assert result.exit_code == 2
    assert "--as-of" in result.stderr or "as_of" in result.stderr
    assert message in result.stderr


def test_missing_file() -> None:
    result = runner.invoke(app, ["classify", "/nonexistent/item.yaml"])
    assert result.exit_code == 2
    assert "not found" in result.stderr


def test_rules_show_and_diff() -> None:
    shown = runner.invoke(app, ["rules", "show", "3A090.a", "--as-of", "2023-01-01", "-f", "json"])
    assert shown.exit_code == 0, shown.output
    record = json.loads(shown.stdout)["entries"][0]
    assert record["in_force"]["effective"] == "2022-10-07"
    assert len(record["versions"]) >= 2
    diff = runner.invoke(
        app, ["rules", "diff", "--from", "2023-11-16", "--to", "2023-11-17", "-f", "json"]
    )
    assert diff.exit_code == 0, diff.output
    changes = {c["entry"]: c for c in json.loads(diff.stdout)["changes"]}
    assert changes["3A090.a"]["change"] == "changed"
    assert "87 FR 62186" in changes["3A090.a"]["old"]["citation"]
    assert "88 FR 73458" in changes["3A090.a"]["new"]["citation"]
    assert changes["3A090.b"]["change"] == "added"
    none = runner.invoke(
        app, ["rules", "diff", "--from", "2023-01-01", "--to", "2023-02-01", "-f", "json"]
    )
    assert [
        c
        for c in json.loads(none.stdout)["changes"]
        if c["jurisdiction"] == "US" and c["entry"].startswith("3A090")
    ] == []


def test_rules_show_unknown_id() -> None:
    result = runner.invoke(app, ["rules", "show", "9Z999"])
    assert result.exit_code == 2
    assert "no rule entry" in result.stderr


def test_console_script_runs_without_traceback(tmp_path: Path) -> None:
    """The installed entry point, in a real process."""
    exe = Path(sys.executable).parent / "chipcontrols"
    bad = _write(tmp_path, "kind: integrated_circuit\ndie_area_mm2: -1\n")
    proc = subprocess.run([str(exe), "classify", bad], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error[invalid_input]")
    assert "Traceback" not in proc.stderr


def test_rules_diff_reports_country_group_changes() -> None:
    result = runner.invoke(
        app, ["rules", "diff", "--from", "2025-11-01", "--to", "2025-12-01", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    changes = {c["id"]: c for c in json.loads(result.stdout)["list_changes"]}
    # Cambodia left D:5 with the State Department's action of Nov. 7, 2025 (the Note to D:5).
    assert changes["us.ear.country_groups.d5"]["removed"] == ["KH"]


def test_rules_show_a_dated_list() -> None:
    before = runner.invoke(
        app, ["rules", "show", "us.ear.country_groups.d5", "--as-of", "2025-06-01", "-f", "json"]
    )
    after = runner.invoke(
        app, ["rules", "show", "us.ear.country_groups.d5", "--as-of", "2026-06-01", "-f", "json"]
    )
    assert "KH" in json.loads(before.stdout)["lists"][0]["members"]
    assert "KH" not in json.loads(after.stdout)["lists"][0]["members"]
