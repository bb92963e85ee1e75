"""`chipcontrols determine`: the documented JSON record, and bad transactions refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from chipcontrols.cli.main import app

runner = CliRunner()
BASE = {
    "kind": "transaction",
    "export_from": "US",
    "destination": "CN",
    "items": [{"item": {"product": "NVIDIA A800 SXM4 80GB"}, "made_in": "TW"}],
    "parties": [
        {
            "role": "end_user",
            "name": "Example Cloud Co., Ltd.",
            "country": "CN",
            "headquarters": "CN",
        }
    ],
    "end_uses": ["datacenter"],
}


def _write(tmp_path: Path, doc: object) -> str:
    path = tmp_path / "txn.yaml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def test_json_contract(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["determine", _write(tmp_path, BASE), "--as-of", "2023-12-01", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"as_of", "rulebook_version", "list_snapshots", "verdicts"} <= set(data)
    assert data["list_snapshots"], "parties are screened against a list snapshot"
    (us,) = [v for v in data["verdicts"] if v["jurisdiction"] == "US"]
    assert {
        "jurisdiction",
        "verdict",
        "review_policy",
        "licence_exceptions",
        "reasons",
        "questions",
    } <= set(us)
    assert us["verdict"] == "licence_required"
    assert us["reasons"] and all({"rule_id", "citation", "text"} <= set(r) for r in us["reasons"])
    assert any("88 FR 73458" in r["citation"] for r in us["reasons"])
    assert us["trace"], "every verdict carries its trace"


def test_text_report_has_reasons_and_trace(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["determine", _write(tmp_path, BASE), "--as-of", "2023-12-01", "--trace"]
    )
    assert result.exit_code == 0, result.output
    assert "US: licence_required" in result.stdout
    assert "742.6(a)(6)" in result.stdout
    assert "subject to the EAR" in result.stdout


def _with(**changes: object) -> dict[str, object]:
    doc = json.loads(json.dumps(BASE))
    for key, value in changes.items():
        doc[key] = value
    return doc


BAD = {
    "unknown_role": (
        _with(parties=[{"role": "buyer", "name": "X", "country": "CN"}]),
        "parties[0].role",
    ),
    "country_not_iso": (_with(destination="China"), "transaction.destination"),
    "country_lowercase_word": (_with(destination="zz"), "transaction.destination"),
    "end_user_two_countries": (
        _with(
            parties=[
                {"role": "end_user", "name": "A", "country": "CN"},
                {"role": "end_user", "name": "B", "country": "VN"},
            ]
        ),
        "transaction.parties",
    ),
    "content_over_100": (
        _with(
            items=[
                {
                    "item": {"product": "NVIDIA A800 SXM4 80GB"},
                    "made_in": "TW",
                    "us_content_pct": 140,
                }
            ]
        ),
        "items[0].us_content_pct",
    ),
    "unknown_product": (
        _with(items=[{"item": {"product": "NVIDIA A8000"}, "made_in": "TW"}]),
        "product",
    ),
    "unknown_end_use": (_with(end_uses=["weather"]), "transaction.end_uses"),
    "unknown_field": (_with(shipping="air"), "transaction"),
    "no_items": (_with(items=[]), "transaction.items"),
    "end_user_elsewhere": (
        _with(parties=[{"role": "end_user", "name": "A", "country": "VN"}]),
        "transaction.parties",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_transaction(tmp_path: Path, case: str) -> None:
    doc, loc = BAD[case]
    result = runner.invoke(app, ["determine", _write(tmp_path, doc), "--as-of", "2024-01-01"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error["), result.stderr
    assert loc in lines[0]


def test_unknown_product_suggests_names(tmp_path: Path) -> None:
    doc, _ = BAD["unknown_product"]
    result = runner.invoke(app, ["determine", _write(tmp_path, doc)])
    assert "closest" in result.stderr and "A800" in result.stderr
