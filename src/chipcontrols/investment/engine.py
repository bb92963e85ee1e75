"""Investment rules as condition trees over deal facts, evaluated by the rulebook's engine.

A regime's law is one rule file, `law/fdi/<regime>.yaml` (format: docs/law-format.md, kind
`deal`). Each entry is a provision; each version carries its citation, quote, confidence and
a condition over the deal facts of `law/parameters/deal.yaml`; the version's `effect.step`
says what part the provision plays in the procedure below:

- `scope`      every scope provision must be met (in file order). The first one's versions
               date the regime: before its first version the regime is not in force.
- `trigger`    the acquisition activities; at least one must be met (if the file has any).
- `prohibited` met: the acquisition is prohibited.
- `mandatory`  met: a notification, application or report is mandatory.
- `voluntary`  met: no duty, but the authority can review (call-in); parties may notify.
- `standstill` quoted when a mandatory provision is met (the acquisition must wait).
- `period`     a review period, named by the entry's title, its length in the version's
               `notes`; listed when a mandatory or voluntary provision is met.
- `info`       quoted as a reason when met (e.g. a power to intervene without a filing).

This module is procedure only: thresholds, dates, citations and quotes are in the law files.
Leaves the deal does not answer make a provision undetermined, and the answer asks for the
fact (its question is the parameter's description); `not_formalised` leaves ask counsel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chipcontrols.errors import LawError
from chipcontrols.investment.deal import Deal
from chipcontrols.investment.facts import FIELDS, deal_facts
from chipcontrols.investment.result import Assessment, Outcome, RegimeVerdict, Verdict
from chipcontrols.rulebook.evaluate import Explanation, Facts, Status, evaluate
from chipcontrols.rulebook.rulebook import Rulebook
from chipcontrols.rulebook.schema import Entry, Source, Version

STEPS = ("scope", "trigger", "prohibited", "mandatory", "voluntary", "standstill", "period", "info")
DEAL_KIND = "deal"


@dataclass(frozen=True)
class Cited:
    """One version of one provision, as an answer cites it."""

    provision_id: str
    title: str
    effective: dt.date
    source: Source
    text: str
    confidence: str
    not_formalised: str | None
    notes: str | None

    @property
    def citation(self) -> str:
        return self.source.citation

    @classmethod
    def of(cls, entry: Entry, version: Version) -> Cited:
        return cls(
            provision_id=entry.id,
            title=entry.title,
            effective=version.effective,
            source=version.source,
            text=version.text,
            confidence=version.confidence,
            not_formalised=version.not_formalised,
            notes=version.notes,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "provision": self.provision_id,
            "title": self.title,
            "citation": self.source.citation,
            "url": self.source.url,
            "text": self.text,
            "effective": self.effective.isoformat(),
            "confidence": self.confidence,
            "not_formalised": self.not_formalised,
        }


class RegimeRules:
    """The provisions of one regime's rule file, from the rulebook."""

    def __init__(self, regime: str, family: str, rulebook: Rulebook) -> None:
        self.regime = regime
        self.family = family
        self.rulebook = rulebook
        self.entries = [e for e in rulebook.entries.values() if e.family == family]
        if not self.entries:
            raise LawError(f"no rule file with id {family!r} for regime {regime}", loc="fdi/")
        for entry in self.entries:
            if DEAL_KIND not in entry.applies_to:
                raise LawError(f"{entry.id} must apply to kind 'deal'", loc=entry.file)
            for j, version in enumerate(entry.versions):
                if version.status != "removed" and (
                    version.effect is None or version.effect.step not in STEPS
                ):
                    raise LawError(
                        f"an investment provision needs effect.step, one of {', '.join(STEPS)}",
                        loc=f"{entry.file}:{entry.id}.versions[{j}].effect",
                    )
        first = self.entries[0]
        self.jurisdiction = first.jurisdiction
        self.instrument = first.instrument
        self.file = first.file
        self._by_id = {e.id: e for e in self.entries}

    def entry(self, provision_id: str) -> Entry:
        try:
            return self._by_id[provision_id]
        except KeyError:
            raise LawError(
                f"the {self.regime} procedure reads provision {provision_id!r}, which "
                f"{self.file} does not define",
                loc=self.file,
            ) from None

    def version(self, provision_id: str, as_of: dt.date) -> Version | None:
        return self.entry(provision_id).version_at(as_of)

    def at(self, provision_id: str, as_of: dt.date) -> Cited | None:
        entry = self.entry(provision_id)
        version = entry.version_at(as_of)
        return None if version is None else Cited.of(entry, version)

    def first(self, provision_id: str) -> Cited:
        entry = self.entry(provision_id)
        return Cited.of(entry, entry.versions[0])

    def in_step(self, step: str, as_of: dt.date) -> list[Entry]:
        """Provisions in force on the date whose version plays `step`, in file order."""
        found = []
        for entry in self.entries:
            version = entry.version_at(as_of)
            if version is not None and version.effect is not None and version.effect.step == step:
                found.append(entry)
        return found


