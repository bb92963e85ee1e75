"""Licence requirements of the EU dual-use regulation and of national lists (NL, JP, GB) for
listed items: the item's classification in that jurisdiction decides, then the destination."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from chipcontrols.classification.service import Classification
from chipcontrols.determination.coverage import date_question, national_coverage
from chipcontrols.determination.ear import LineResult, combine
from chipcontrols.determination.eu_sanctions import SanctionsFinding, eu_sanctions
from chipcontrols.determination.questions import about_product, question_for, review_question
from chipcontrols.determination.record import (
    POLICY_SEVERITY,
    SEVERITY,
    ExceptionOption,
    Question,
    Reason,
    TraceNode,
    Verdict,
    unique_questions,
)
from chipcontrols.determination.transaction import Transaction
from chipcontrols.rulebook.evaluate import Facts, Status, evaluate
from chipcontrols.rulebook.rulebook import Rulebook, RulebookView


@dataclass(frozen=True)
class Regime:
    jurisdiction: str
    name: str
    citation: str
    requirement: str
    scope_note: str


REGIMES = {
    "EU": Regime(
        "EU",
        "Regulation (EU) 2021/821",
        "Regulation (EU) 2021/821, Art. 3(1) (Regulation (EC) No 428/2009, Art. 3(1), "
        "before 9 Sept. 2021)",
        "An authorisation shall be required for the export of dual-use items listed in Annex I.",
        "EU verdicts cover the Annex I entries encoded in the rulebook for the item kinds of "
        "eu.coverage.item_kinds (see chipcontrols rules coverage -j EU); catch-all controls "
        "(Arts. 4, 5, 9, 10) and national brokering or transit rules are not encoded.",
    ),
    "NL": Regime(
        "NL",
        "Regeling geavanceerde productieapparatuur voor halfgeleiders",
        "Regeling geavanceerde productieapparatuur voor halfgeleiders (Stcrt. 2023, 18212), "
        "art. 2, as amended (Sept. 2024; 1 Apr. 2025), under Art. 9 of Regulation (EU) "
        "2021/821",
        "A licence is required for the export, outside the customs territory of the Union, of the "
        "goods listed in the annex.",
        "Dutch verdicts cover the national list of advanced semiconductor production equipment "
        "as far as its annex could be encoded (see the entries' confidence).",
    ),
    "JP": Regime(
        "JP",
        "Foreign Exchange and Foreign Trade Act",
        "Foreign Exchange and Foreign Trade Act, art. 48(1); Export Trade Control Order, art. 1 "
        "and Appended Table 1, row 7; Goods Ordinance art. 6",
        "A person who intends to export goods listed in Appended Table 1 to a specified region "
        "must obtain the permission of the Minister of Economy, Trade and Industry.",
        "Japanese verdicts say whether a licence (permission) is required; whether a general "
        "bulk licence is available to a given destination is not encoded.",
    ),
    "GB": Regime(
        "GB",
        "Export Control Order 2008",
        "Export Control Order 2008 (S.I. 2008/3231), art. 4 and Schedule 3 (PL9013-PL9015 as "
        "inserted by S.I. 2024/346 and omitted by S.I. 2025/1197)",
        "The export ... of the following goods, software or technology, is prohibited to any "
        "destination [without a licence].",
        "UK verdicts cover PL9013-PL9015 (1 Apr. 2024 - 15 Dec. 2025), then 3A501.a.16, 3B501 "
        "and 4A507 from 16 Dec. 2025; the UK's Wassenaar-based dual-use list is not encoded.",
    ),
    "KR": Regime(
        "KR",
        "Foreign Trade Act (대외무역법)",
        "대외무역법 제19조 제2항; 전략물자 수출입고시, 별표 2, as amended by the 36th amendment "
        "(in force 28 Feb 2025)",
        "향후 해당 전략물자를 수출하려는 자는 산업부의 수출허가를 받아야 한다.",
        "Korean verdicts cover only the 2025 additions for chips and tools (AI chips, SEM, EUV "
        "masks, GAAFET technology), encoded from the Ministry's description with low confidence; "
        "the Wassenaar-based Korean list is not encoded.",
    ),
    "TW": Regime(
        "TW",
        "Foreign Trade Act (貿易法) - strategic high-tech commodities",
        "貿易法第13條; 戰略性高科技貨品輸出入管理辦法; "
        "SHTC entity list (ITA), update of 10 June 2025",
        "Before exporting strategic high-tech commodities to a listed entity, the exporter must "
        "obtain a strategic high-tech commodity export permit issued by the ITA.",
        "Taiwan's SHTC control lists are not encoded; the verdict covers the entity-list permit "
        "where the item is shown to be an SHTC and asks otherwise.",
    ),
    "CN": Regime(
        "CN",
        "Export Control Law of the PRC",
        "Export Control Law of the PRC (2020), art. 12; Regulations on Export Control of Dual-use "
        "Items (State Council Decree No. 792, from 1 Dec. 2024); MOFCOM/GAC Announcements 2023 "
        "No. 23, 2023 No. 39, 2024 No. 33, 2025 No. 10, 2025 No. 18; MOFCOM Announcements 2024 "
        "No. 46, 2026 No. 1",
        "出口管制清单所列管制物项或者临时管制物项，出口经营者应当向国家出口管制管理部门申请许可。",
        "Chinese verdicts cover gallium and germanium materials (from 1 Dec. 2020) and antimony "
        "materials (from 15 Sept. 2024) completely; graphite, rare-earth, indium, tellurium and "
        "diamond-window entries are encoded but not complete; the rest of China's dual-use list, "
        "technologies and equipment, the catch-all of art. 12(3), and screening against the "
        "Unreliable Entity List and the export-control control list are not encoded.",
    ),
}


def applicable_regimes(txn: Transaction, rulebook: Rulebook, as_of: dt.date) -> list[str]:
    """Which non-US regimes govern this export: the exporter's jurisdiction decides."""
    out: list[str] = []
    if txn.export_from in rulebook.members("eu.lists.member_states", as_of):
        out.append("EU")
    if txn.export_from in ("NL", "JP", "GB", "KR", "TW", "CN"):
        out.append(txn.export_from)
    return out


