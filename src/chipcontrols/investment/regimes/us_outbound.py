"""US: the Outbound Investment Security Program, 31 CFR part 850 (from 2 January 2025).

Steps: rule in force? a US person investing (850.229)? a covered foreign person: a person of a
country of concern (850.209, 850.221) engaged in a covered activity? a prohibited activity in
semiconductors (850.224(a)-(e)), else a notifiable one (850.217(a)-(c))? Prohibited
transactions may not be made; notifiable ones are notified within 30 days after completion.
"""

from __future__ import annotations

import datetime as dt

from chipcontrols.investment.deal import Deal
from chipcontrols.investment.lawdata import FdiLaw, ProvisionVersion
from chipcontrols.investment.result import Assessment, Outcome, RegimeVerdict, Verdict

REGIME = "US-OUTBOUND"
_FAB = {"front_end_fabrication", "compound_semiconductors", "memory"}


def _prohibited(a: Assessment, deal: Deal, rule: ProvisionVersion) -> tuple[list[str], bool]:
    """The paragraphs of 850.224 the target's activities meet; True if a fact is missing."""
    acts, s = deal.target.activities, deal.target.semiconductor
    hits: list[str] = []
    missing = False
    if "eda" in acts:
        hits.append("850.224(a): electronic design automation software")
    if acts & {"equipment", "lithography"} or s.euv_exclusive:
        hits.append(
            "850.224(b): front-end fabrication equipment, advanced-packaging "
            "equipment or EUV-exclusive items"
        )
    if "chip_design" in acts:
        if s.designs_3a090a_ics or s.cryogenic_4_5k:
            hits.append(
                "850.224(c): design of ICs meeting 3A090.a or for operation at or below 4.5 K"
            )
        elif s.designs_3a090a_ics is None:
            missing = True
            a.ask(
                "target.semiconductor.designs_3a090a_ics",
                "Does the target design ICs that meet or exceed the parameters of ECCN 3A090.a?",
                rule,
            )
    if acts & _FAB:
        tests = [
            (s.non_planar_transistors, "non-planar transistors"),
            (
                None if s.logic_node_nm is None else s.logic_node_nm <= rule.value("logic_node_nm"),
                "logic at 16/14 nm or less",
            ),
            (
                None if s.nand_layers is None else s.nand_layers >= rule.value("nand_layers"),
                "NAND with 128 layers or more",
            ),
            (
                None
                if s.dram_half_pitch_nm is None
                else s.dram_half_pitch_nm <= rule.value("dram_half_pitch_nm"),
                "DRAM at 18 nm half-pitch or less",
            ),
            (s.gallium_based, "gallium-based compound semiconductor ICs"),
            (s.graphene_or_cnt, "graphene or carbon-nanotube transistors"),
            (s.cryogenic_4_5k, "ICs for operation at or below 4.5 K"),
        ]
        met = [label for value, label in tests if value]
        if met:
            hits.append(f"850.224(d): fabrication of advanced ICs ({', '.join(met)})")
        elif (
            s.logic_node_nm is None
            and s.non_planar_transistors is None
            and (s.nand_layers is None and s.dram_half_pitch_nm is None)
        ):
            missing = True
            a.ask(
                "target.semiconductor",
                "What does the target fabricate: logic node (nm) and "
                "transistor architecture, NAND layers, DRAM half-pitch, gallium-based ICs?",
                rule,
            )
        elif s.gallium_based is None and "compound_semiconductors" in acts:
            missing = True
            a.ask(
                "target.semiconductor.gallium_based",
                "Does the target fabricate ICs from a gallium-based compound semiconductor?",
                rule,
            )
    if "advanced_packaging" in acts:
        hits.append("850.224(e): packaging with advanced packaging techniques")
    return hits, missing


