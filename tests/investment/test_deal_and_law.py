"""Deal files: bad input names the field; the investment rule files: the strict loader."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from chipcontrols.cli.main import app
from chipcontrols.errors import InputError, LawError
from chipcontrols.investment import assess, parse_deal
from chipcontrols.investment.engine import RegimeRules
from chipcontrols.rulebook.rulebook import LAW_DIR, content_hash, load_rulebook_from
from chipcontrols.rulebook.schema import parse_rule_file

FDI_DIR = LAW_DIR / "fdi"

BASE: dict[str, Any] = {
    "kind": "deal",
    "structure": "share_deal",
    "acquirer": {"id": "buyer", "name": "Buyer", "country": "CN"},
    "target": {"name": "Fab GmbH", "country": "DE", "activities": ["front_end_fabrication"]},
    "stake": {"shares_before_pct": 0, "shares_after_pct": 30},
}


def _with(path: str, value: Any) -> dict[str, Any]:
    deal = copy.deepcopy(BASE)
    node = deal
    keys = path.split(".")
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value
    return deal


@pytest.mark.parametrize(
    ("path", "value", "loc", "message"),
    [
        ("stake.shares_after_pct", 101, "stake.shares_after_pct", "outside 0-100"),
        ("stake.shares_before_pct", -1, "stake.shares_before_pct", "outside 0-100"),
        ("stake.shares_before_pct", 40, "stake.shares_after_pct", "disposal"),
        ("stake.votes_after_pct", "half", "stake.votes_after_pct", "percentage"),
        ("target.activities", ["fab"], "target.activities[0]", "unknown activity 'fab'"),
        ("target.activities", [], "target.activities", "at least one activity"),
        ("target.products", ["gpu"], "target.products[0]", "unknown product"),
        ("target.country", "Germany", "target.country", "ISO 3166"),
        ("structure", "merger", "structure", "share_deal"),
        ("target.export_classifications", ["3B1"], "target.export_classifications[0]", "ECCN"),
        ("acquirer.colour", "red", "acquirer.colour", "unknown field"),
        ("date", "09/11/2022", "date", "YYYY-MM-DD"),
    ],
)
def test_bad_deal_names_the_field(path: str, value: Any, loc: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_deal(_with(path, value))
    assert err.value.loc == loc
    assert message in err.value.message


def test_ownership_cycle_is_an_error() -> None:
    deal = _with("acquirer.owned_by", [{"id": "a", "voting_pct": 60}])
    deal["owners"] = [
        {"id": "a", "name": "A", "country": "CN", "owned_by": [{"id": "b", "voting_pct": 60}]},
        {"id": "b", "name": "B", "country": "CN", "owned_by": [{"id": "a", "voting_pct": 60}]},
    ]
    with pytest.raises(InputError) as err:
        parse_deal(deal)
    assert err.value.loc == "owners"
    assert "ownership cycle" in err.value.message


def test_unknown_owner_and_overfull_holdings() -> None:
    with pytest.raises(InputError) as err:
        parse_deal(_with("acquirer.owned_by", [{"id": "ghost", "voting_pct": 50}]))
    assert err.value.loc == "acquirer.owned_by[0].id"
    deal = _with(
        "acquirer.owned_by", [{"id": "a", "voting_pct": 60}, {"id": "b", "voting_pct": 60}]
    )
    deal["owners"] = [
        {"id": "a", "name": "A", "country": "CN"},
        {"id": "b", "name": "B", "country": "US"},
    ]
    with pytest.raises(InputError) as err:
        parse_deal(deal)
    assert "100" in err.value.message


def test_indirect_interest_counts_parents_as_whole() -> None:
    deal = _with("acquirer.owned_by", [{"id": "mid", "voting_pct": 60}])
    deal["owners"] = [
        {
            "id": "mid",
            "name": "Mid",
            "country": "KY",
            "owned_by": [{"id": "top", "voting_pct": 30}],
        },
        {"id": "top", "name": "Top", "country": "CN", "government": True},
    ]
    checked = parse_deal(deal)
    assert checked.indirect_interest("mid") == 100.0
    assert checked.indirect_interest("top") == 30.0
    assert checked.indirect_interest("top", parent_as_whole=False) == pytest.approx(18.0)
    assert checked.ultimate_owner.id == "mid"


def test_every_regime_answers_with_citations() -> None:
    result = assess(BASE, None)
    assert [v.regime for v in result.verdicts] == [
        "UK-NSI",
        "DE-AWV",
        "NL-VIFO",
        "IT-GOLDEN-POWER",
        "EU-FDI",
        "US-CFIUS",
        "US-OUTBOUND",
        "NL-VIFO-RETRO",
        "NL-WBG",
        "CN-SAMR",
        "JP-FEFTA",
        "KR-ITPA",
        "TW-MAINLAND",
    ]
    for verdict in result.verdicts:
        assert verdict.citations, verdict.regime
        if verdict.verdict.value == "undetermined":
            assert verdict.questions, verdict.regime


def test_fdi_law_is_in_the_rulebook_hash(tmp_path: Path) -> None:
    import shutil

    copy_dir = tmp_path / "law"
    shutil.copytree(LAW_DIR, copy_dir)
    before = content_hash(copy_dir)
    target = copy_dir / "fdi" / "uk_nsi.yaml"
    target.write_text(target.read_text() + "\n# edited\n")
    assert content_hash(copy_dir) != before
    assert load_rulebook_from(copy_dir).version == content_hash(copy_dir)


def _regime_doc() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((FDI_DIR / "de_awv.yaml").read_text())
    return doc


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(colour="red"), "unknown key"),
        (lambda d: d["entries"][0]["versions"][0].pop("source"), "source"),
        (lambda d: d["entries"][0]["versions"][0].pop("text"), "text"),
        (lambda d: d["entries"][0]["versions"][0].update(effective="2020-13-01"), "bad date"),
        (lambda d: d["entries"][0]["versions"].reverse(), "sorted"),
        (lambda d: d["entries"][0]["versions"][0].pop("condition"), "condition"),
        (lambda d: d["entries"][0]["versions"][0].update(confidence="sure"), "is not one of"),
        (lambda d: d["entries"][0].update(id="xx.awv.cross_sector"), "must start with"),
    ],
)
def test_strict_law_loader(mutate: Any, message: str) -> None:
    doc = _regime_doc()
    mutate(doc)
    with pytest.raises(LawError) as err:
        parse_rule_file(doc, loc="fdi/de_awv.yaml")
    assert message in err.value.message


def test_a_provision_without_a_step_is_an_error(tmp_path: Path) -> None:
    import shutil

    copy_dir = tmp_path / "law"
    shutil.copytree(LAW_DIR, copy_dir)
    path = copy_dir / "fdi" / "de_awv.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["entries"][0]["versions"][0].pop("effect")
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    with pytest.raises(LawError, match=r"effect\.step"):
        RegimeRules("DE-AWV", "de.awv", load_rulebook_from(copy_dir))


runner = CliRunner()


def test_cli_json_contract(tmp_path: Path) -> None:
    deal = tmp_path / "deal.yaml"
    deal.write_text(yaml.safe_dump(BASE))
    result = runner.invoke(app, ["assess", str(deal), "--as-of", "2022-11-09", "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"as_of", "rulebook_version", "verdicts"} <= set(data)
    assert data["rulebook_version"].startswith("rb-")
    by = {v["regime"]: v for v in data["verdicts"]}
    de = by["DE-AWV"]
    assert de["verdict"] == "mandatory_notification"
    assert {
        "jurisdiction",
        "regime",
        "verdict",
        "thresholds_crossed",
        "reasons",
        "questions",
        "standstill",
        "review_periods",
    } <= set(de)
    assert any("§ 56" in t["citation"] for t in de["thresholds_crossed"])


def test_cli_bad_input_is_one_line(tmp_path: Path) -> None:
    deal = tmp_path / "deal.yaml"
    deal.write_text(yaml.safe_dump(_with("stake.shares_after_pct", 140)))
    result = runner.invoke(app, ["assess", str(deal), "--as-of", "2022-11-09"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error[invalid_input] stake.shares_after_pct: percentage 140 is outside 0-100"
    ]
    bad_regime = runner.invoke(app, ["assess", str(deal), "--regime", "FR-X"])
    assert bad_regime.exit_code == 2