def determine_listed(
    regime: Regime,
    txn: Transaction,
    classifications: list[Classification],
    rulebook: Rulebook,
) -> Verdict:
    as_of = classifications[0].as_of
    coverage = national_coverage(rulebook, regime.jurisdiction, as_of)
    if not coverage.dated:
        since = f"from {coverage.start}" if coverage.start else "for no date"
        verdict = Verdict(
            regime.jurisdiction,
            "undetermined",
            reasons=[
                Reason(
                    f"{regime.jurisdiction.lower()}.coverage",
                    coverage.citation or regime.citation,
                    f"The rulebook encodes {regime.name} {since}; the law in force on {as_of} is "
                    "not encoded, so no answer is given.",
                )
            ],
            questions=[date_question(coverage)],
            scope_note=regime.scope_note,
            coverage=coverage.to_dict(),
            trace=[coverage.trace()],
        )
        return verdict
    view = rulebook.at(as_of)
    eu_members = rulebook.members("eu.lists.member_states", as_of)
    findings = (
        eu_sanctions(rulebook, view, txn, classifications) if regime.jurisdiction == "EU" else []
    )
    lines: list[LineResult] = []
    for index, classification in enumerate(classifications):
        item = classification.item
        name = item.name or item.product or item.kind
        result = LineResult(index=index, name=name, verdict="undetermined")
        mine = [e for e in classification.entries if e.jurisdiction == regime.jurisdiction]
        met = [e for e in mine if e.status is Status.MET]
        open_ = [e for e in mine if e.status is Status.UNDETERMINED]
        node = TraceNode(
            f"{regime.jurisdiction} list",
            regime.citation,
            ", ".join(e.entry for e in met) or ("undetermined" if open_ else "not listed"),
            inputs={
                "entries_met": [e.entry for e in met],
                "entries_undetermined": [e.entry for e in open_],
            },
        )
        result.trace.append(node)
        inside_eu = txn.destination in eu_members and regime.jurisdiction in ("EU", "NL")
        domestic = txn.destination == txn.export_from or txn.transfer == "in_country"
        if domestic or inside_eu:
            result.verdict = "no_licence_required"
            where = "within the Union" if inside_eu else "within the country"
            result.reasons.append(
                Reason(
                    f"{regime.jurisdiction.lower()}.export",
                    regime.citation,
                    f"The transfer stays {where}: the export requirement does not apply.",
                )
            )
            lines.append(result)
            continue
        if met:
            result.verdict = "licence_required"
            for entry in met:
                result.reasons.append(
                    Reason(
                        entry.id,
                        entry.citation,
                        f"{entry.entry} ({entry.title}) is met: {regime.requirement}",
                        entry.url,
                        entry.not_formalised,
                    )
                )
            if regime.jurisdiction == "EU":
                _eu001(result, txn, rulebook, as_of)
        elif open_:
            result.verdict = "undetermined"
            for entry in open_:
                for param in entry.missing:
                    result.questions.append(
                        about_product(
                            question_for(param, rulebook, rule_id=entry.id), item.product, param
                        )
                    )
                if entry.not_formalised and not entry.missing:
                    result.questions.append(
                        question_for(f"not_formalised:{entry.id}", rulebook, rule_id=entry.id)
                    )
            result.reasons.append(
                Reason(
                    f"{regime.jurisdiction.lower()}.classification",
                    regime.citation,
                    "Whether the item is listed turns on facts not given: "
                    + ", ".join(e.entry for e in open_),
                )
            )
        elif item.kind not in coverage.classifications:
            result.verdict = "undetermined"
            result.questions.append(
                Question(
                    f"listed:{regime.jurisdiction}",
                    f"Is the item listed under {regime.name} outside the entries the rulebook "
                    f"encodes? {regime.scope_note}",
                    "items[].item",
                    f"{regime.jurisdiction.lower()}.classification",
                )
            )
            result.reasons.append(
                Reason(
                    f"{regime.jurisdiction.lower()}.classification",
                    regime.citation,
                    "The encoded entries do not cover this kind of item under this instrument; "
                    "whether it is listed elsewhere in it is not known.",
                    note=regime.scope_note,
                )
            )
        elif not mine:
            result.verdict = "no_licence_required"
            result.reasons.append(
                Reason(
                    f"{regime.jurisdiction.lower()}.classification",
                    regime.citation,
                    f"No {regime.jurisdiction} entry in force on {as_of} applies to this kind "
                    "of item.",
                    note=regime.scope_note,
                )
            )
        else:
            result.verdict = "no_licence_required"
            result.reasons.append(
                Reason(
                    f"{regime.jurisdiction.lower()}.classification",
                    regime.citation,
                    "The item meets none of the encoded entries: "
                    + ", ".join(e.entry for e in mine),
                    note=regime.scope_note,
                )
            )
        _apply_findings(result, [f for f in findings if f.line == index])
        _apply_shipment_rules(result, regime, rulebook, view, txn, classification)
        result.questions = unique_questions(result.questions)
        lines.append(result)
    return combine(regime.jurisdiction, lines, regime.scope_note, coverage)


