"""EU: Regulation (EU) 2019/452, the framework for screening foreign direct investment.

The Regulation creates no filing for investors: it sets the factors Member States and the
Commission may take into account (art. 4, naming semiconductors) and a cooperation mechanism
(arts. 6, 7). The answer is therefore always "no filing with the Commission", with the
cooperation windows that apply when the investor comes from outside the Union.
"""

from __future__ import annotations

import datetime as dt

from chipcontrols.investment.deal import Deal
from chipcontrols.investment.lawdata import FdiLaw
from chipcontrols.investment.regimes.common import eu_members, matching
from chipcontrols.investment.result import Assessment, Outcome, RegimeVerdict, Verdict

REGIME = "EU-FDI"


def assess(deal: Deal, as_of: dt.date, law: FdiLaw) -> RegimeVerdict:
    a = Assessment(law.regime(REGIME), as_of)
    applies = a.fdi_provision("eu.fdi.application")
    if applies is None:
        first = a.fdi_first("eu.fdi.application")
        a.step("Regulation applies", Outcome.NOT_MET, f"from {first.effective}", first)
        a.reason(
            f"regime not in force on {as_of}: Regulation (EU) 2019/452 applies from "
            f"{first.effective}; screening was purely national",
            first,
        )
        return a.finish(Verdict.NOT_REQUIRED, in_force=False)
    a.step("Regulation applies", Outcome.MET, f"since {applies.effective}", applies)
    members = eu_members(law, as_of)
    if deal.target.country not in members:
        a.step("target in the Union", Outcome.NOT_MET, deal.target.country, applies)
        a.reason("the target is not established in a Member State", applies)
        return a.finish(Verdict.NOT_REQUIRED)
    outsiders = [e for e in deal.controlling_chain() if e.country not in members]
    if not outsiders:
        a.step(
            "foreign direct investment (art. 2(1))",
            Outcome.NOT_MET,
            "investor controlled from within the Union",
            applies,
        )
        a.reason(
            "not a foreign direct investment: the investor and its controlling owners "
            "are in the Union",
            applies,
        )
        return a.finish(Verdict.NOT_REQUIRED)
    names = ", ".join(f"{e.name} ({e.country})" for e in outsiders)
    a.step("foreign direct investment (art. 2(1))", Outcome.MET, names, applies)
    factors = a.fdi_provision("eu.fdi.factors")
    if factors is not None and matching(deal, factors.value("activities")):
        a.reason(
            "semiconductors are a factor the Member States and the Commission may take "
            "into account (art. 4(1)(b))",
            factors,
        )
    cooperation = a.fdi_provision("eu.fdi.cooperation")
    assert cooperation is not None
    a.reason(
        f"foreign direct investment from outside the Union ({names}): no filing with the "
        "Commission; the Member State where the target is established screens under its "
        "own law, and other Member States and the Commission may comment (arts. 6, 7)",
        cooperation,
    )
    a.period("comments on a screened investment", cooperation.value("screened"), cooperation)
    a.period(
        "comments on an investment not screened", cooperation.value("not_screened"), cooperation
    )
    return a.finish(Verdict.NOT_REQUIRED)
