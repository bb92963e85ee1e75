"""EU Russia sanctions (Council Regulation (EU) No 833/2014) for each item line: the shipment
rules of law/eu/sanctions_833/ (Art. 2, Art. 2a with Annex VII, Art. 12g) evaluated over the
line's facts. Pure: no I/O; the law, its dates and citations are in the rulebook."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from chipcontrols.classification.service import Classification
from chipcontrols.determination.questions import question_for
from chipcontrols.determination.record import Question
from chipcontrols.determination.transaction import Transaction
from chipcontrols.rulebook.evaluate import Facts, Status, any_of, evaluate, status_of
from chipcontrols.rulebook.rulebook import Rulebook, RulebookView

FAMILY = "eu.sanctions_833."
COVERAGE = "eu.coverage.item_kinds"
MEMBERS = "eu.lists.member_states"


@dataclass(frozen=True)
class SanctionsFinding:
    """One rule's outcome for one line: 'prohibited', 'flag' (a contract obligation to notice)
    or 'undetermined' (with the questions that would decide it)."""

    line: int
    rule_id: str
    citation: str
    text: str
    outcome: str
    url: str | None = None
    questions: list[Question] = field(default_factory=list)


def _annex_i(view: RulebookView, classification: Classification, covered: set[str]) -> bool | None:
    mine = [e for e in classification.entries if e.jurisdiction == "EU"]
    if any(e.status is Status.MET for e in mine):
        return True
    if any(e.status is Status.UNDETERMINED for e in mine):
        return None
    return False if classification.item.kind in covered else None


def line_facts(
    rulebook: Rulebook,
    view: RulebookView,
    txn: Transaction,
    index: int,
    classification: Classification,
) -> Facts:
    """The shipment facts the sanctions rules read, for one line."""
    coverage = rulebook.lists.get(COVERAGE)
    version = coverage.version_at(view.as_of) if coverage is not None else None
    covered = set(version.members) if version is not None else set()
    values: dict[str, object] = {"destination_groups": frozenset({txn.destination})}
    annex_i = _annex_i(view, classification, covered)
    if annex_i is not None:
        values["item_eu_annex_i"] = annex_i
    vii = classification.item.values.get("eu_833_annex_vii")
    if vii is not None:
        values["item_eu_833_annex_vii"] = bool(vii)
    line = txn.lines[index]
    if line.hts_code is not None:
        code = line.hts_code
        values["item_hts_codes"] = frozenset({code[:2], code[:4], code[:6]})
    return Facts(values)


def eu_sanctions(
    rulebook: Rulebook,
    view: RulebookView,
    txn: Transaction,
    classifications: Sequence[Classification],
) -> list[SanctionsFinding]:
    """Findings of the Regulation 833/2014 rules in force on the view's date for an export
    from a Member State; [] when the rules do not reach the transaction."""
    members = rulebook.members(MEMBERS, view.as_of)
    if txn.export_from not in members or txn.destination in members:
        return []
    rules = sorted(i for i in view.in_force if i.startswith(FAMILY))
    out: list[SanctionsFinding] = []
    for index, classification in enumerate(classifications):
        facts = line_facts(rulebook, view, txn, index, classification)

        def resolve(
            entry_id: str, _facts: Facts, classification: Classification = classification
        ) -> Status | None:
            found = [
                classification.status_of(one)
                for one in view.expand(entry_id)
                if classification.status_of(one) is not None
            ]
            return any_of([s for s in found if s is not None]) if found else None

        for rule_id in rules:
            in_force = view.in_force[rule_id]
            version = in_force.version
            if version.condition is None or version.effect is None:
                continue
            status = status_of(version.condition, facts, resolve)
            if status is Status.NOT_MET:
                continue
            flag = version.effect.verdict is None
            # A contract clause (a flag) never changes the verdict, decided or not.
            outcome = (
                "flag"
                if flag
                else ("undetermined" if status is Status.UNDETERMINED else "prohibited")
            )
            questions: list[Question] = []
            if status is Status.UNDETERMINED:
                explained = evaluate(version.condition, facts, lambda _e, _f: None)
                questions = [
                    question_for(param, rulebook, rule_id=rule_id)
                    for param in explained.all_missing()
                ]
                if version.not_formalised:
                    questions.append(
                        question_for(f"not_formalised:{rule_id}", rulebook, rule_id=rule_id)
                    )
            out.append(
                SanctionsFinding(
                    index,
                    rule_id,
                    version.source.citation,
                    version.text or in_force.entry.title,
                    outcome,
                    version.source.url,
                    questions,
                )
            )
    return out