def _apply_findings(result: LineResult, findings: list[SanctionsFinding]) -> None:
    """Regulation 833/2014: a prohibition overrides the Annex I verdict; an undetermined
    finding keeps the line from being free; a flag is a contract obligation to notice."""
    for finding in findings:
        reason = Reason(finding.rule_id, finding.citation, finding.text, finding.url)
        if finding.outcome == "prohibited":
            result.verdict = "prohibited"
            result.reasons.append(reason)
        elif finding.outcome == "undetermined":
            result.questions.extend(finding.questions)
            if result.verdict in ("no_licence_required", "not_subject"):
                result.verdict = "undetermined"
            result.reasons.append(reason)
        else:
            reason.note = "A contractual obligation, not a licence requirement."
            result.reasons.append(reason)
            result.questions.extend(finding.questions)


def _line_facts(
    regime: Regime, rulebook: Rulebook, txn: Transaction, classification: Classification
) -> Facts:
    """The shipment facts a jurisdiction's own destination and end-use rules read."""
    values: dict[str, Any] = {"destination_groups": frozenset({txn.destination})}
    if txn.end_uses is not None:
        values["end_uses"] = txn.end_uses
    receiving = [
        p for p in txn.parties if p.role in ("end_user", "ultimate_consignee", "purchaser")
    ]
    if receiving and all(p.headquarters for p in receiving):
        values["end_user_hq_groups"] = frozenset(
            c for p in receiving for c in (p.headquarters, p.ultimate_parent_country) if c
        )
    mine = [e for e in classification.entries if e.jurisdiction == regime.jurisdiction]
    met = [e for e in mine if e.status is Status.MET]
    if met:
        values["item_cn_listed"] = True
    elif not any(e.status is Status.UNDETERMINED for e in mine):
        values["item_cn_listed"] = False
    families = {rulebook.entries[e.id].family for e in met if e.id in rulebook.entries}
    if met or "item_cn_listed" in values:
        values["item_cn_families"] = frozenset(families)
    return Facts(values)


