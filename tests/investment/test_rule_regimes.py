"""The investment regimes, all rule files (law/fdi/*.yaml, kind `deal`), and the procedure."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from chipcontrols.errors import LawError
from chipcontrols.investment import assess, parse_deal
from chipcontrols.investment.engine import STEPS, RegimeRules
from chipcontrols.investment.facts import FIELDS, deal_facts, link_strength
from chipcontrols.investment.service import REGIMES
from chipcontrols.rulebook.rulebook import load_rulebook

RULE_REGIMES = REGIMES

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
    party = {n for n, p in rulebook.parameters.items() if "deal_party" in p.kinds}
    facts = deal_facts(parse_deal(DEAL), dt.date(2024, 1, 1), rulebook)
    assert set(facts.values) == declared
    assert facts.components and all(set(c.values) == party for c in facts.components)
    assert set(FIELDS) == declared | party


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
    r"|Regulation \(EU\)|\bsection \d|§"
)


@pytest.mark.parametrize("path", sorted(INVESTMENT.rglob("*.py")), ids=lambda p: p.name)
def test_investment_code_holds_no_law(path: Path) -> None:
    """No date, citation or threshold in the investment package: the law is in law/fdi/."""
    assert not _LAW_IN_PYTHON.findall(path.read_text())


def test_every_regime_is_a_rule_file_and_its_start_is_the_first_scope_version() -> None:
    """Before the first version of its first (scope) provision a regime is not in force."""
    rulebook = load_rulebook()
    for regime, family in REGIMES.items():
        first = RegimeRules(regime, family, rulebook).entries[0]
        start = first.versions[0].effective
        assert first.versions[0].effect is not None and first.versions[0].effect.step == "scope"
        before = assess(DEAL, start - dt.timedelta(days=1), regimes={regime}).verdicts[0]
        assert not before.in_force and before.verdict.value == "notification_not_required"
        assert first.versions[0].source.citation in before.citations
        on = assess(DEAL, start, regimes={regime}).verdicts[0]
        assert on.in_force


def _deal(**patch: Any) -> dict[str, Any]:
    deal: dict[str, Any] = {
        "kind": "deal",
        "structure": "share_deal",
        "acquirer": {"name": "Buyer", "country": "CN"},
        "target": {"name": "Fab Ltd", "country": "JP", "activities": ["front_end_fabrication"]},
        "stake": {"shares_after_pct": 10},
        "rights": {"material_influence": False, "resolution_control": False},
    }
    deal.update(patch)
    return deal


def test_a_scope_question_is_not_asked_when_no_trigger_is_met() -> None:
    """UK: a foreign target whose UK activities are unknown, acquired without control: the
    answer is 'not required' whatever the activities (s. 7 and s. 8 must both be met)."""
    verdict = assess(_deal(), dt.date(2024, 1, 1), regimes={"UK-NSI"}).verdicts[0]
    assert verdict.verdict.value == "notification_not_required"
    assert not verdict.questions


def test_an_open_scope_question_keeps_a_filing_verdict_undetermined() -> None:
    """The same target, now acquired with control: whether it is a qualifying entity
    (s. 7(3)) decides, so the answer asks for target.uk_activities."""
    deal = _deal(stake={"shares_after_pct": 60})
    verdict = assess(deal, dt.date(2024, 1, 1), regimes={"UK-NSI"}).verdicts[0]
    assert verdict.verdict.value == "undetermined"
    assert [q.field for q in verdict.questions] == ["target.uk_activities"]
    assert verdict.standstill is None


def test_a_decided_verdict_asks_nothing() -> None:
    """NL: control of a sensitive-technology target is notifiable (art. 2(a), 11(1)); the
    open significant-influence category (target.nl_highly_sensitive) is not asked."""
    deal = _deal(
        target={
            "name": "Tools B.V.",
            "country": "NL",
            "activities": ["equipment"],
            "dual_use_controlled": True,
        },
        stake={"shares_after_pct": 60},
    )
    verdict = assess(deal, dt.date(2024, 1, 1), regimes={"NL-VIFO"}).verdicts[0]
    assert verdict.verdict.value == "mandatory_notification"
    assert not verdict.questions
    assert verdict.standstill is not None and verdict.review_periods


def test_parties_are_components_with_their_interest_and_link() -> None:
    deal = parse_deal(
        {
            **DEAL,
            "acquirer": {
                "name": "Buyer",
                "country": "KY",
                "owned_by": [{"id": "a", "voting_pct": 60}, {"id": "b", "voting_pct": 30}],
            },
            "owners": [
                {
                    "id": "a",
                    "name": "A",
                    "country": "HK",
                    "owned_by": [{"id": "c", "voting_pct": 20}],
                },
                {
                    "id": "b",
                    "name": "B",
                    "country": "CN",
                    "owned_by": [{"id": "c", "voting_pct": 80}],
                },
                {"id": "c", "name": "C", "country": "CN", "government": True},
            ],
        }
    )
    # C: via A min(60, 20) = 20, via B min(30, 80) = 30: the stronger chain counts.
    assert link_strength(deal) == {"acquirer": 100.0, "a": 60.0, "b": 30.0, "c": 30.0}
    facts = deal_facts(deal, dt.date(2024, 1, 1), load_rulebook())
    c = facts.components[3].values
    # Interest: A counts whole (60 > half) x 20 = 20; B 30 x C's 80 counts whole = 30.
    assert c["party_interest_pct"] == pytest.approx(50.0)
    assert c["party_link_pct"] == 30.0 and c["party_government"] is True
    assert c["party_in_eu"] is False and c["party_export_authorization"] is None


def test_control_reasons_come_from_the_dated_ccl_lists() -> None:
    rulebook = load_rulebook()
    on = dt.date(2024, 1, 1)
    listed = sorted(rulebook.lists["us.ccl_reasons.ns"].members_at(on))[0]

    def facts(eccns: list[str]) -> dict[str, Any]:
        target = {"name": "T", "country": "US", "activities": ["equipment"]}
        deal = {**DEAL, "target": {**target, "export_classifications": eccns}}
        return dict(deal_facts(parse_deal(deal), on, rulebook).values)

    known = facts([f"{listed}.a", "EAR99"])
    assert "NS" in known["target_control_reasons"] and known["target_eccns_unrecorded"] is False
    unknown = facts(["5A002.a"])
    assert unknown["target_control_reasons"] == frozenset()
    assert unknown["target_eccns_unrecorded"] is True
    none = facts([])
    assert none["target_control_reasons"] is None and none["target_eccns_unrecorded"] is None


def test_investment_rules_do_not_move_the_earliest_export_date() -> None:
    """The rulebook's earliest date is that of export-control law, not of old statutes."""
    rulebook = load_rulebook()
    export_dates = {
        v.effective
        for e in rulebook.entries.values()
        if set(e.applies_to) - {"deal", "deal_party"}
        for v in e.versions
    }
    assert rulebook.earliest in export_dates
    assert any("deal_party" in e.applies_to for e in rulebook.entries.values())
