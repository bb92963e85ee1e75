"""US: CFIUS review under section 721 of the Defense Production Act (31 CFR parts 800, 801).

Steps: a US business? a foreign acquirer (directly or through its controlling owners)? a
covered control transaction (31 CFR 800.208) or, from 13 Feb 2020, a covered investment in a
TID US business (800.211)? critical technologies (800.215), read from the target's ECCNs?
Mandatory declaration under the pilot program (part 801, 2018-2020), the NAICS test (Feb-Oct
2020) or the US-regulatory-authorization test (800.401(c), from 15 Oct 2020), or for a
foreign government's substantial interest (800.401(b)). Otherwise filing is voluntary and
CFIUS can review on its own initiative.
"""

from __future__ import annotations

import datetime as dt

from chipcontrols.investment.deal import Deal, Entity
from chipcontrols.investment.lawdata import FdiLaw
from chipcontrols.investment.regimes.common import matching
from chipcontrols.investment.result import Assessment, Outcome, RegimeVerdict, Verdict

REGIME = "US-CFIUS"


def _is_us(entity: Entity) -> bool:
    return entity.country == "US" or entity.us_person is True


def _critical(a: Assessment, deal: Deal) -> Outcome:
    table = a.fdi_provision("us.cfius.critical_technologies")
    if table is None:
        return Outcome.NOT_MET  # no mandatory filing turns on critical technologies yet
    eccns = deal.target.export_classifications
    if not eccns:
        a.step("critical technologies (800.215)", Outcome.UNDETERMINED, "no ECCNs given", table)
        a.ask(
            "target.export_classifications",
            "Which ECCNs (or EAR99) classify the target's products, software and technology?",
            table,
        )
        return Outcome.UNDETERMINED
    reasons_by_eccn = table.value("eccn_reasons")
    critical_reasons = set(table.value("critical_reasons"))
    found: list[str] = []
    unknown: list[str] = []
    for eccn in eccns:
        if eccn == "EAR99":
            continue
        reasons = reasons_by_eccn.get(eccn[:5])
        if reasons is None:
            unknown.append(eccn)
        elif critical_reasons & set(reasons):
            found.append(f"{eccn} ({', '.join(r for r in reasons if r in critical_reasons)})")
    if found:
        a.step("critical technologies (800.215)", Outcome.MET, "; ".join(found), table)
        a.reason(
            f"the target produces or develops critical technologies: {'; '.join(found)}", table
        )
        return Outcome.MET
    if unknown:
        a.step(
            "critical technologies (800.215)",
            Outcome.UNDETERMINED,
            f"reasons for control not recorded for {', '.join(unknown)}",
            table,
        )
        a.ask(
            "target.export_classifications",
            f"For what reasons are {', '.join(unknown)} "
            "controlled (NS, RS, MT, NP, CB, SL make them critical technologies)?",
            table,
        )
        return Outcome.UNDETERMINED
    a.step("critical technologies (800.215)", Outcome.NOT_MET, f"ECCNs {', '.join(eccns)}", table)
    return Outcome.NOT_MET


