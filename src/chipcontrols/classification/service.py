"""Classify one item against every entry in force on a date, with explanations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from chipcontrols.catalog import Catalog, load_catalog
from chipcontrols.model.items import Item, parse_item
from chipcontrols.rulebook.evaluate import (
    Explanation,
    Facts,
    Status,
    any_of,
    evaluate,
    status_of,
)
from chipcontrols.rulebook.rulebook import InForce, Rulebook, RulebookView, load_rulebook


@dataclass
class EntryResult:
    id: str
    jurisdiction: str
    entry: str
    title: str
    status: Status
    explanation: Explanation
    citation: str
    url: str | None
    effective: dt.date
    amended_by: str | None
    confidence: str
    not_formalised: str | None
    notes: str | None

    @property
    def missing(self) -> list[str]:
        return self.explanation.all_missing()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "jurisdiction": self.jurisdiction,
            "entry": self.entry,
            "title": self.title,
            "status": self.status.value,
            "explanation": self.explanation.lines(),
            "conditions": self.explanation.to_dict(),
            "missing": self.missing,
            "citation": self.citation,
            "url": self.url,
            "version_effective": self.effective.isoformat(),
            "amended_by": self.amended_by,
            "confidence": self.confidence,
            "not_formalised": self.not_formalised,
            "notes": self.notes,
        }


@dataclass
class Classification:
    as_of: dt.date
    rulebook_version: str
    item: Item
    entries: list[EntryResult] = field(default_factory=list)

    def status_of(self, entry_id: str) -> Status | None:
        for result in self.entries:
            if result.id == entry_id:
                return result.status
        return None

    def to_dict(self) -> dict[str, Any]:
        jurisdictions: dict[str, dict[str, list[str]]] = {}
        for result in self.entries:
            bucket = jurisdictions.setdefault(
                result.jurisdiction, {"met": [], "not_met": [], "undetermined": []}
            )
            bucket[result.status.value].append(result.entry)
        return {
            "as_of": self.as_of.isoformat(),
            "rulebook_version": self.rulebook_version,
            "item": self.item.to_dict(),
            "entries": [e.to_dict() for e in self.entries],
            "jurisdictions": jurisdictions,
        }


_UNSET = object()


class EntryEvaluator:
    """Evaluates entries of one view, memoising `ref`/`contains` look-ups per item."""

    def __init__(self, view: RulebookView) -> None:
        self.view = view
        self._memo: dict[tuple[int, str], tuple[Status, Explanation] | None] = {}
        self._status_by_facts: dict[int, dict[str, Status | None]] = {}
        self._keep: list[Facts] = []  # keep facts alive so id() keys stay unique

    def resolve(
        self, entry_id: str, facts: Facts, kind: str | None = None
    ) -> tuple[Status, Explanation] | None:
        key = (id(facts), entry_id)
        if key in self._memo:
            return self._memo[key]
        self._keep.append(facts)
        result: tuple[Status, Explanation] | None
        if entry_id.endswith(".*"):
            result = self._resolve_family(entry_id, facts, kind)
            self._memo[key] = result
            return result
        in_force = self.view.get(entry_id)
        if in_force is None:
            result = None
        else:
            item_kind = kind or facts.values.get("__kind__")
            if item_kind is not None and item_kind not in in_force.entry.applies_to:
                result = (
                    Status.NOT_MET,
                    Explanation(
                        f"{in_force.entry.entry} applies to {', '.join(in_force.entry.applies_to)},"
                        f" not to {item_kind}",
                        Status.NOT_MET,
                    ),
                )
            else:
                assert in_force.version.condition is not None
                explanation = evaluate(in_force.version.condition, facts, self.resolve)
                result = (explanation.status, explanation)
        self._memo[key] = result
        return result

    def _resolve_family(
        self, pattern: str, facts: Facts, kind: str | None
    ) -> tuple[Status, Explanation] | None:
        """Any entry under a 'prefix.*' reference: met if one is met (Kleene any)."""
        results = [self.resolve(e, facts, kind) for e in self.view.expand(pattern)]
        found = [r for r in results if r is not None]
        if not found:
            return None
        status = any_of([r[0] for r in found])
        shown = [r[1] for r in found if r[0] is not Status.NOT_MET] or [found[0][1]]
        return status, Explanation(f"any entry under {pattern[:-2]}", status, shown)

    def status(self, entry_id: str, facts: Facts, kind: str | None = None) -> Status | None:
        """Like `resolve`, without explanations (memoised separately)."""
        memo = self._status_by_facts.get(id(facts))
        if memo is None:
            memo = self._status_by_facts[id(facts)] = {}
            self._keep.append(facts)
        known = memo.get(entry_id, _UNSET)
        if known is not _UNSET:
            return known  # type: ignore[return-value]
        item_kind = kind or facts.values.get("__kind__")
        if not entry_id.endswith(".*"):
            in_force = self.view.get(entry_id)
            if in_force is None:
                result: Status | None = None
            elif item_kind is not None and item_kind not in in_force.entry.applies_to:
                result = Status.NOT_MET
            else:
                assert in_force.version.condition is not None
                result = status_of(in_force.version.condition, facts, self.status)
            memo[entry_id] = result
            return result
        statuses: list[Status] = []
        for one in self.view.expand(entry_id):
            found = self.view.get(one)
            if found is None:
                continue
            if item_kind is not None and item_kind not in found.entry.applies_to:
                statuses.append(Status.NOT_MET)
                continue
            assert found.version.condition is not None
            statuses.append(status_of(found.version.condition, facts, self.status))
        result = any_of(statuses) if statuses else None
        memo[entry_id] = result
        return result

    def run(self, in_force: InForce, facts: Facts) -> EntryResult:
        version = in_force.version
        assert version.condition is not None
        explanation = evaluate(version.condition, facts, self.resolve)
        entry = in_force.entry
        return EntryResult(
            id=entry.id,
            jurisdiction=entry.jurisdiction,
            entry=entry.entry,
            title=entry.title,
            status=explanation.status,
            explanation=explanation,
            citation=version.source.citation,
            url=version.source.url,
            effective=version.effective,
            amended_by=version.amended_by,
            confidence=version.confidence,
            not_formalised=version.not_formalised,
            notes=version.notes,
        )


def facts_with_kind(item: Item) -> Facts:
    """Facts carrying the item kind, so `ref` to an entry of another kind is not met."""
    values = dict(item.values)
    values["__kind__"] = item.kind
    return Facts(values, [facts_with_kind(c) for c in item.components], item.name)


def classify(
    item: Item | dict[str, Any],
    as_of: dt.date | None = None,
    *,
    rulebook: Rulebook | None = None,
    catalog: Catalog | None = None,
    jurisdictions: set[str] | None = None,
) -> Classification:
    """Every entry in force on `as_of` (default today) that applies to the item's kind."""
    rulebook = rulebook or load_rulebook()
    as_of = as_of or dt.date.today()
    view = rulebook.at(as_of)
    if not isinstance(item, Item):
        cat = catalog or load_catalog()
        item = parse_item(item, rulebook, products=cat.lookup)
    evaluator = EntryEvaluator(view)
    facts = facts_with_kind(item)
    results = [
        evaluator.run(in_force, facts)
        for in_force in view.for_kind(item.kind)
        if jurisdictions is None or in_force.entry.jurisdiction in jurisdictions
    ]
    results.sort(key=lambda r: (r.jurisdiction, r.id))
    return Classification(as_of, rulebook.version, item, results)