def assess(deal: Deal, as_of: dt.date, law: FdiLaw) -> RegimeVerdict:
    a = Assessment(law.regime(REGIME), as_of)
    start = a.fdi_provision("us.outbound.commencement")
    if start is None:
        first = a.fdi_first("us.outbound.commencement")
        a.step("31 CFR part 850 in force", Outcome.NOT_MET, f"from {first.effective}", first)
        a.reason(
            f"regime not in force on {as_of}: 31 CFR part 850 is effective from "
            f"{first.effective}; before it there was {first.value('previous_regime')}",
            first,
        )
        return a.finish(Verdict.NOT_REQUIRED, in_force=False)
    a.step("31 CFR part 850 in force", Outcome.MET, f"since {start.effective}", start)

    us_person = a.fdi_provision("us.outbound.us_person")
    acquirer = deal.acquirer
    if acquirer.us_person is None and acquirer.country != "US":
        a.ask(
            "acquirer.us_person",
            "Is the acquirer a US person (US citizen or permanent "
            "resident, US-organized entity or its foreign branch, or a person in the US)?",
            us_person,
        )
        return a.finish(Verdict.UNDETERMINED)
    if not (acquirer.us_person or acquirer.country == "US"):
        a.step("US person (850.229)", Outcome.NOT_MET, acquirer.name, us_person)
        a.reason(
            "the acquirer is not a US person; 850.302 (US persons' controlled foreign "
            "entities) is not formalised",
            us_person,
        )
        return a.finish(Verdict.NOT_REQUIRED)
    a.step("US person (850.229)", Outcome.MET, acquirer.name, us_person)

    concern = a.fdi_provision("us.outbound.country_of_concern")
    assert concern is not None
    target = deal.target
    owned = target.country_of_concern_ownership_pct
    if target.country in concern.value("countries") or (
        owned is not None and owned >= concern.value("ownership_pct")
    ):
        a.step(
            "person of a country of concern (850.221)",
            Outcome.MET,
            f"{target.country}, owned {owned if owned is not None else '-'}%",
            concern,
        )
        a.reason("the target is a person of a country of concern", concern)
    elif owned is None:
        a.ask(
            "target.country_of_concern_ownership_pct",
            "What share of the target is held, "
            "individually or together, by persons of China (incl. Hong Kong and Macau)?",
            concern,
        )
        return a.finish(Verdict.UNDETERMINED)
    else:
        a.step(
            "person of a country of concern (850.221)",
            Outcome.NOT_MET,
            f"{target.country}, owned {owned:g}%",
            concern,
        )
        a.reason("the target is not a person of a country of concern", concern)
        return a.finish(Verdict.NOT_REQUIRED)

    excepted = a.fdi_provision("us.outbound.excepted")
    if deal.excepted_transaction:
        a.step("excepted transaction (850.501)", Outcome.MET, "stated in the deal", excepted)
        a.reason("an excepted transaction (850.501)", excepted)
        return a.finish(Verdict.NOT_REQUIRED)

    prohibited = a.fdi_provision("us.outbound.prohibited")
    notifiable = a.fdi_provision("us.outbound.notifiable")
    assert prohibited is not None and notifiable is not None
    hits, missing = _prohibited(a, deal, prohibited)
    for hit in hits:
        a.crossed(hit, prohibited)
    a.step(
        "prohibited transaction (850.224)",
        Outcome.MET if hits else Outcome.UNDETERMINED if missing else Outcome.NOT_MET,
        "; ".join(hits) or "-",
        prohibited,
    )
    if hits:
        a.reason(f"prohibited transaction: {'; '.join(hits)}", prohibited)
        if deal.excepted_transaction is None:
            a.reason("unless it is an excepted transaction (850.501)", excepted)
        return a.finish(Verdict.PROHIBITED)
    if missing:
        return a.finish(Verdict.UNDETERMINED)

    acts = target.activities
    notif_hits = []
    if "chip_design" in acts:
        notif_hits.append("850.217(a): designs integrated circuits")
    if acts & _FAB:
        notif_hits.append("850.217(b): fabricates integrated circuits")
    if "packaging" in acts:
        notif_hits.append("850.217(c): packages integrated circuits")
    a.step(
        "notifiable transaction (850.217)",
        Outcome.MET if notif_hits else Outcome.NOT_MET,
        "; ".join(notif_hits) or "-",
        notifiable,
    )
    if not notif_hits:
        a.reason(
            "the target's activities are neither prohibited nor notifiable under part 850",
            notifiable,
        )
        return a.finish(Verdict.NOT_REQUIRED)
    for hit in notif_hits:
        a.crossed(hit, notifiable)
    a.reason(f"notifiable transaction: {'; '.join(notif_hits)}", notifiable)
    deadline = a.fdi_provision("us.outbound.notice_deadline")
    if deadline is not None:
        a.period("notification to the Treasury", deadline.value("length"), deadline)
    return a.finish(Verdict.MANDATORY)