def assess(deal: Deal, as_of: dt.date, law: FdiLaw) -> RegimeVerdict:
    a = Assessment(law.regime(REGIME), as_of)
    control_def = a.fdi_provision("us.cfius.control")
    if control_def is None:
        first = a.fdi_first("us.cfius.control")
        a.ask(
            "as_of",
            f"Give an as-of date on or after {first.effective}: the rulebook holds "
            "the CFIUS regulations from then on",
            first,
        )
        a.reason("the CFIUS regulations before December 2008 are not formalised", first)
        return a.finish(Verdict.UNDETERMINED)

    target = deal.target
    if not (target.country == "US" or target.us_business):
        if target.us_business is None:
            a.step("US business", Outcome.UNDETERMINED, "target outside the US", control_def)
            a.ask(
                "target.us_business",
                "Does the target (or a subsidiary) carry on interstate "
                "commerce in the United States?",
                control_def,
            )
            return a.finish(Verdict.UNDETERMINED)
        a.step("US business", Outcome.NOT_MET, "no US business", control_def)
        a.reason("the target is not a US business", control_def)
        return a.finish(Verdict.NOT_REQUIRED)
    a.step("US business", Outcome.MET, target.name, control_def)

    chain = deal.controlling_chain()
    foreign = [e for e in chain if not _is_us(e)]
    if not foreign or _is_us(deal.ultimate_owner):
        a.step("foreign person", Outcome.NOT_MET, "acquirer US-controlled", control_def)
        a.reason("the acquirer is a US person controlled from the United States", control_def)
        return a.finish(Verdict.NOT_REQUIRED)
    a.step(
        "foreign person",
        Outcome.MET,
        ", ".join(f"{e.name} ({e.country})" for e in foreign),
        control_def,
    )

    stake, rights = deal.stake, deal.rights
    if deal.structure == "asset_deal" or stake.votes_before_pct <= 50 < stake.votes_after_pct:
        control = Outcome.MET
    elif rights.decisive_influence is not None:
        control = Outcome.MET if rights.decisive_influence else Outcome.NOT_MET
    elif stake.votes_after_pct > 10 or rights.board_appointment or rights.veto_rights:
        control = Outcome.UNDETERMINED
        a.ask(
            "rights.decisive_influence",
            "Will the acquirer be able to determine, direct or "
            "decide important matters of the target (control, 31 CFR 800.208)?",
            control_def,
        )
    else:
        control = Outcome.NOT_MET
    a.step(
        "control (800.208)",
        control,
        f"votes {stake.votes_before_pct:g}% -> {stake.votes_after_pct:g}%",
        control_def,
    )
    if control is Outcome.MET:
        a.crossed(
            "covered control transaction: control of a US business by a foreign person",
            control_def,
            measure="voting rights",
            before=stake.votes_before_pct,
            after=stake.votes_after_pct,
        )

    covered_investment = Outcome.NOT_MET
    ci = a.fdi_provision("us.cfius.covered_investment")
    if ci is not None and control is not Outcome.MET:
        access = (
            rights.information_rights,
            rights.board_appointment,
            rights.involvement_in_decisions,
        )
        covered_investment = (
            Outcome.MET
            if True in access
            else Outcome.NOT_MET
            if access == (False, False, False)
            else Outcome.UNDETERMINED
        )
        a.step("covered investment (800.211)", covered_investment, f"rights {access}", ci)

    critical = _critical(a, deal)
    mandatory = Outcome.NOT_MET
    pilot = a.fdi_provision("us.cfius.pilot")
    rule = a.fdi_provision("us.cfius.mandatory_critical_technology")
    naics_rule = (
        pilot
        if pilot is not None
        else (rule if rule is not None and rule.value("test") == "naics" else None)
    )
    relevant = control if control is not Outcome.NOT_MET else covered_investment
    if naics_rule is not None:
        industries = [
            code for code, tags in naics_rule.value("naics").items() if matching(deal, tags)
        ]
        if industries and critical is Outcome.MET and relevant is Outcome.MET:
            mandatory = Outcome.MET
            a.crossed(f"critical technology used in NAICS {', '.join(industries)}", naics_rule)
            a.reason(
                f"critical technology of a business in NAICS {', '.join(industries)}: a "
                "declaration is mandatory",
                naics_rule,
            )
        elif industries and Outcome.UNDETERMINED in (critical, relevant):
            mandatory = Outcome.UNDETERMINED
        a.step(
            "mandatory declaration (critical technology, NAICS test)",
            mandatory,
            f"industries {industries}",
            naics_rule,
        )
    elif rule is not None:
        if critical is Outcome.MET and relevant is not Outcome.NOT_MET:
            mandatory = _authorization(a, deal, rule)
            if relevant is Outcome.UNDETERMINED and mandatory is Outcome.MET:
                mandatory = Outcome.UNDETERMINED
        elif critical is Outcome.UNDETERMINED and relevant is not Outcome.NOT_MET:
            mandatory = Outcome.UNDETERMINED

    government = a.fdi_provision("us.cfius.foreign_government")
    if (
        government is not None
        and critical is Outcome.MET
        and stake.votes_after_pct >= float(government.value("foreign_person_voting_pct"))
    ):
        states = [
            e
            for e in deal.entities()
            if e.government
            and deal.indirect_interest(e.id) >= float(government.value("government_voting_pct"))
        ]
        if states:
            mandatory = Outcome.MET
            a.crossed("800.401(b): substantial interest of a foreign government", government)
            a.reason(
                f"foreign government interest: {', '.join(e.name for e in states)} holds "
                "49% or more of the foreign person acquiring 25% or more",
                government,
            )

    periods = a.fdi_provision("us.cfius.periods")
    if mandatory is Outcome.MET:
        timing = a.fdi_provision("us.cfius.declaration_timing")
        if timing is not None:
            a.standstill("file the declaration no later than 30 days before completion", timing)
        if periods is not None and "declaration" in periods.values:
            a.period("assessment of a declaration", periods.value("declaration"), periods)
        if periods is not None:
            a.period("review of a notice", periods.value("notice"), periods)
        return a.finish(Verdict.MANDATORY)
    if mandatory is Outcome.UNDETERMINED:
        a.reason("whether a declaration is mandatory turns on the facts asked below")
        return a.finish(Verdict.UNDETERMINED)
    if Outcome.MET in (control, covered_investment):
        voluntary = a.fdi_provision("us.cfius.voluntary_notice")
        a.reason(
            "a covered transaction: the parties may notify CFIUS, which can also review "
            "it on its own initiative and refer it to the President, who may suspend or "
            "prohibit it (50 U.S.C. 4565(d))",
            voluntary,
        )
        if periods is not None:
            a.period("review of a notice", periods.value("notice"), periods)
        return a.finish(Verdict.VOLUNTARY)
    if Outcome.UNDETERMINED in (control, covered_investment):
        return a.finish(Verdict.UNDETERMINED)
    a.reason("not a covered transaction: no control and no covered investment", control_def)
    return a.finish(Verdict.NOT_REQUIRED)


