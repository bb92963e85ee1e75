"""UK: National Security and Investment Act 2021.

Steps, in the Act's order: is the Act in force (commencement; s. 2(4) for earlier trigger
events)? is the target a qualifying entity (s. 7)? does the acquirer gain control (s. 8(2),
(5), (6), (8); s. 9 for assets)? is the entity of a specified description (SI 2021/1264)
so that the acquisition is notifiable (s. 6(2)) and needs approval before completion
(ss. 13, 14)? Otherwise the Secretary of State can call the trigger event in (s. 1).
"""

from __future__ import annotations

import datetime as dt

from chipcontrols.investment.deal import Deal
from chipcontrols.investment.lawdata import FdiLaw
from chipcontrols.investment.regimes.common import add_months, exceeded, matching, pct
from chipcontrols.investment.result import Assessment, Outcome, RegimeVerdict, Verdict

REGIME = "UK-NSI"


def _band_crossed(before: float, after: float, level: float, strict: bool) -> bool:
    # strict: "from L% or less to more than L%"; otherwise "from less than L% to L% or more"
    return exceeded(before, after, level) if strict else before < level <= after


def _specified_description(a: Assessment, deal: Deal) -> Outcome:
    """SI 2021/1264: Schedules 1 (semiconductors), 6 (computing hardware), 12 (dual-use)."""
    target = deal.target
    outcomes: list[Outcome] = []

    sch1 = a.fdi_provision("uk.nsi.sector.advanced_materials")
    if sch1 is not None:
        hits = matching(deal, sch1.value("activities"))
        outcome = Outcome.MET if hits else Outcome.NOT_MET
        a.step(
            "Sch. 1 (advanced materials: semiconductors)",
            outcome,
            f"target activities {hits or sorted(target.activities)}",
            sch1,
        )
        if hits:
            a.reason(
                f"the target's activities ({', '.join(hits)}) fall within Sch. 1, sector (7) "
                "semiconductors",
                sch1,
            )
        outcomes.append(outcome)

    sch6 = a.fdi_provision("uk.nsi.sector.computing_hardware")
    if sch6 is not None:
        ip = matching(deal, sch6.value("ip_activities"))
        fab = matching(deal, sch6.value("fab_activities"))
        products = sorted(target.products & set(sch6.value("products")))
        if "memory" in target.activities:
            products = sorted({*products, "memory"})
        if (ip or fab) and products:
            outcome = Outcome.MET
            a.reason(
                f"the target's {', '.join(ip + fab)} relates to {', '.join(products)} "
                "(Sch. 6, computing hardware)",
                sch6,
            )
        elif (ip or fab) and not target.products:
            outcome = Outcome.UNDETERMINED
            a.ask(
                "target.products",
                "Which chips does the target design, make or package "
                "(processors and memory fall within Sch. 6)?",
                sch6,
            )
        else:
            outcome = Outcome.NOT_MET
        a.step(
            "Sch. 6 (computing hardware)",
            outcome,
            f"activities {ip + fab}, products {sorted(target.products)}",
            sch6,
        )
        outcomes.append(outcome)

    sch12 = a.fdi_provision("uk.nsi.sector.military_dual_use")
    if sch12 is not None:
        flags = (target.dual_use_controlled, target.military_items)
        if True in flags:
            outcome = Outcome.MET
            a.reason(
                "the target develops or produces restricted (controlled) goods or "
                "technology (Sch. 12, military and dual-use)",
                sch12,
            )
        elif flags == (False, False):
            outcome = Outcome.NOT_MET
        else:
            outcome = Outcome.UNDETERMINED
            a.ask(
                "target.dual_use_controlled",
                "Does the target research, develop or produce "
                "goods or technology on the UK dual-use or military control lists?",
                sch12,
            )
        a.step(
            "Sch. 12 (military and dual-use)",
            outcome,
            f"dual_use_controlled={target.dual_use_controlled}, "
            f"military_items={target.military_items}",
            sch12,
        )
        outcomes.append(outcome)

    if Outcome.MET in outcomes:
        return Outcome.MET
    if Outcome.UNDETERMINED in outcomes:
        return Outcome.UNDETERMINED
    return Outcome.NOT_MET


