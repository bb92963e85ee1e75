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
from chipcontrols.rulebook.schema import DatedList


@dataclass(frozen=True)
class Regime:
    """A jurisdiction's licence requirement as its law file (`<code>.regime`) states it."""

    jurisdiction: str
    name: str
    citation: str
    requirement: str
    scope_note: str
    # A regime whose quoted requirement reaches only listed parties names the list here
    # (member 'parties:<list id>' of its regime list): a listed item then needs the licence
    # only for such a party, and is undetermined otherwise.
    party_list: str | None = None


_PARTIES = "parties:"


def regime(rulebook: Rulebook, code: str, as_of: dt.date) -> Regime:
    """The regime's version in force on the date (its first version before it begins)."""
    found = _regime_list(rulebook, code)
    version = found.version_at(as_of) or found.versions[0]
    party_list = next(
        (m.removeprefix(_PARTIES) for m in sorted(version.members) if m.startswith(_PARTIES)),
        None,
    )
    return Regime(
        code, found.name, version.source.citation, version.text, version.notes or "", party_list
    )


def regime_codes(rulebook: Rulebook) -> list[str]:
    """The jurisdictions whose regime the rulebook encodes (a `<code>.regime` list file)."""
    return sorted({d.jurisdiction for d in rulebook.lists.values() if d.family.endswith(".regime")})


def _regime_list(rulebook: Rulebook, code: str) -> DatedList:
    for dated in rulebook.lists.values():
        if dated.family.endswith(".regime") and dated.jurisdiction == code:
            return dated
    raise KeyError(f"no regime list for {code}")


def applicable_regimes(txn: Transaction, rulebook: Rulebook, as_of: dt.date) -> list[str]:
    """Which non-US regimes govern this export: the exporter's jurisdiction decides (the EU's
    for its member states, and a national one where the rulebook encodes it)."""
    out: list[str] = []
    if txn.export_from in rulebook.members("eu.lists.member_states", as_of):
        out.append("EU")
    if txn.export_from != "EU" and txn.export_from in regime_codes(rulebook):
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
        if (
            met
            and regime.party_list is not None
            and not _listed_party(regime.party_list, txn, rulebook, as_of)
        ):
            # The requirement reaches listed parties only: for others the rulebook does not
            # know whether a licence is needed (asked, never free).
            result.verdict = "undetermined"
            listed = rulebook.lists[regime.party_list]
            result.questions.append(
                Question(
                    f"listed_party:{regime.party_list}",
                    f"Is a party to this export on {listed.name}, or does {regime.name} require "
                    f"a licence for this item to {txn.destination} anyway? The item is listed "
                    f"({', '.join(e.entry for e in met)}); the rulebook encodes the licence "
                    "requirement only for listed parties.",
                    "parties[]",
                    f"{regime.jurisdiction.lower()}.classification",
                )
            )
            result.reasons.append(
                Reason(
                    f"{regime.jurisdiction.lower()}.classification",
                    regime.citation,
                    f"The item is listed ({', '.join(e.entry for e in met)}), but no party is on "
                    f"{listed.name} as encoded: {regime.requirement}",
                    note=regime.scope_note,
                )
            )
        elif met:
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


def _listed_party(list_id: str, txn: Transaction, rulebook: Rulebook, as_of: dt.date) -> bool:
    """Whether a party's name (or alias) is a member of the list on the date (case and spacing
    folded; the list names the parties as announced)."""

    def fold(name: str) -> str:
        return " ".join(name.casefold().split())

    members = {fold(m) for m in rulebook.members(list_id, as_of)}
    return any(
        fold(name) in members for party in txn.parties for name in (party.name, *party.aliases)
    )


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