def _authorization(a: Assessment, deal: Deal, rule: object) -> Outcome:
    """800.401(c)(1): would a US regulatory authorization be needed to export to the parties?"""
    from chipcontrols.investment.lawdata import ProvisionVersion

    assert isinstance(rule, ProvisionVersion)
    table = a.fdi_provision("us.cfius.critical_technologies")
    assert table is not None
    level = float(rule.value("chain_voting_pct"))
    parties = [deal.acquirer] + [
        e for e in deal.owners.values() if deal.indirect_interest(e.id) >= level
    ]
    countries = sorted({e.country for e in parties if e.country != "US"})
    given = deal.target.authorization_required_countries
    if given is not None:
        needed = [c for c in countries if c in given]
    else:
        always = set(table.value("licence_everywhere_for_semiconductor_eccns"))
        needed = [c for c in countries if c in always]
        if not needed and countries:
            a.step(
                "US regulatory authorization (800.254)",
                Outcome.UNDETERMINED,
                f"countries {countries}",
                rule,
            )
            a.ask(
                "target.authorization_required_countries",
                "For which of "
                f"{', '.join(countries)} would a US export licence be required for the "
                "target's critical technologies (800.401(c)(1))?",
                rule,
            )
            return Outcome.UNDETERMINED
    if needed:
        a.crossed(
            f"800.401(c): US regulatory authorization required for export to {', '.join(needed)}",
            rule,
        )
        a.reason(
            f"a US export authorization would be required to export the target's critical "
            f"technology to {', '.join(needed)} (the acquirer or an owner with 25% or more "
            "of its votes): the declaration is mandatory",
            rule,
        )
        a.step("US regulatory authorization (800.254)", Outcome.MET, ", ".join(needed), rule)
        return Outcome.MET
    a.step("US regulatory authorization (800.254)", Outcome.NOT_MET, f"countries {countries}", rule)
    return Outcome.NOT_MET
