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
- `standstill` quoted when a mandatory provision is met and its condition is met (the
               acquisition must wait).
- `period`     a review period, named by the entry's title, its length in the version's
               `notes`; listed when its condition is met and the verdict is decided.
- `info`       quoted as a reason when met (e.g. a power to intervene without a filing).
- `party`      a test of one party (the acquirer, or an owner above it), kind `deal_party`;
               read only through `contains`, which is met when some party meets it.

Scope and trigger provisions combine as a three-valued AND: one scope provision not met, or
every trigger not met, and no filing is required; otherwise an undetermined one leaves the
verdict undetermined. Every labelled node that is met on a met path of a tested provision
is reported as a threshold crossed (all of them, not only the first).

This module is procedure only: thresholds, dates, citations and quotes are in the law files.
Leaves the deal does not answer make a provision undetermined; when the verdict turns on it,
the answer asks for the fact (its question is the parameter's description), and
`not_formalised` leaves ask counsel.
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
from chipcontrols.rulebook.conditions import AllOf, AnyOf, ContainsEntry, Node, Ref
from chipcontrols.rulebook.evaluate import Explanation, Facts, Status, evaluate
from chipcontrols.rulebook.rulebook import Rulebook
from chipcontrols.rulebook.schema import Entry, Source, Version

STEPS = (
    "scope",
    "trigger",
    "prohibited",
    "mandatory",
    "voluntary",
    "standstill",
    "period",
    "info",
    "party",
)
DEAL_KIND = "deal"
PARTY_KIND = "deal_party"


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
            if not {DEAL_KIND, PARTY_KIND} & set(entry.applies_to):
                raise LawError(
                    f"{entry.id} must apply to kind '{DEAL_KIND}' or '{PARTY_KIND}'",
                    loc=entry.file,
                )
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
        self.explained: dict[str, Explanation] = {}
        # Scope provisions left undetermined: the verdict stands only if it is 'not required'.
        self.open_scope: list[Entry] = []

    def _resolve(self, entry_id: str, facts: Facts) -> tuple[Status, Explanation] | None:
        version = self.rules.rulebook.entries[entry_id].version_at(self.as_of)
        if version is None or version.condition is None:
            return None
        explained = evaluate(version.condition, facts, self._resolve)
        return explained.status, explained

    def _status(self, node: Node, facts: Facts) -> Status:
        return evaluate(node, facts, self._resolve).status

    def met_labels(self, node: Node, facts: Facts) -> Iterable[str]:
        """The labels of every node met on a met path below `node` (which is met): each
        branch of an `any` that is met, not only the first one the evaluation stopped at."""
        if node.label:
            yield node.label
        if isinstance(node, AllOf | AnyOf):
            for child in node.items:
                if self._status(child, facts) is Status.MET:
                    yield from self.met_labels(child, facts)
        elif isinstance(node, Ref | ContainsEntry):
            version = self.rules.rulebook.entries[node.entry_id].version_at(self.as_of)
            if version is None or version.condition is None:
                return
            parts = facts.components if isinstance(node, ContainsEntry) else (facts,)
            for part in parts:
                if self._status(version.condition, part) is Status.MET:
                    yield from self.met_labels(version.condition, part)

    def condition_met(self, entry: Entry) -> bool:
        version = entry.version_at(self.as_of)
        assert version is not None and version.condition is not None
        return self._status(version.condition, self.facts) is Status.MET

    def test(self, entry: Entry) -> Status:
        """Evaluate a provision in force on the deal; record the step and the thresholds."""
        version = entry.version_at(self.as_of)
        assert version is not None and version.condition is not None
        cited = self.provision(entry.id)
        assert cited is not None
        explained = evaluate(version.condition, self.facts, self._resolve)
        self.explained[entry.id] = explained
        status = explained.status
        self.step(
            f"{entry.entry}: {entry.title}",
            _OUTCOME.get(status, Outcome.UNDETERMINED),
            _detail(explained),
            cited,
        )
        if status is Status.MET:
            seen = {t.name for t in self.result.thresholds_crossed}
            for label in self.met_labels(version.condition, self.facts):
                if label not in seen:
                    seen.add(label)
                    self.crossed(label, cited)
        return status

    def ask_for(self, entry: Entry) -> None:
        """Ask for the facts an undetermined provision turns on (counsel where not encoded)."""
        cited = self.provision(entry.id)
        explained = self.explained[entry.id]
        for name in explained.all_missing():
            param = self.rules.rulebook.parameters.get(name)
            text = param.description if param is not None else f"Give {name}."
            self.ask(FIELDS.get(name, name), text, cited)
        for text in _not_formalised(explained):
            self.ask(
                entry.id, f"Not encoded in the rulebook: {text}. Answer it with counsel.", cited
            )

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


def _tested(a: RuleAssessment, entries: list[Entry]) -> tuple[list[Entry], list[Entry]]:
    """Test the provisions: those met, and those undetermined."""
    statuses = [a.test(entry) for entry in entries]
    met = [e for e, s in zip(entries, statuses, strict=True) if s is Status.MET]
    open_ = [e for e, s in zip(entries, statuses, strict=True) if s is Status.UNDETERMINED]
    return met, open_


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

    for entry in scope:
        status = a.test(entry)
        if status is Status.NOT_MET:
            a.quote(entry, f"not met: {entry.title}")
            return a.finish(Verdict.NOT_REQUIRED)
        if status is Status.UNDETERMINED:
            a.open_scope.append(entry)

    triggers = rules.in_step("trigger", as_of)
    if triggers:
        met, open_ = _tested(a, triggers)
        if not met and not open_:
            for entry in triggers:
                a.quote(entry, f"not met: {entry.title}")
            return _finish_info(a, Verdict.NOT_REQUIRED)
        for entry in met:
            a.quote(entry, f"met: {entry.title}")
        if not met:
            return _undetermined(a, open_, "whether the deal is an acquisition it covers")
    elif a.open_scope:
        # Without trigger provisions in force nothing below can settle the verdict alone.
        return _undetermined(a, [], "")

    for step, verdict in (("prohibited", Verdict.PROHIBITED), ("mandatory", Verdict.MANDATORY)):
        entries = rules.in_step(step, as_of)
        met, open_ = _tested(a, entries)
        if met:
            for entry in met:
                a.quote(entry, f"met: {entry.title}")
            if verdict is Verdict.MANDATORY:
                for entry in rules.in_step("standstill", as_of):
                    if a.condition_met(entry):
                        cited = a.provision(entry.id)
                        assert cited is not None
                        a.standstill(entry.title, cited)
            return _finish_info(a, verdict)
        if open_:
            return _undetermined(a, open_, f"whether the {step} rule applies")
        for entry in entries:
            a.quote(entry, f"not met: {entry.title}")

    voluntary = rules.in_step("voluntary", as_of)
    met, open_ = _tested(a, voluntary)
    if met:
        for entry in met:
            a.quote(entry, f"met: {entry.title}")
        return _finish_info(a, Verdict.VOLUNTARY)
    if open_:
        return _undetermined(a, open_, "whether the authority can review the deal")
    for entry in voluntary:
        a.quote(entry, f"not met: {entry.title}")
    if not a.result.reasons:
        a.quote(scope[0], "no provision of the regime requires a filing for this deal")
    return _finish_info(a, Verdict.NOT_REQUIRED)


def _open(a: RuleAssessment, entry: Entry, what: str) -> None:
    a.quote(entry, f"{what} turns on the facts asked below: {entry.title}")
    a.ask_for(entry)


def _undetermined(a: RuleAssessment, entries: list[Entry], what: str) -> RegimeVerdict:
    for entry in a.open_scope:
        _open(a, entry, "whether the regime applies")
    for entry in entries:
        _open(a, entry, what)
    return a.finish(Verdict.UNDETERMINED)


def _finish_info(a: RuleAssessment, verdict: Verdict) -> RegimeVerdict:
    """Quote the information provisions met; list the review periods whose condition is met.

    With a scope provision undetermined, only 'not required' stands (it holds either way)."""
    if a.open_scope and verdict is not Verdict.NOT_REQUIRED:
        a.result.standstill = None
        return _undetermined(a, [], "")
    for entry in a.rules.in_step("info", a.as_of):
        if a.condition_met(entry):
            a.quote(entry, entry.title)
    for entry in a.rules.in_step("period", a.as_of):
        if a.condition_met(entry):
            cited = a.provision(entry.id)
            assert cited is not None
            notes = cited.notes if isinstance(cited, Cited) else None
            a.period(entry.title, notes or entry.title, cited)
    return a.finish(verdict)