# ------------------------------------------------------------------ evaluation


def _labelled_met(node: Explanation) -> Iterable[Explanation]:
    if node.status is Status.MET and node.label:
        yield node
    for child in node.children:
        yield from _labelled_met(child)


def _not_formalised(node: Explanation) -> Iterable[str]:
    if node.status is Status.UNDETERMINED and node.text.startswith("not formalised: "):
        yield node.text.removeprefix("not formalised: ")
    for child in node.children:
        yield from _not_formalised(child)


def _detail(node: Explanation) -> str:
    leaves: list[str] = []

    def walk(n: Explanation) -> None:
        if not n.children:
            leaves.append(f"{n.text}: {n.status.value.replace('_', ' ')}")
        for c in n.children:
            walk(c)

    walk(node)
    return "; ".join(leaves[:8]) + ("; ..." if len(leaves) > 8 else "")


_OUTCOME = {Status.MET: Outcome.MET, Status.NOT_MET: Outcome.NOT_MET}


class RuleAssessment(Assessment):
    """The verdict builder, with the provisions of a rule file tested on the deal's facts."""

    def __init__(self, rules: RegimeRules, as_of: dt.date, facts: Facts) -> None:
        super().__init__(rules, as_of)
        self.rules = rules
        self.facts = facts

    def _resolve(self, entry_id: str, facts: Facts) -> tuple[Status, Explanation] | None:
        version = self.rules.rulebook.entries[entry_id].version_at(self.as_of)
        if version is None or version.condition is None:
            return None
        explained = evaluate(version.condition, facts, self._resolve)
        return explained.status, explained

    def test(self, entry: Entry) -> Status:
        """Evaluate a provision in force on the deal; record the step, thresholds, questions."""
        version = entry.version_at(self.as_of)
        assert version is not None and version.condition is not None
        cited = self.provision(entry.id)
        assert cited is not None
        explained = evaluate(version.condition, self.facts, self._resolve)
        status = explained.status
        self.step(
            f"{entry.entry}: {entry.title}",
            _OUTCOME.get(status, Outcome.UNDETERMINED),
            _detail(explained),
            cited,
        )
        if status is Status.MET:
            seen = {t.name for t in self.result.thresholds_crossed}
            for node in _labelled_met(explained):
                assert node.label is not None
                if node.label not in seen:
                    seen.add(node.label)
                    self.crossed(node.label, cited)
        elif status is Status.UNDETERMINED:
            for name in explained.all_missing():
                param = self.rules.rulebook.parameters.get(name)
                text = param.description if param is not None else f"Give {name}."
                self.ask(FIELDS.get(name, name), text, cited)
            for text in _not_formalised(explained):
                self.ask(
                    entry.id,
                    f"Not encoded in the rulebook: {text}. Answer it with counsel.",
                    cited,
                )
        return status

    def quote(self, entry: Entry, text: str) -> None:
        cited = self.provision(entry.id)
        assert cited is not None
        self.reason(text, cited)


def _not_in_force(a: RuleAssessment, first: Entry) -> RegimeVerdict:
    cited = a.first(first.id)
    a.step(f"{first.entry}: {first.title}", Outcome.NOT_MET, f"from {cited.effective}", cited)
    a.reason(
        f"regime not in force on {a.as_of}: {first.title} applies from {cited.effective}", cited
    )
    return a.finish(Verdict.NOT_REQUIRED, in_force=False)