def assess(deal: Deal, as_of: dt.date, law: FdiLaw) -> RegimeVerdict:
    a = Assessment(law.regime(REGIME), as_of)
    trigger_date = deal.date or as_of

    # Is the Act in force?
    start = a.fdi_provision("uk.nsi.commencement")
    if start is None:
        first = a.fdi_first("uk.nsi.commencement")
        a.step("Act in force", Outcome.NOT_MET, f"commences {first.effective}", first)
        a.reason(
            f"regime not in force on {as_of}: the Act commences on {first.effective}; the "
            f"{first.value('previous_regime')} applied",
            first,
        )
        retro = a.fdi_first("uk.nsi.retrospective_call_in")
        if trigger_date >= dt.date.fromisoformat(retro.value("window_start")):
            a.reason(
                "once the Act commences, a trigger event on or after 12 November 2020 can "
                "be called in (s. 2(4))",
                retro,
            )
        return a.finish(Verdict.NOT_REQUIRED, in_force=False)
    a.step("Act in force", Outcome.MET, f"since {start.effective}", start)
    commencement = start.effective

    # Qualifying entity (s. 7).
    qe = a.fdi_provision("uk.nsi.qualifying_entity")
    qualifying = Outcome.MET
    if deal.target.country == "GB" or deal.target.uk_activities:
        a.step(
            "qualifying entity (s. 7)",
            Outcome.MET,
            "formed in the UK"
            if deal.target.country == "GB"
            else "carries on activities in / supplies goods or services to the UK",
            qe,
        )
    elif deal.target.uk_activities is False:
        a.step(
            "qualifying entity (s. 7)",
            Outcome.NOT_MET,
            "foreign entity without UK activities or supplies",
            qe,
        )
        a.reason("the target is not a qualifying entity: no UK activities or supplies", qe)
        return a.finish(Verdict.NOT_REQUIRED)
    else:
        qualifying = Outcome.UNDETERMINED
        a.step("qualifying entity (s. 7)", Outcome.UNDETERMINED, "UK activities not stated", qe)
        a.ask(
            "target.uk_activities",
            "Does the target carry on activities in the UK or supply "
            "goods or services to persons in the UK?",
            qe,
        )

    # Gaining control (s. 8) or control of assets (s. 9).
    cases: list[str] = []
    stake = deal.stake
    if deal.structure == "asset_deal":
        s9 = a.fdi_provision("uk.nsi.control.assets")
        a.step("control of a qualifying asset (s. 9)", Outcome.MET, "asset deal", s9)
        a.reason(
            "an asset deal gives control of qualifying assets (s. 9): a trigger event "
            "that can be called in, never a notifiable acquisition",
            s9,
        )
        cases.append("9")
    else:
        for pid, measure, before, after, case in (
            (
                "uk.nsi.control.shares",
                "shares",
                stake.shares_before_pct,
                stake.shares_after_pct,
                "8(2)",
            ),
            (
                "uk.nsi.control.votes",
                "voting rights",
                stake.votes_before_pct,
                stake.votes_after_pct,
                "8(5)",
            ),
        ):
            version = a.fdi_provision(pid)
            assert version is not None
            for band in version.value("bands"):
                if _band_crossed(before, after, band["level"], band["strict"]):
                    a.crossed(
                        band["label"],
                        version,
                        measure=measure,
                        level=band["level"],
                        before=before,
                        after=after,
                    )
                    if case not in cases:
                        cases.append(case)
            a.step(
                f"s. {case}: {measure}",
                Outcome.MET if case in cases else Outcome.NOT_MET,
                f"{pct(before)} -> {pct(after)}",
                version,
            )
        s86 = a.fdi_provision("uk.nsi.control.resolutions")
        assert s86 is not None
        if deal.rights.resolution_control:
            cases.append("8(6)")
            a.crossed("s. 8(6): votes that secure or prevent a class of resolution", s86)
        a.step(
            "s. 8(6): resolutions",
            Outcome.MET
            if "8(6)" in cases
            else Outcome.NOT_MET
            if deal.rights.resolution_control is False or cases
            else Outcome.UNDETERMINED,
            f"resolution_control={deal.rights.resolution_control}",
            s86,
        )
        s88 = a.fdi_provision("uk.nsi.control.material_influence")
        assert s88 is not None
        if deal.rights.material_influence and not cases:
            cases.append("8(8)")
            a.crossed("s. 8(8): material influence over policy", s88)
        if not cases:
            missing = [
                f
                for f, v in (
                    ("rights.material_influence", deal.rights.material_influence),
                    ("rights.resolution_control", deal.rights.resolution_control),
                )
                if v is None
            ]
            if missing and stake.votes_after_pct + stake.shares_after_pct > 0:
                a.step(
                    "gaining control (s. 8)",
                    Outcome.UNDETERMINED,
                    "no share or vote band crossed; influence not stated",
                    s88,
                )
                a.reason(
                    "no band of s. 8(2) or (5) is crossed; a trigger event arises only if the "
                    "acquirer gains material influence or resolution power",
                    s88,
                )
                a.ask(
                    "rights.material_influence",
                    "Does the acquisition enable the acquirer "
                    "materially to influence the policy of the target (s. 8(8))?",
                    s88,
                )
                if "rights.resolution_control" in missing:
                    a.ask(
                        "rights.resolution_control",
                        "Do the votes acquired let the acquirer "
                        "secure or prevent the passage of any class of resolution (s. 8(6))?",
                        s86,
                    )
                return a.finish(Verdict.UNDETERMINED)
            a.step("gaining control (s. 8)", Outcome.NOT_MET, "no case of s. 8 arises", s88)
            a.reason("no trigger event: the acquirer does not gain control within s. 8", s88)
            return a.finish(Verdict.NOT_REQUIRED)

    # Before commencement: no mandatory notification; call-in under s. 2(4) only.
    window = a.fdi_provision("uk.nsi.retrospective_call_in")
    assert window is not None
    if trigger_date < commencement:
        if trigger_date < dt.date.fromisoformat(window.value("window_start")):
            a.step(
                "trigger event within the Act's reach",
                Outcome.NOT_MET,
                f"{trigger_date} is before 12 November 2020",
                window,
            )
            a.reason(
                f"the trigger event on {trigger_date} predates 12 November 2020 and cannot "
                "be called in under the Act",
                window,
            )
            return a.finish(Verdict.NOT_REQUIRED)
        latest = add_months(
            commencement, window.value("months_after_commencement_if_aware_before")
        ) - dt.timedelta(days=1)
        a.step(
            "trigger event before commencement (s. 2(4))",
            Outcome.MET,
            f"trigger event {trigger_date}; call-in by {latest} if the Secretary of State knew "
            "of it before commencement",
            window,
        )
        a.reason(
            f"the trigger event on {trigger_date} took place before commencement: no "
            "mandatory notification, but it can be called in under s. 2(4) (by "
            f"{latest} if the Secretary of State was aware of it before commencement, "
            "otherwise within 6 months of becoming aware and 5 years of commencement)",
            window,
        )
        if qualifying is Outcome.UNDETERMINED:
            return a.finish(Verdict.UNDETERMINED)
        _periods(a, mandatory=False)
        return a.finish(Verdict.VOLUNTARY)

    # Notifiable acquisition (s. 6(2)): a case of s. 8(2), (5) or (6) and a specified description.
    notifiable_cases = [c for c in cases if c in ("8(2)", "8(5)", "8(6)")]
    notif = a.fdi_provision("uk.nsi.notifiable")
    if notifiable_cases:
        sector = _specified_description(a, deal)
        a.step(
            "notifiable acquisition (s. 6(2))",
            sector,
            f"cases {', '.join(notifiable_cases)}; specified description {sector.value}",
            notif,
        )
        if sector is Outcome.MET and qualifying is Outcome.MET:
            a.reason(
                f"notifiable acquisition: control gained under s. {', '.join(notifiable_cases)}"
                " of an entity of a specified description; a mandatory notice must be given "
                "before completion (s. 14(1))",
                notif,
            )
            approval = a.fdi_provision("uk.nsi.approval")
            assert approval is not None
            a.standstill(
                "completion must wait for approval; a notifiable acquisition completed "
                "without approval is void (s. 13(1))",
                approval,
            )
            _periods(a, mandatory=True)
            return a.finish(Verdict.MANDATORY)
        if Outcome.UNDETERMINED in (sector, qualifying) and sector is not Outcome.NOT_MET:
            a.reason(
                "whether the acquisition is notifiable turns on the facts asked below; "
                "either way the Secretary of State can call it in (s. 1)",
                notif,
            )
            return a.finish(Verdict.UNDETERMINED)
    a.reason(
        f"a trigger event (s. {', '.join(cases)}) that is not notifiable: the Secretary of "
        "State can call it in (s. 1) within the limits of s. 2(2); a voluntary notice "
        "(s. 18) gives certainty",
        notif,
    )
    limits = a.fdi_provision("uk.nsi.call_in_limits")
    if limits is not None and as_of > add_months(
        trigger_date, 12 * limits.value("years_after_trigger")
    ):
        a.reason(
            f"more than 5 years have passed since the trigger event on {trigger_date}: it "
            "can no longer be called in (s. 2(2)(b))",
            limits,
        )
        return a.finish(Verdict.NOT_REQUIRED)
    if qualifying is Outcome.UNDETERMINED:
        return a.finish(Verdict.UNDETERMINED)
    _periods(a, mandatory=False)
    return a.finish(Verdict.VOLUNTARY)


def _periods(a: Assessment, *, mandatory: bool) -> None:
    review = a.fdi_provision("uk.nsi.review_period")
    assessment = a.fdi_provision("uk.nsi.assessment_period")
    if review is not None:
        a.period(
            "review of a mandatory notice" if mandatory else "review of a voluntary notice",
            review.value("length"),
            review,
        )
    if assessment is not None:
        a.period("assessment after a call-in notice", assessment.value("length"), assessment)
