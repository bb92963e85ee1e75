"""A deal's facts, as the investment rules (law/fdi/*.yaml) read them.

The names and meanings of the facts are declared in law/parameters/deal.yaml (kind `deal`);
this module only computes them from the checked deal file: countries along the ownership
chain, stakes, rights, turnover sums. No threshold lives here: a missing fact stays missing
(None), so a rule leaf reading it is undetermined and the answer asks for it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from chipcontrols.investment.deal import Deal
from chipcontrols.rulebook.evaluate import Facts
from chipcontrols.rulebook.rulebook import Rulebook

# The deal-file field each fact comes from (named in questions).
FIELDS: dict[str, str] = {
    "target_country": "target.country",
    "acquirer_country": "acquirer.country",
    "ultimate_owner_country": "owners",
    "controlling_countries": "owners",
    "non_eu_controlled": "owners",
    "deal_structure": "structure",
    "deal_date": "date",
    "votes_before_pct": "stake.votes_before_pct",
    "votes_after_pct": "stake.votes_after_pct",
    "shares_before_pct": "stake.shares_before_pct",
    "shares_after_pct": "stake.shares_after_pct",
    "target_activities": "target.activities",
    "target_products": "target.products",
    "target_listed": "target.listed",
    "dual_use_controlled": "target.dual_use_controlled",
    "military_items": "target.military_items",
    "decisive_influence": "rights.decisive_influence",
    "board_appointment": "rights.board_appointment",
    "cn_interest_pct": "owners",
    "acquirer_worldwide_turnover_cny": "turnover_cny.acquirer_worldwide",
    "acquirer_china_turnover_cny": "turnover_cny.acquirer_china",
    "target_worldwide_turnover_cny": "turnover_cny.target_worldwide",
    "target_china_turnover_cny": "turnover_cny.target_china",
    "combined_worldwide_turnover_cny": "turnover_cny",
    "combined_china_turnover_cny": "turnover_cny",
    "jp_designated_sector": "target.jp_designated_sector",
    "kr_national_core_technology": "target.kr_national_core_technology",
    "kr_government_rnd_funded": "target.kr_government_rnd_funded",
}

# The dated list of EU Member States the 'non-EU' fact reads.
EU_MEMBERS_LIST = "eu.lists.member_states"
MAINLAND_CHINA = "CN"


def _sum(*values: float | None) -> float | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def country_interest(deal: Deal, country: str) -> float:
    """The voting interest in the acquirer held by entities of `country`, multiplying holdings
    along each chain and adding the chains (the acquirer itself counts in full)."""
    if deal.acquirer.country == country:
        return 100.0

    def via(entity_id: str, seen: frozenset[str]) -> float:
        entity = deal.entity(entity_id)
        total = 0.0
        for holding in entity.owned_by:
            if holding.owner in seen:
                continue
            owner = deal.entity(holding.owner)
            share = holding.voting_pct / 100
            if owner.country == country:
                total += share
            else:
                total += share * via(owner.id, seen | {owner.id})
        return min(total, 1.0)

    return round(via(deal.acquirer.id, frozenset({deal.acquirer.id})) * 100, 6)


def deal_facts(deal: Deal, as_of: dt.date, rulebook: Rulebook) -> Facts:
    target, stake, rights = deal.target, deal.stake, deal.rights
    chain = deal.controlling_chain()
    members = rulebook.members(EU_MEMBERS_LIST, as_of)
    turnover = deal.turnover_cny
    values: dict[str, Any] = {
        "target_country": target.country,
        "acquirer_country": deal.acquirer.country,
        "ultimate_owner_country": deal.ultimate_owner.country,
        "controlling_countries": frozenset(e.country for e in chain),
        "non_eu_controlled": any(e.country not in members for e in chain) if members else None,
        "deal_structure": deal.structure,
        "deal_date": None if deal.date is None else int(deal.date.strftime("%Y%m%d")),
        "votes_before_pct": stake.votes_before_pct,
        "votes_after_pct": stake.votes_after_pct,
        "shares_before_pct": stake.shares_before_pct,
        "shares_after_pct": stake.shares_after_pct,
        "target_activities": target.activities,
        "target_products": target.products,
        "target_listed": target.listed,
        "dual_use_controlled": target.dual_use_controlled,
        "military_items": target.military_items,
        "decisive_influence": rights.decisive_influence,
        "board_appointment": rights.board_appointment,
        "cn_interest_pct": country_interest(deal, MAINLAND_CHINA),
        "acquirer_worldwide_turnover_cny": turnover.acquirer_worldwide,
        "acquirer_china_turnover_cny": turnover.acquirer_china,
        "target_worldwide_turnover_cny": turnover.target_worldwide,
        "target_china_turnover_cny": turnover.target_china,
        "combined_worldwide_turnover_cny": _sum(
            turnover.acquirer_worldwide, turnover.target_worldwide
        ),
        "combined_china_turnover_cny": _sum(turnover.acquirer_china, turnover.target_china),
        "jp_designated_sector": target.jp_designated_sector,
        "kr_national_core_technology": target.kr_national_core_technology,
        "kr_government_rnd_funded": target.kr_government_rnd_funded,
    }
    return Facts(values=values, name=deal.name)