def assess_rules(rules: RegimeRules, deal: Deal, as_of: dt.date) -> RegimeVerdict:
    """The generic procedure: scope, triggers, then what the met provisions require."""
    a = RuleAssessment(rules, as_of, deal_facts(deal, as_of, rules.rulebook))
    scope = rules.in_step("scope", as_of)
    first = rules.entries[0]
    if first not in scope:
        if first.version_at(as_of) is None and first.versions[0].effective > as_of:
            return _not_in_force(a, first)
        raise LawError(
            f"the first provision of {rules.file} must be a scope provision", loc=rules.file
        )

    open_: list[Entry] = []
    for entry in scope:
        status = a.test(entry)
        if status is Status.NOT_MET:
            a.quote(entry, f"not met: {entry.title}")
            return _finish_info(a, Verdict.NOT_REQUIRED)
        if status is Status.UNDETERMINED:
            open_.append(entry)
    if open_:
        return _undetermined(a, open_, "whether the regime applies")

    triggers = rules.in_step("trigger", as_of)
    if triggers:
        statuses = [a.test(entry) for entry in triggers]
        met = [e for e, s in zip(triggers, statuses, strict=True) if s is Status.MET]
        for entry in met:
            a.quote(entry, f"met: {entry.title}")
        if not met:
            if Status.UNDETERMINED in statuses:
                return _undetermined(
                    a, _open(triggers, statuses), "whether the deal is an acquisition it covers"
                )
            for entry in triggers:
                a.quote(entry, f"not met: {entry.title}")
            return _finish_info(a, Verdict.NOT_REQUIRED)

    for step, verdict in (("prohibited", Verdict.PROHIBITED), ("mandatory", Verdict.MANDATORY)):
        entries = rules.in_step(step, as_of)
        statuses = [a.test(entry) for entry in entries]
        met = [e for e, s in zip(entries, statuses, strict=True) if s is Status.MET]
        if met:
            for entry in met:
                a.quote(entry, f"met: {entry.title}")
            if verdict is Verdict.MANDATORY:
                for entry in rules.in_step("standstill", as_of):
                    cited = a.provision(entry.id)
                    assert cited is not None
                    a.standstill(entry.title, cited)
            _periods(a)
            return _finish_info(a, verdict)
        if Status.UNDETERMINED in statuses:
            return _undetermined(a, _open(entries, statuses), f"whether the {step} rule applies")
        for entry in entries:
            a.quote(entry, f"not met: {entry.title}")

    voluntary = rules.in_step("voluntary", as_of)
    statuses = [a.test(entry) for entry in voluntary]
    met = [e for e, s in zip(voluntary, statuses, strict=True) if s is Status.MET]
    if met:
        for entry in met:
            a.quote(entry, f"met: {entry.title}")
        _periods(a)
        return _finish_info(a, Verdict.VOLUNTARY)
    if Status.UNDETERMINED in statuses:
        return _undetermined(
            a, _open(voluntary, statuses), "whether the authority can review the deal"
        )
    for entry in voluntary:
        a.quote(entry, f"not met: {entry.title}")
    if not a.result.reasons:
        a.quote(scope[0], "no provision of the regime requires a filing for this deal")
    return _finish_info(a, Verdict.NOT_REQUIRED)


def _open(entries: list[Entry], statuses: list[Status]) -> list[Entry]:
    return [e for e, s in zip(entries, statuses, strict=True) if s is Status.UNDETERMINED]


def _undetermined(a: RuleAssessment, entries: list[Entry], what: str) -> RegimeVerdict:
    for entry in entries:
        a.quote(entry, f"{what} turns on the facts asked below: {entry.title}")
    return a.finish(Verdict.UNDETERMINED)


def _periods(a: RuleAssessment) -> None:
    for entry in a.rules.in_step("period", a.as_of):
        cited = a.provision(entry.id)
        assert cited is not None
        notes = getattr(cited, "notes", None)
        a.period(entry.title, str(notes) if notes else entry.title, cited)


def _finish_info(a: RuleAssessment, verdict: Verdict) -> RegimeVerdict:
    for entry in a.rules.in_step("info", a.as_of):
        version = entry.version_at(a.as_of)
        assert version is not None and version.condition is not None
        explained = evaluate(version.condition, a.facts, a._resolve)
        if explained.status is Status.MET:
            a.quote(entry, entry.title)
    return a.finish(verdict)
