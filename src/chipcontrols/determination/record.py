"""The determination record: one verdict per jurisdiction, with reasons, questions and trace."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chipcontrols.rulebook.evaluate import Explanation, References

VERDICTS = (
    "not_subject",
    "no_licence_required",
    "licence_required",
    "licence_exception_available",
    "prohibited",
    "notification_required",
    "undetermined",
)
# Most restrictive first: a transaction's verdict is the strictest of its lines'.
SEVERITY = {
    "prohibited": 6,
    "licence_required": 5,
    "undetermined": 4,
    "licence_exception_available": 3,
    "notification_required": 2,
    "no_licence_required": 1,
    "not_subject": 0,
}
POLICY_SEVERITY = {
    "denial": 5,
    "presumption_of_denial": 4,
    "as_listed": 3,
    "case_by_case": 2,
    "presumption_of_approval": 1,
    "approval": 0,
}


@dataclass
class Reason:
    rule_id: str
    citation: str
    text: str
    url: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule_id": self.rule_id,
            "citation": self.citation,
            "text": self.text,
        }
        if self.url:
            out["url"] = self.url
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class Question:
    id: str
    text: str
    field: str
    rule_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "field": self.field, "rule_id": self.rule_id}


def unique_questions(questions: list[Question]) -> list[Question]:
    """Each question once (by id), in the order first asked."""
    seen: set[str] = set()
    out = []
    for question in questions:
        if question.id not in seen:
            seen.add(question.id)
            out.append(question)
    return out


@dataclass(slots=True)
class TraceNode:
    """One step of a procedure: what it read, what it decided, under which provision.

    `explain` evaluates the condition tree with its explanation only when the trace is read.
    """

    step: str
    citation: str
    outcome: str
    detail: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    children: list[TraceNode] = field(default_factory=list)
    explain: Callable[[], Explanation] | None = None

    def to_dict(self, refs: References | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "step": self.step,
            "citation": self.citation,
            "outcome": self.outcome,
        }
        if self.detail:
            out["detail"] = self.detail
        if self.inputs:
            out["inputs"] = self.inputs
        if self.explain is not None:
            out["conditions"] = self.explain().lines(0, refs)
        if self.children:
            out["children"] = [c.to_dict(refs) for c in self.children]
        return out

    def lines(self, indent: int = 0) -> list[str]:
        pad = "  " * indent
        out = [
            f"{pad}{self.step} [{self.citation}]: {self.outcome}"
            + (f" - {self.detail}" if self.detail else "")
        ]
        if self.explain is not None:
            out.extend(self.explain().lines(indent + 1))
        for child in self.children:
            out.extend(child.lines(indent + 1))
        return out


@dataclass
class ExceptionOption:
    name: str
    rule_id: str
    citation: str
    conditions: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rule_id": self.rule_id,
            "citation": self.citation,
            "conditions": self.conditions,
        }


@dataclass
class Verdict:
    jurisdiction: str
    verdict: str
    review_policy: str | None = None
    licence_exceptions: list[ExceptionOption] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    trace: list[TraceNode] = field(default_factory=list)
    scope_note: str | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)
    # The dates, steps and classifications of the encoded law this verdict rests on.
    coverage: dict[str, Any] | None = None

    def to_dict(self, refs: References | None = None) -> dict[str, Any]:
        return {
            "coverage": self.coverage,
            "jurisdiction": self.jurisdiction,
            "verdict": self.verdict,
            "review_policy": self.review_policy,
            "licence_exceptions": [e.to_dict() for e in self.licence_exceptions],
            "reasons": [r.to_dict() for r in self.reasons],
            "questions": [q.to_dict() for q in self.questions],
            "scope_note": self.scope_note,
            "lines": self.lines,
            "trace": [t.to_dict(refs) for t in self.trace],
        }


@dataclass
class Determination:
    as_of: dt.date
    rulebook_version: str
    engine_version: str
    list_snapshots: list[dict[str, Any]]
    inputs: Mapping[str, Any]
    verdicts: list[Verdict]
    screening: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        # Each referenced entry's explanation once for the record, not once per step.
        refs = References()
        verdicts = [v.to_dict(refs) for v in self.verdicts]
        return {
            "as_of": self.as_of.isoformat(),
            "rulebook_version": self.rulebook_version,
            "engine_version": self.engine_version,
            "list_snapshots": self.list_snapshots,
            "verdicts": verdicts,
            "references": refs.entries,
            "screening": self.screening,
            "inputs": jsonable(self.inputs),
        }

    def verdict_for(self, jurisdiction: str) -> Verdict | None:
        for verdict in self.verdicts:
            if verdict.jurisdiction == jurisdiction:
                return verdict
        return None


def jsonable(value: Any) -> Any:
    """Inputs as JSON values (YAML dates become ISO strings)."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
