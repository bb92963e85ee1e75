"""Germany: cross-sector review of acquisitions under the AWG and AWV (§§ 55-59 AWV).

Steps: a domestic target (§ 55(1))? a non-EU/EFTA acquirer, directly or through its chain of
owners (§ 55(1), § 56(5))? an acquisition of the enterprise, of a definable part or its
essential assets (§ 55(1a)), or of voting rights reaching the thresholds of § 56(1), (2)
(20% for the case groups of § 55a(1) Nr. 8-27, including semiconductors, Nr. 16; 25%
otherwise), or atypical control (§ 56(3))? For the case groups the signing must be
notified (§ 55a(4)) and closing waits (§ 15(3) AWG); otherwise the Ministry may review.
"""

from __future__ import annotations

import datetime as dt

from chipcontrols.investment.deal import Deal
from chipcontrols.investment.lawdata import FdiLaw
from chipcontrols.investment.regimes.common import eu_members, matching, pct, reached
from chipcontrols.investment.result import Assessment, Outcome, RegimeVerdict, Verdict

REGIME = "DE-AWV"


def assess(deal: Deal, as_of: dt.date, law: FdiLaw) -> RegimeVerdict:
    a = Assessment(law.regime(REGIME), as_of)
    scope = a.fdi_provision("de.awv.cross_sector")
    if scope is None:
        first = a.fdi_first("de.awv.cross_sector")
        a.reason(
            f"regime not in force on {as_of}: the rulebook holds the AWV from {first.effective}",
            first,
        )
        a.step("AWV 2013 in force", Outcome.NOT_MET, f"from {first.effective}", first)
        return a.finish(Verdict.NOT_REQUIRED, in_force=False)

    if deal.target.country != "DE":
        a.step(
            "domestic target (§ 55(1))",
            Outcome.NOT_MET,
            f"target is established in {deal.target.country}",
            scope,
        )
        a.reason("the target is not a domestic (German) undertaking", scope)
        return a.finish(Verdict.NOT_REQUIRED)
    a.step("domestic target (§ 55(1))", Outcome.MET, "target established in Germany", scope)

    semis = a.fdi_provision("de.awv.semiconductors")
    listed = matching(deal, semis.value("activities")) if semis is not None else []
    thresholds = a.fdi_provision("de.awv.thresholds")
    assert thresholds is not None
    if listed:
        assert semis is not None
        first_level = float(thresholds.value("listed"))
        further = [float(x) for x in thresholds.value("listed_further")]
        a.step(
            "case group § 55a(1) Nr. 16 (semiconductors)",
            Outcome.MET,
            f"activities {', '.join(listed)}",
            semis,
        )
        a.reason(
            f"the target is a developer, producer or finisher within § 55a(1) Nr. 16 "
            f"({', '.join(listed)}): threshold {pct(first_level)}",
            semis,
        )
    else:
        first_level = float(thresholds.value("other"))
        further = [float(x) for x in thresholds.value("other_further")]
        a.step(
            "case group § 55a(1) Nr. 16 (semiconductors)",
            Outcome.NOT_MET if semis is not None else Outcome.INFO,
            "not in force on this date"
            if semis is None
            else f"activities {sorted(deal.target.activities)} are not named",
            semis or thresholds,
        )

    eu = eu_members(law, as_of) | set(scope.value("efta_as_eu"))
    chain = [deal.acquirer, *deal.chain_at_least(first_level)]
    non_eu = [e for e in chain if e.country not in eu]
    residents = a.fdi_provision("de.awv.eu_residents")
    if not non_eu:
        a.step(
            "Unionsfremder (§ 55(1), § 56(5))",
            Outcome.NOT_MET,
            "acquirer and owners holding the threshold are EU/EFTA residents",
            residents or scope,
        )
        a.reason(
            "the acquirer and every owner above it holding the threshold are resident in "
            "the EU or EFTA: no cross-sector review",
            residents or scope,
        )
        return a.finish(Verdict.NOT_REQUIRED)
    who = ", ".join(f"{e.name} ({e.country})" for e in non_eu)
    a.step("Unionsfremder (§ 55(1), § 56(5))", Outcome.MET, who, scope)
    a.reason(f"acquisition by a non-EU/EFTA acquirer, directly or indirectly: {who}", scope)

    stake = deal.stake
    if deal.structure == "asset_deal":
        asset = a.fdi_provision("de.awv.asset_deal")
        if asset is None:
            a.step(
                "asset deal",
                Outcome.UNDETERMINED,
                "the text in force does not name asset deals",
                scope,
            )
            a.reason(
                "before § 55(1a) AWV (1 May 2021) the text did not expressly reach the "
                "purchase of a business's assets",
                scope,
            )
            a.ask(
                "structure",
                "Does the deal transfer a company or shares (a share deal) rather "
                "than only assets?",
                scope,
            )
            return a.finish(Verdict.UNDETERMINED)
        a.step("definable part or essential assets (§ 55(1a))", Outcome.MET, "asset deal", asset)
        a.crossed(
            "§ 55(1a) AWV: acquisition of a definable part or of all essential operating assets",
            asset,
        )
    else:
        before, after = stake.votes_before_pct, stake.votes_after_pct
        crossed = [first_level] if reached(before, after, first_level) else []
        if before >= first_level or crossed:
            crossed += [lvl for lvl in further if reached(before, after, lvl)]
        for level in crossed:
            a.crossed(
                f"§ 56 AWV: {pct(level)} of the voting rights reached or exceeded",
                thresholds,
                measure="voting rights",
                level=level,
                before=before,
                after=after,
            )
        a.step(
            "voting-rights thresholds (§ 56(1), (2))",
            Outcome.MET if crossed else Outcome.NOT_MET,
            f"{pct(before)} -> {pct(after)}; thresholds {pct(first_level)} then "
            f"{', '.join(pct(x) for x in further) or 'none'}",
            thresholds,
        )
        if not stake.votes_given:
            a.reason(
                "voting rights taken equal to the shareholding (the deal file gives no "
                "separate voting rights)"
            )
        if not crossed:
            atypical = a.fdi_provision("de.awv.atypical_control")
            rights = deal.rights
            if (
                atypical is not None
                and after > before
                and (rights.board_appointment or rights.veto_rights or rights.information_rights)
            ):
                a.step(
                    "atypical control (§ 56(3))",
                    Outcome.UNDETERMINED,
                    "voting rights acquired together with board, veto or information rights",
                    atypical,
                )
                a.ask(
                    "rights.decisive_influence",
                    "Do the board seats, vetoes or information "
                    f"rights give a share in control equivalent to {pct(first_level)} of the "
                    "votes (§ 56(3) AWV)?",
                    atypical,
                )
                return a.finish(Verdict.UNDETERMINED)
            a.reason(
                f"voting rights {pct(before)} -> {pct(after)} do not reach "
                f"{pct(first_level)} or a further threshold",
                thresholds,
            )
            return a.finish(Verdict.NOT_REQUIRED)

    notification = a.fdi_provision("de.awv.notification")
    periods = a.fdi_provision("de.awg.periods")
    if listed and notification is not None:
        a.reason(
            "the signing must be notified to the Federal Ministry without delay "
            "(§ 55a(4) AWV), by the direct acquirer (§ 55a(5))",
            notification,
        )
        standstill = a.fdi_provision("de.awg.standstill")
        if standstill is not None:
            a.standstill(
                "closing is provisionally ineffective and its steps are prohibited "
                "until clearance or the deadlines pass (§ 15(3), (4) AWG)",
                standstill,
            )
        if periods is not None:
            a.period("opening of an in-depth review", periods.value("opening"), periods)
            a.period("prohibition or orders", periods.value("decision"), periods)
        return a.finish(Verdict.MANDATORY)

    certificate = a.fdi_provision("de.awv.certificate")
    a.reason(
        "the Federal Ministry may review the acquisition on its own motion (§ 55(1) AWV); "
        "the acquirer may apply for a certificate of non-objection (§ 58 AWV)",
        certificate or scope,
    )
    if periods is not None:
        a.period("opening of a review", periods.value("opening"), periods)
        a.period("prohibition or orders", periods.value("decision"), periods)
    return a.finish(Verdict.VOLUNTARY)