def _apply_shipment_rules(
    result: LineResult,
    regime: Regime,
    rulebook: Rulebook,
    view: RulebookView,
    txn: Transaction,
    classification: Classification,
) -> None:
    """The jurisdiction's destination and end-use rules (e.g. China's measures against named
    countries): a met rule gives its verdict (prohibited beats licence required); an
    undetermined one asks its facts and keeps the line from being free."""
    rules = [
        f
        for f in view.in_force.values()
        if f.entry.jurisdiction == regime.jurisdiction
        and "shipment" in f.entry.applies_to
        and f.version.effect is not None
        and f.version.effect.verdict in ("licence_required", "prohibited")
        and f.version.condition is not None
        and not f.entry.family.startswith("eu.sanctions_833")
    ]
    if not rules or txn.destination == txn.export_from:
        return
    facts = _line_facts(regime, rulebook, txn, classification)
    for in_force in rules:
        version = in_force.version
        assert version.condition is not None and version.effect is not None
        explanation = evaluate(version.condition, facts, lambda *_: None)
        status = explanation.status
        if status is Status.NOT_MET:
            continue
        result.trace.append(
            TraceNode(
                f"{in_force.entry.entry}: {in_force.entry.title}",
                version.source.citation,
                status.value,
            )
        )
        if status is Status.MET:
            verdict = version.effect.verdict or "licence_required"
            if SEVERITY[verdict] > SEVERITY.get(result.verdict, 0) or result.verdict in (
                "no_licence_required",
                "licence_exception_available",
            ):
                result.verdict = verdict
            policy = version.effect.review_policy
            if policy and POLICY_SEVERITY.get(policy, 0) > POLICY_SEVERITY.get(
                result.review_policy or "", -1
            ):
                result.review_policy = policy
            result.reasons.append(
                Reason(
                    in_force.entry.id,
                    version.source.citation,
                    f'{in_force.entry.entry} ({in_force.entry.title}): "{version.text}"',
                    version.source.url,
                    version.not_formalised,
                )
            )
        else:
            for param in explanation.all_missing():
                result.questions.append(question_for(param, rulebook, rule_id=in_force.entry.id))
            if not explanation.all_missing():
                result.questions.append(review_question(in_force.entry, version))
            if result.verdict in ("no_licence_required", "not_subject"):
                result.verdict = "undetermined"


def _eu001(result: LineResult, txn: Transaction, rulebook: Rulebook, as_of: dt.date) -> None:
    dated = rulebook.lists.get("eu.lists.eu001_destinations")
    if dated is None:
        return
    version = dated.version_at(as_of)
    if version is None or txn.destination not in version.members:
        return
    result.verdict = "licence_exception_available"
    result.exceptions.append(
        ExceptionOption(
            "EU001",
            "eu.lists.eu001_destinations",
            version.source.citation,
            "Union general export authorisation EU001: register before first use and declare "
            "it in the customs declaration; not usable where the exporter has been informed of "
            "or knows of a WMD or military end use, or for items in Annex II Section I.",
        )
    )
