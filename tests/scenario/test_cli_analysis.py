"""`coalition`, `timeline` and `scenario` on the command line: JSON contracts, charts, and bad
input as one line with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipcontrols.cli.main import app
from tests.scenario.test_overlay import BAD, EXAMPLES

runner = CliRunner()


def test_coalition_json(tmp_path: Path) -> None:
    chart = tmp_path / "m.png"
    result = runner.invoke(
        app,
        ["coalition", "-d", "CN", "--as-of", "2023-08-31", "-f", "json", "--chart", str(chart)],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == "2023-08-31" and data["destination"] == "CN"
    assert data["chart"] == str(chart) and chart.stat().st_size > 10_000
    gaps = {g["capability"]: g for g in data["gaps"]}
    assert gaps["arfi_dco_1_5"]["blocked_in"] == ["JP"]
    assert gaps["arfi_dco_1_5"]["supplied_from"] == ["NL"]


def test_coalition_text_names_the_gap() -> None:
    result = runner.invoke(
        app,
        ["coalition", "-d", "CN", "--as-of", "2024-09-06", "-c", "arfi_dco_2_4", "--detail"],
    )
    assert result.exit_code == 0, result.output
    assert "GAP" in result.stdout
    assert "ASML TWINSCAN NXT:1980Di" in result.stdout


def test_coalition_under_a_scenario() -> None:
    result = runner.invoke(
        app,
        [
            "coalition",
            "-d",
            "CN",
            "--as-of",
            "2024-06-01",
            "-c",
            "arfi_dco_2_4",
            "-f",
            "json",
            "--scenario",
            str(EXAMPLES / "nl-extension-2024-01.yaml"),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["scenario"] == "Dutch extension on 1 January 2024"
    assert data["capabilities"][0]["cells"]["NL"]["status"] == "licence_required"


def test_timeline_json_and_chart(tmp_path: Path) -> None:
    chart = tmp_path / "t.svg"
    result = runner.invoke(
        app,
        [
            "timeline",
            "-d",
            "CN",
            "-s",
            "US,NL,JP",
            "--from",
            "2023-01-01",
            "--to",
            "2024-12-31",
            "-c",
            "arfi_dco_2_4",
            "-c",
            "arfi_dco_1_5",
            "--step",
            "quarter",
            "-f",
            "json",
            "--chart",
            str(chart),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"from", "to", "gaps", "events", "samples", "periods", "law_changes"} <= set(data)
    assert [s["date"] for s in data["samples"]][:2] == ["2023-01-01", "2023-04-01"]
    assert {"capability": "arfi_dco_2_4", "date": "2024-09-07", "event": "closed"} in data["events"]
    assert chart.exists()


def test_timeline_text() -> None:
    result = runner.invoke(
        app,
        [
            "timeline",
            "-d",
            "CN",
            "-s",
            "US,NL,JP",
            "--from",
            "2023-06-01",
            "--to",
            "2024-12-31",
            "-c",
            "arfi_dco_2_4",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "gap from 2023-07-23 to 2024-09-07" in result.stdout


def test_scenario_json_with_determinations() -> None:
    result = runner.invoke(
        app,
        [
            "scenario",
            str(EXAMPLES / "nl-extension-2024-01.yaml"),
            "--as-of",
            "2024-06-01",
            "-s",
            "US,NL,JP",
            "--determinations",
            str(EXAMPLES / "past-determinations.yaml"),
            "--no-screen",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["scenario"]["name"] == "Dutch extension on 1 January 2024"
    assert data["scenario_rulebook_version"].startswith("sc-")
    assert [g["capability"] for g in data["gaps"]["closed"]] == ["arfi_dco_2_4"]
    assert [d["id"] for d in data["determinations"]["changed"]] == ["det-2024-0412"]
    assert {c["jurisdiction"] for c in data["product_changes"]} == {"NL"}


def test_scenario_text() -> None:
    result = runner.invoke(
        app,
        [
            "scenario",
            str(EXAMPLES / "nl-extension-2024-01.yaml"),
            "--as-of",
            "2024-06-01",
            "-s",
            "US,NL,JP",
            "--determinations",
            str(EXAMPLES / "past-determinations.yaml"),
            "--no-screen",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Gaps closed (1)" in result.stdout
    assert "det-2024-0412" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scenario", str(BAD / "unknown_entry.yaml")], "error[invalid_scenario]"),
        (["scenario", str(BAD / "dates_out_of_order.yaml")], "strictly increasing"),
        (["scenario", "no-such-file.yaml"], "file not found"),
        (["coalition", "-d", "ZZ", "--as-of", "2024-01-01"], "ISO 3166"),
        (["coalition", "-d", "CN", "--as-of", "2024-02-30"], "bad date"),
        (["coalition", "-d", "CN", "--suppliers", "US,FR"], "unknown supplier"),
        (["coalition", "-d", "CN", "--chart", "m.gif"], "PNG or SVG"),
        (["coalition", "-d", "CN", "-c", "quantum"], "unknown capability"),
        (["coalition", "-d", "CN", "--assume", "nope.yaml"], "file not found"),
        (["timeline", "-d", "CN", "--from", "2024-01-01", "--to", "2023-01-01"], "before --from"),
        (["timeline", "-d", "CN", "--step", "week"], "unknown step"),
        (
            [
                "scenario",
                str(EXAMPLES / "japan-lifts-arfi.yaml"),
                "--determinations",
                str(BAD / "no_changes.yaml"),
            ],
            "a list of records",
        ),
    ],
)
def test_bad_input_one_line_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
