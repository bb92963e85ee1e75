"""A deal's facts, as the investment rules (law/fdi/*.yaml) read them.

The names and meanings of the facts are declared in law/parameters/deal.yaml (kind `deal`);
this module only computes them from the checked deal file: countries along the ownership
chain, stakes, rights, turnover sums, and, for each party on the acquiring side (kind
`deal_party`, the facts' components), its country and interest in the acquirer. No threshold
lives here: a missing fact stays missing (None), so a rule leaf reading it is undetermined
and the answer asks for it. Dated lists of the rulebook (EU Member States, reasons for
control of ECCNs) are read on the as-of date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from chipcontrols.investment.deal import Deal, Entity, Rights, SemiconductorFacts
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
    "event_date": "date",
    "years_since_event": "date",
    "votes_acquired_pct": "stake.votes_after_pct",
    "value_eur": "value_eur",
    "rights_granted": "rights",
    "material_influence": "rights.material_influence",
    "resolution_control": "rights.resolution_control",
    "veto_rights": "rights.veto_rights",
    "information_rights": "rights.information_rights",
    "involvement_in_decisions": "rights.involvement_in_decisions",
    "uk_activities": "target.uk_activities",
    "us_business": "target.us_business",
    "target_in_eu": "target.country",
    "nl_highly_sensitive": "target.nl_highly_sensitive",
    "acquirer_us_person": "acquirer.us_person",
    "ultimate_owner_us_person": "owners",
    "country_of_concern_ownership_pct": "target.country_of_concern_ownership_pct",
    "excepted_transaction": "excepted_transaction",
    "target_control_reasons": "target.export_classifications",
    "target_eccns_unrecorded": "target.export_classifications",
    "semiconductor_stated": "target.semiconductor",
    **{name: f"target.semiconductor.{name}" for name in SemiconductorFacts.__dataclass_fields__},
}

# The deal-file field each party fact comes from.
PARTY_FIELDS: dict[str, str] = {
    "party_country": "owners",
    "party_us_person": "owners",
    "party_government": "owners",
    "party_in_eu": "owners",
    "party_interest_pct": "owners",
    "party_link_pct": "owners",
    "party_export_authorization": "target.authorization_required_countries",
    "party_authorization_stated": "target.authorization_required_countries",
}
FIELDS.update(PARTY_FIELDS)

# The dated list of EU Member States the 'EU' facts read (for investment screening).
EU_MEMBERS_LIST = "eu.fdi_lists.member_states"
# Dated lists of ECCNs by reason for control: `<prefix><reason code, lower case>`.
CCL_REASONS_PREFIX = "us.ccl_reasons."
NO_ECCN = "EAR99"
MAINLAND_CHINA = "CN"
UNITED_STATES = "US"


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


def link_strength(deal: Deal) -> dict[str, float]:
    """For each party, the largest over its chains of holdings up from the acquirer of the
    smallest holding on the chain (the acquirer itself: 100)."""
    best = {deal.acquirer.id: 100.0}
    frontier = [deal.acquirer]
    while frontier:
        entity = frontier.pop()
        for holding in entity.owned_by:
            strength = min(best[entity.id], holding.voting_pct)
            if strength > best.get(holding.owner, 0.0):
                best[holding.owner] = strength
                frontier.append(deal.entity(holding.owner))
    return best


def _is_us(entity: Entity) -> bool:
    return entity.country == UNITED_STATES or entity.us_person is True


def _years(start: dt.date, end: dt.date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def _control_reasons(
    eccns: tuple[str, ...], as_of: dt.date, rulebook: Rulebook
) -> tuple[frozenset[str] | None, bool | None]:
    """The reasons for control of the target's ECCNs, and whether one is not recorded."""
    if not eccns:
        return None, None
    lists = {
        list_id.removeprefix(CCL_REASONS_PREFIX).upper(): dated.members_at(as_of)
        for list_id, dated in rulebook.lists.items()
        if list_id.startswith(CCL_REASONS_PREFIX)
    }
    reasons: set[str] = set()
    unrecorded = False
    for eccn in eccns:
        if eccn == NO_ECCN:
            continue
        found = {code for code, members in lists.items() if eccn[:5] in members}
        unrecorded = unrecorded or not found
        reasons |= found
    return frozenset(reasons), unrecorded


def party_facts(deal: Deal, members: frozenset[str]) -> list[Facts]:
    """The facts of each party on the acquiring side: the acquirer, then its owners."""
    links = link_strength(deal)
    given = deal.target.authorization_required_countries
    return [
        Facts(
            values={
                "party_country": entity.country,
                "party_us_person": _is_us(entity),
                "party_government": entity.government,
                "party_in_eu": (entity.country in members) if members else None,
                "party_interest_pct": deal.indirect_interest(entity.id),
                "party_link_pct": links.get(entity.id, 0.0),
                "party_export_authorization": None if given is None else entity.country in given,
                "party_authorization_stated": given is not None,
            },
            name=f"{entity.name} ({entity.country})",
        )
        for entity in deal.entities()
    ]


def deal_facts(deal: Deal, as_of: dt.date, rulebook: Rulebook) -> Facts:
    target, stake, rights = deal.target, deal.stake, deal.rights
    chain = deal.controlling_chain()
    members = rulebook.members(EU_MEMBERS_LIST, as_of)
    turnover = deal.turnover_cny
    event = deal.date or as_of
    semi = target.semiconductor
    reasons, unrecorded = _control_reasons(target.export_classifications, as_of, rulebook)
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
        "target_products": target.products or None,
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
        "event_date": int(event.strftime("%Y%m%d")),
        "years_since_event": _years(event, as_of),
        "votes_acquired_pct": stake.votes_after_pct - stake.votes_before_pct,
        "value_eur": deal.value_eur,
        "rights_granted": frozenset(
            name for name in Rights.__dataclass_fields__ if getattr(rights, name) is True
        ),
        "material_influence": rights.material_influence,
        "resolution_control": rights.resolution_control,
        "veto_rights": rights.veto_rights,
        "information_rights": rights.information_rights,
        "involvement_in_decisions": rights.involvement_in_decisions,
        "uk_activities": target.uk_activities,
        "us_business": target.us_business,
        "target_in_eu": (target.country in members) if members else None,
        "nl_highly_sensitive": target.nl_highly_sensitive,
        "acquirer_us_person": deal.acquirer.us_person,
        "ultimate_owner_us_person": _is_us(deal.ultimate_owner),
        "country_of_concern_ownership_pct": target.country_of_concern_ownership_pct,
        "excepted_transaction": deal.excepted_transaction is True,
        "target_control_reasons": reasons,
        "target_eccns_unrecorded": unrecorded,
        "semiconductor_stated": frozenset(
            name
            for name in SemiconductorFacts.__dataclass_fields__
            if getattr(semi, name) is not None
        ),
        **{name: getattr(semi, name) for name in SemiconductorFacts.__dataclass_fields__},
    }
    return Facts(values=values, components=party_facts(deal, members), name=deal.name)
