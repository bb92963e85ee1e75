"""Netherlands: Wet veiligheidstoets investeringen, fusies en overnames (Vifo Act).

Steps: Act in force (1 June 2023)? a target established in the Netherlands and active in
sensitive technology (art. 8)? an acquisition activity: control (art. 2(a)), essential assets
(art. 2(e)) or, for the categories the order in council designates, significant influence
(art. 3, art. 4: 10%, 20%, 25% of the votes or a board nomination right)? Then the intention
must be notified (art. 11) and the acquisition waits (art. 10). Any acquirer, of any nationality.
"""

from __future__ import annotations

import datetime as dt

from chipcontrols.investment.deal import Deal
from chipcontrols.investment.lawdata import FdiLaw
from chipcontrols.investment.regimes.common import pct, reached
from chipcontrols.investment.result import Assessment, Outcome, RegimeVerdict, Verdict

REGIME = "NL-VIFO"


def assess(deal: Deal, as_of: dt.date, law: FdiLaw) -> RegimeVerdict:
    a = Assessment(law.regime(REGIME), as_of)
    start = a.fdi_provision("nl.vifo.commencement")
    if start is None:
        first = a.fdi_first("nl.vifo.commencement")
        a.step("Vifo Act in force", Outcome.NOT_MET, f"in force from {first.effective}", first)
        a.reason(
            f"regime not in force on {as_of}: the Vifo Act applies from {first.effective}; "
            f"before it there was {first.value('previous_regime')}",
            first,
        )
        return a.finish(Verdict.NOT_REQUIRED, in_force=False)
    a.step("Vifo Act in force", Outcome.MET, f"since {start.effective}", start)

    sensitive = a.fdi_provision("nl.vifo.sensitive_technology")
    assert sensitive is not None
    if deal.target.country != "NL":
        a.step(
            "target established in the Netherlands (art. 1)",
            Outcome.NOT_MET,
            f"target established in {deal.target.country}",
            sensitive,
        )
        a.reason("the target is not established in the Netherlands", sensitive)
        return a.finish(Verdict.NOT_REQUIRED)

    flags = (deal.target.dual_use_controlled, deal.target.military_items)
    if True in flags:
        a.step(
            "sensitive technology (art. 8(1))",
            Outcome.MET,
            "controlled dual-use or military items",
            sensitive,
        )
        a.reason(
            "the target is active in sensitive technology: dual-use items requiring an "
            "export licence or military goods (art. 8(1))",
            sensitive,
        )
    elif flags == (False, False):
        a.step(
            "sensitive technology (art. 8(1))", Outcome.NOT_MET, "no controlled items", sensitive
        )
        a.reason(
            "the target is not active in sensitive technology as defined in art. 8(1) "
            "(nor is a chip business a vital provider under art. 7)",
            sensitive,
        )
        return a.finish(Verdict.NOT_REQUIRED)
    else:
        a.step("sensitive technology (art. 8(1))", Outcome.UNDETERMINED, "not stated", sensitive)
        a.ask(
            "target.dual_use_controlled",
            "Does the target develop or produce dual-use items "
            "of Annex I to Regulation (EU) 2021/821 or military goods?",
            sensitive,
        )
        return a.finish(Verdict.UNDETERMINED)

    stake, rights = deal.stake, deal.rights
    triggers: list[str] = []
    if deal.structure == "asset_deal":
        assets = a.fdi_provision("nl.vifo.assets")
        assert assets is not None
        a.crossed(
            "art. 2(e): acquisition of assets essential to the sensitive-technology activity",
            assets,
        )
        a.step("essential assets (art. 2(e))", Outcome.MET, "asset deal", assets)
        triggers.append("2(e)")
    else:
        control = a.fdi_provision("nl.vifo.control")
        assert control is not None
        majority = stake.votes_before_pct <= 50 < stake.votes_after_pct
        if majority or rights.decisive_influence:
            a.crossed(
                "art. 2(a): acquisition of control (zeggenschap)",
                control,
                measure="voting rights",
                level=50,
                before=stake.votes_before_pct,
                after=stake.votes_after_pct,
            )
            triggers.append("2(a)")
        a.step(
            "control (art. 2(a))",
            Outcome.MET if triggers else Outcome.NOT_MET,
            f"votes {pct(stake.votes_before_pct)} -> {pct(stake.votes_after_pct)}, "
            f"decisive_influence={rights.decisive_influence}",
            control,
        )
        if not triggers:
            influence = a.fdi_provision("nl.vifo.significant_influence")
            assert influence is not None
            levels = [
                lvl
                for lvl in influence.value("levels")
                if reached(stake.votes_before_pct, stake.votes_after_pct, lvl)
            ]
            hit = bool(levels) or bool(rights.board_appointment)
            if hit and deal.target.nl_highly_sensitive:
                for level in levels:
                    a.crossed(
                        f"art. 4(1): {pct(level)} of the votes reached",
                        influence,
                        measure="voting rights",
                        level=level,
                        before=stake.votes_before_pct,
                        after=stake.votes_after_pct,
                    )
                if rights.board_appointment:
                    a.crossed("art. 4(1)(d): right to have directors appointed", influence)
                triggers.append("3(a)")
                a.step(
                    "significant influence (arts. 3, 4)",
                    Outcome.MET,
                    f"levels {levels}, board_appointment={rights.board_appointment}",
                    influence,
                )
            elif hit and deal.target.nl_highly_sensitive is None:
                a.step(
                    "significant influence (arts. 3, 4)",
                    Outcome.UNDETERMINED,
                    "category of sensitive technology not stated",
                    influence,
                )
                a.ask(
                    "target.nl_highly_sensitive",
                    "Is the target's technology in a category "
                    "to which the Besluit toepassingsbereik sensitieve technologie applies the "
                    "significant-influence test (highly sensitive technology)?",
                    influence,
                )
                return a.finish(Verdict.UNDETERMINED)
            elif rights.decisive_influence is None and (
                rights.veto_rights or rights.board_appointment
            ):
                a.ask(
                    "rights.decisive_influence",
                    "Do the vetoes or board rights give decisive "
                    "influence (control within art. 26 Mededingingswet)?",
                    control,
                )
                return a.finish(Verdict.UNDETERMINED)
            else:
                a.step(
                    "significant influence (arts. 3, 4)",
                    Outcome.NOT_MET,
                    f"levels {levels}; highly sensitive={deal.target.nl_highly_sensitive}",
                    influence,
                )
    if not triggers:
        a.reason(
            "no acquisition activity within arts. 2 and 3: no control, essential assets or "
            "significant influence is acquired"
        )
        return a.finish(Verdict.NOT_REQUIRED)

    notification = a.fdi_provision("nl.vifo.notification")
    standstill = a.fdi_provision("nl.vifo.standstill")
    periods = a.fdi_provision("nl.vifo.periods")
    assert notification is not None and standstill is not None and periods is not None
    a.reason(
        "the intended acquisition must be notified to the Minister of Economic Affairs "
        "(Bureau Toetsing Investeringen) by the acquirer or the target (art. 11(1))",
        notification,
    )
    a.standstill(
        "the acquisition may not take place before the Minister says no review "
        "decision is needed or takes one (art. 10(1))",
        standstill,
    )
    a.period(
        "communication whether a review decision is needed", periods.value("notification"), periods
    )
    a.period("review decision", periods.value("decision"), periods)
    return a.finish(Verdict.MANDATORY)
