"""The investment regimes written as rule files (law/fdi/*.yaml, kind `deal`)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from chipcontrols.errors import LawError
from chipcontrols.investment import assess, parse_deal
from chipcontrols.investment.engine import STEPS, RegimeRules
from chipcontrols.investment.facts import FIELDS, deal_facts
from chipcontrols.investment.service import RULE_REGIMES
from chipcontrols.rulebook.rulebook import load_rulebook

INVESTMENT = Path(__file__).resolve().parents[2] / "src" / "chipcontrols" / "investment"

DEAL: dict[str, Any] = {
    "kind": "deal",
    "structure": "share_deal",
    "date": "2021-03-01",
    "acquirer": {"name": "Buyer", "country": "CN"},
    "target": {"name": "Target", "country": "NL", "activities": ["chip_design"]},
    "stake": {"shares_after_pct": 60},
}


def test_every_deal_fact_is_declared_and_every_declared_fact_computed() -> None:
    rulebook = load_rulebook()
    declared = {n for n, p in rulebook.parameters.items() if "deal" in p.kinds}
    facts = deal_facts(parse_deal(DEAL), dt.date(2024, 1, 1), rulebook)
    assert set(facts.values) == declared
    assert set(FIELDS) == declared


def test_every_rule_regime_loads_with_a_step_per_version() -> None:
    rulebook = load_rulebook()
    for regime, family in RULE_REGIMES.items():
        rules = RegimeRules(regime, family, rulebook)
        for entry in rules.entries:
            for version in entry.versions:
                assert version.status == "removed" or version.effect.step in STEPS  # type: ignore[union-attr]
                assert version.source.citation and version.text


def test_unknown_family_is_an_error() -> None:
    with pytest.raises(LawError):
        RegimeRules("XX", "xx.none", load_rulebook())


def test_undetermined_always_asks_and_cites() -> None:
    for as_of in (dt.date(2019, 1, 1), dt.date(2021, 6, 1), dt.date(2024, 6, 1)):
        result = assess(DEAL, as_of, regimes=set(RULE_REGIMES))
        for verdict in result.verdicts:
            assert verdict.citations, verdict.regime
            if verdict.verdict.value == "undetermined":
                assert verdict.questions, verdict.regime


def test_cn_interest_multiplies_along_chains() -> None:
    deal = dict(DEAL)
    deal["acquirer"] = {
        "name": "Buyer",
        "country": "KY",
        "owned_by": [{"id": "fund", "voting_pct": 60}],
    }
    deal["owners"] = [
        {
            "id": "fund",
            "name": "Fund",
            "country": "HK",
            "owned_by": [{"id": "cn", "voting_pct": 50}],
        },
        {"id": "cn", "name": "Mainland parent", "country": "CN"},
    ]
    facts = deal_facts(parse_deal(deal), dt.date(2024, 1, 1), load_rulebook())
    assert facts.values["cn_interest_pct"] == pytest.approx(30.0)


_LAW_IN_PYTHON = re.compile(
    r"\b(?:19|20)\d\d-\d\d-\d\d\b|\bCFR\b|\bFR \d|\bart\. \d|\barts\. \d|\d+(?:\.\d+)?%"
)


@pytest.mark.parametrize("name", ["engine.py", "facts.py"])
def test_rule_procedure_holds_no_law(name: str) -> None:
    """The generic procedure and the facts hold no date, citation or threshold."""
    text = (INVESTMENT / name).read_text()
    assert not _LAW_IN_PYTHON.findall(text)
