"""What an assessment says, per regime: verdict, thresholds, reasons, questions, trace.

`Assessment` is the builder the rule procedure (engine.py) uses: each provision tested records
a trace node with its citation; reasons quote the provision; questions name the missing fact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from chipcontrols.investment.engine import RegimeRules


class _Source(Protocol):
    @property
    def citation(self) -> str: ...
    @property
    def url(self) -> str | None: ...


class CitedVersion(Protocol):
    """One dated version of a provision, as an answer cites it."""

    @property
    def provision_id(self) -> str: ...
    @property
    def effective(self) -> dt.date: ...
    @property
    def source(self) -> _Source: ...
    @property
    def text(self) -> str: ...
    @property
    def confidence(self) -> str: ...
    @property
    def not_formalised(self) -> str | None: ...
    @property
    def citation(self) -> str: ...


class Verdict(StrEnum):
    MANDATORY = "mandatory_notification"
    VOLUNTARY = "voluntary_notification"
    NOT_REQUIRED = "notification_not_required"
    PROHIBITED = "prohibited"
    UNDETERMINED = "undetermined"


class Outcome(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNDETERMINED = "undetermined"
    INFO = "info"


@dataclass
class Reason:
    text: str
    provision: str | None = None
    citation: str | None = None
    quote: str | None = None
    url: str | None = None
    confidence: str = "high"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.provision,
            "citation": self.citation,
            "text": self.text,
            "quote": self.quote,
            "url": self.url,
            "confidence": self.confidence,
        }


@dataclass
class Threshold:
    """A threshold the deal crosses: `level` in `measure`, from `before` to `after`."""

    name: str
    provision: str
    citation: str
    measure: str | None = None
    level: float | None = None
    before: float | None = None
    after: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rule_id": self.provision,
            "citation": self.citation,
            "measure": self.measure,
            "level": self.level,
            "before": self.before,
            "after": self.after,
        }


@dataclass
class Question:
    field: str
    text: str
    citation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "question": self.text, "citation": self.citation}


@dataclass
class Step:
    step: str
    outcome: Outcome
    detail: str
    citation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "outcome": self.outcome.value,
            "detail": self.detail,
            "citation": self.citation,
        }


@dataclass
class Period:
    name: str
    length: str
    citation: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "length": self.length, "citation": self.citation}


@dataclass
class RegimeVerdict:
    jurisdiction: str
    regime: str
    instrument: str
    verdict: Verdict
    in_force: bool
    thresholds_crossed: list[Threshold] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    standstill: Reason | None = None
    review_periods: list[Period] = field(default_factory=list)
    trace: list[Step] = field(default_factory=list)
    provisions: list[CitedVersion] = field(default_factory=list)
    confidence: str = "high"

    @property
    def citations(self) -> list[str]:
        seen: list[str] = []
        for version in self.provisions:
            if version.citation not in seen:
                seen.append(version.citation)
        return seen

    def to_dict(self) -> dict[str, Any]:
        return {
            "jurisdiction": self.jurisdiction,
            "regime": self.regime,
            "instrument": self.instrument,
            "verdict": self.verdict.value,
            "in_force": self.in_force,
            "confidence": self.confidence,
            "thresholds_crossed": [t.to_dict() for t in self.thresholds_crossed],
            "reasons": [r.to_dict() for r in self.reasons],
            "questions": [q.to_dict() for q in self.questions],
            "standstill": self.standstill.to_dict() if self.standstill else None,
            "review_periods": [p.to_dict() for p in self.review_periods],
            "citations": self.citations,
            "trace": [s.to_dict() for s in self.trace],
        }


_RANK = {"high": 0, "medium": 1, "low": 2}


class Assessment:
    """Builder for one regime's verdict; the procedure calls it step by step."""

    def __init__(self, law: RegimeRules, as_of: dt.date) -> None:
        self.law = law
        self.as_of = as_of
        self.result = RegimeVerdict(
            jurisdiction=law.jurisdiction,
            regime=law.regime,
            instrument=law.instrument,
            verdict=Verdict.UNDETERMINED,
            in_force=True,
        )

    # ------------------------------------------------------------ law access

    def provision(self, provision_id: str) -> CitedVersion | None:
        """The version in force on the as-of date, recorded as read."""
        version = self.law.at(provision_id, self.as_of)
        if version is not None and version not in self.result.provisions:
            self.result.provisions.append(version)
            if _RANK[version.confidence] > _RANK[self.result.confidence]:
                self.result.confidence = version.confidence
        return version

    def first(self, provision_id: str) -> CitedVersion:
        """The earliest version of a provision (to cite when it is not yet in force)."""
        version = self.law.first(provision_id)
        if version not in self.result.provisions:
            self.result.provisions.append(version)
        return version

    # ------------------------------------------------------------ recording

    def step(
        self, name: str, outcome: Outcome, detail: str, version: CitedVersion | None = None
    ) -> Outcome:
        self.result.trace.append(Step(name, outcome, detail, version.citation if version else None))
        return outcome

    def reason(self, text: str, version: CitedVersion | None = None) -> None:
        if version is None:
            self.result.reasons.append(Reason(text))
            return
        self.result.reasons.append(
            Reason(
                text=text,
                provision=version.provision_id,
                citation=version.citation,
                quote=version.text,
                url=version.source.url,
                confidence=version.confidence,
            )
        )
        if version.not_formalised:
            self.result.reasons.append(
                Reason(
                    text=f"not formalised: {version.not_formalised}",
                    provision=version.provision_id,
                    citation=version.citation,
                    confidence=version.confidence,
                )
            )

    def crossed(
        self,
        name: str,
        version: CitedVersion,
        *,
        measure: str | None = None,
        level: float | None = None,
        before: float | None = None,
        after: float | None = None,
    ) -> None:
        self.result.thresholds_crossed.append(
            Threshold(name, version.provision_id, version.citation, measure, level, before, after)
        )

    def ask(self, field_name: str, text: str, version: CitedVersion | None = None) -> None:
        if any(q.field == field_name for q in self.result.questions):
            return
        self.result.questions.append(
            Question(field_name, text, version.citation if version else None)
        )

    def standstill(self, text: str, version: CitedVersion) -> None:
        self.result.standstill = Reason(
            text=text,
            provision=version.provision_id,
            citation=version.citation,
            quote=version.text,
            url=version.source.url,
            confidence=version.confidence,
        )

    def period(self, name: str, length: str, version: CitedVersion) -> None:
        self.result.review_periods.append(Period(name, length, version.citation))

    def finish(self, verdict: Verdict, *, in_force: bool = True) -> RegimeVerdict:
        self.result.verdict = verdict
        self.result.in_force = in_force
        if verdict is Verdict.UNDETERMINED and not self.result.questions:
            raise AssertionError(f"{self.law.regime}: undetermined without a question")
        return self.result
