"""Italy: special powers (golden power) over strategic assets, DL 21/2012, art. 2.

Steps: are semiconductors assets of national interest on this date (art. 2(1-ter); DL 23/2020;
DPCM 179/2020, art. 9)? an Italian target? who acquires: a person outside the EU (art. 2(5),
(5-bis)) or, while the temporary extension lasted, an EU person? what: control (art. 2359 of
the Civil Code), a minority of 10% or more worth EUR 1 million or more and the further
thresholds, or the strategic assets themselves (art. 2(2-bis))?
"""

from __future__ import annotations

import datetime as dt

from chipcontrols.investment.deal import Deal
from chipcontrols.investment.lawdata import FdiLaw
from chipcontrols.investment.regimes.common import eu_members, matching, pct, reached
from chipcontrols.investment.result import Assessment, Outcome, RegimeVerdict, Verdict

REGIME = "IT-GOLDEN-POWER"


def assess(deal: Deal, as_of: dt.date, law: FdiLaw) -> RegimeVerdict:
    a = Assessment(law.regime(REGIME), as_of)
    sector = a.fdi_provision("it.gp.semiconductors")
    if sector is None:
        first = a.fdi_first("it.gp.semiconductors")
        a.step("semiconductors designated", Outcome.NOT_MET, f"from {first.effective}", first)
        a.reason(
            f"regime not in force for semiconductors on {as_of}: they became assets of "
            f"national interest on {first.effective}; before, the special powers of "
            "DL 21/2012 covered defence, energy, transport and communications only",
            first,
        )
        return a.finish(Verdict.NOT_REQUIRED, in_force=False)
    if deal.target.country != "IT":
        a.step("Italian target", Outcome.NOT_MET, f"target in {deal.target.country}", sector)
        a.reason("the target is not an Italian company holding strategic assets", sector)
        return a.finish(Verdict.NOT_REQUIRED)
    hits = matching(deal, sector.value("activities"))
    if not hits:
        a.step(
            "strategic semiconductor assets",
            Outcome.NOT_MET,
            f"activities {sorted(deal.target.activities)}",
            sector,
        )
        a.reason("the target's activities are not among the semiconductor assets", sector)
        return a.finish(Verdict.NOT_REQUIRED)
    a.step("strategic semiconductor assets", Outcome.MET, ", ".join(hits), sector)
    a.reason(
        f"the target holds semiconductor assets of national interest ({', '.join(hits)})", sector
    )

    eu = eu_members(law, as_of)
    outsiders = [e for e in deal.controlling_chain() if e.country not in eu]
    non_eu = bool(outsiders)
    a.step(
        "acquirer outside the EU (art. 2(5), (5-bis))",
        Outcome.MET if non_eu else Outcome.NOT_MET,
        ", ".join(f"{e.name} ({e.country})" for e in outsiders)
        or "acquirer and its controlling owners are in the EU",
        sector,
    )

    stake, rights = deal.stake, deal.rights
    control = stake.votes_before_pct <= 50 < stake.votes_after_pct or bool(
        rights.decisive_influence
    )
    notify = False
    if deal.structure == "asset_deal":
        transfer = a.fdi_provision("it.gp.asset_transfer")
        if non_eu and transfer is not None:
            a.crossed(
                "art. 2(2-bis): transfer of strategic assets to a person outside the EU", transfer
            )
            a.reason(
                "the company must notify the transaction transferring the assets (art. 2(2-bis))",
                transfer,
            )
            notify = True
    elif non_eu and control:
        ctl = a.fdi_provision("it.gp.non_eu_control")
        assert ctl is not None
        a.crossed(
            "art. 2(5): acquisition of control by a person outside the EU",
            ctl,
            measure="voting rights",
            level=50,
            before=stake.votes_before_pct,
            after=stake.votes_after_pct,
        )
        a.reason(
            "acquisition of control by a person outside the EU: notification to the "
            "Presidency of the Council of Ministers (art. 2(5))",
            ctl,
        )
        notify = True
    elif non_eu:
        minority = a.fdi_provision("it.gp.non_eu_minority")
        if minority is not None:
            floor = float(minority.value("first"))
            levels = (
                [floor] if reached(stake.votes_before_pct, stake.votes_after_pct, floor) else []
            )
            levels += [
                float(x)
                for x in minority.value("further")
                if reached(stake.votes_before_pct, stake.votes_after_pct, x)
            ]
            if levels and floor in levels and deal.value_eur is None:
                a.ask(
                    "value_eur",
                    "What is the total value of the investment in euro (the 10% "
                    "notification applies from EUR 1 million)?",
                    minority,
                )
                return a.finish(Verdict.UNDETERMINED)
            if (
                floor in levels
                and deal.value_eur is not None
                and deal.value_eur < float(minority.value("minimum_value_eur"))
            ):
                levels.remove(floor)
            for level in levels:
                a.crossed(
                    f"art. 2(5): {pct(level)} of the votes or capital",
                    minority,
                    measure="voting rights",
                    level=level,
                    before=stake.votes_before_pct,
                    after=stake.votes_after_pct,
                )
            if levels:
                a.reason(
                    "acquisition by a person outside the EU of a stake crossing the "
                    "notification thresholds (art. 2(5))",
                    minority,
                )
                notify = True
    elif control:
        eu_ctl = a.fdi_provision("it.gp.eu_control")
        if eu_ctl is not None:
            a.crossed("temporary extension: control acquired by an EU person", eu_ctl)
            a.reason(
                "acquisition of control by an EU person while the temporary extension applied",
                eu_ctl,
            )
            notify = True
        else:
            a.reason(
                "acquisitions of control of semiconductor assets by EU persons are not "
                "notifiable on this date"
            )

    if not notify:
        a.step("notifiable acquisition", Outcome.NOT_MET, "no threshold or case met", sector)
        if not hits or not non_eu:
            a.reason("no notification: the acquirer is an EU person and no case applies")
        else:
            a.reason("no notification: no notification threshold is crossed")
        return a.finish(Verdict.NOT_REQUIRED)

    standstill = a.fdi_provision("it.gp.standstill")
    periods = a.fdi_provision("it.gp.periods")
    if standstill is not None:
        a.standstill(
            "until the notification and the end of the review period the voting "
            "rights (and other non-financial rights) attached to the stake are "
            "suspended (art. 2(5))",
            standstill,
        )
    if periods is not None:
        a.period("exercise of the special powers", periods.value("length"), periods)
    return a.finish(Verdict.MANDATORY)
