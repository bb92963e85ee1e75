"""Ownership by listed parties: the Entity List affiliates rule and the OFAC 50 percent rule.

Both rules reach an entity owned 50 percent or more, directly or indirectly, by listed
parties. Indirect ownership counts through owners that are themselves reached by the rule
(an entity 50 percent owned by a blocked entity is blocked): shares are summed per owner
level, not multiplied down a chain. Each rule is dated law in the rulebook's one format
(`law/screening/*.yaml`, kind `ownership`): its condition states the threshold and whether
owners' shares are added; its effect names the lists it reaches; a stay is `not_enforced`. On
a date when a rule is suspended or not yet in force the share is still computed and reported,
with that status.

Three-valued: when a listed owner's share is not given, or an owner's own ownership is
unknown, and the known shares do not decide, the answer is `undetermined` with questions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from chipcontrols.errors import InputError, LawError
from chipcontrols.rulebook.conditions import Compare, Node
from chipcontrols.rulebook.evaluate import Facts, Status, status_of
from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook

MAX_OWNERS = 1000
MAX_DEPTH = 25
OWNERSHIP_KIND = "ownership"  # the rulebook kind of the ownership rules (law/screening/)
_SHARE_FACTS = {"owned_percent_aggregate": "aggregate", "owned_percent_single": "individual"}


class Tri(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RuleVersion:
    effective: dt.date
    status: str  # in_force | suspended
    aggregation: str  # aggregate | individual
    citation: str
    url: str
    text: str
    confidence: str
    notes: str | None
    threshold: float
    condition: Node | None = None


@dataclass(frozen=True)
class OwnershipRule:
    id: str
    title: str
    lists: tuple[str, ...]
    not_formalised: str | None
    versions: tuple[RuleVersion, ...]

    @property
    def threshold(self) -> float:
        return self.versions[-1].threshold

    def at(self, on: dt.date) -> RuleVersion | None:
        current = None
        for v in self.versions:
            if v.effective <= on:
                current = v
        return current


_RULES: dict[str, tuple[OwnershipRule, ...]] = {}


def ownership_rules(rulebook: Rulebook | None = None) -> tuple[OwnershipRule, ...]:
    """The ownership rules of a rulebook (default: the bundled one; a replay passes the
    record's), each version with the threshold and the aggregation its condition states; a
    stay ('not_enforced') is a 'suspended' version from its first day. Cached per version."""
    rulebook = rulebook or load_rulebook()
    found = _RULES.get(rulebook.version)
    if found is None:
        if len(_RULES) >= 8:
            _RULES.clear()
        found = _RULES[rulebook.version] = _ownership_rules(rulebook)
    return found


def _ownership_rules(rulebook: Rulebook) -> tuple[OwnershipRule, ...]:
    out = []
    for entry in sorted(rulebook.entries.values(), key=lambda e: e.id):
        if OWNERSHIP_KIND not in entry.applies_to:
            continue
        versions: list[RuleVersion] = []
        lists: tuple[str, ...] = ()
        for version in entry.versions:
            if version.status != "in_force" or version.condition is None:
                continue
            share, threshold = _threshold(version.condition, loc=entry.file)
            if version.effect is not None and version.effect.reaches:
                lists = version.effect.reaches
            aggregation = _SHARE_FACTS[share]
            url = version.source.url or ""
            versions.append(
                RuleVersion(
                    effective=version.effective,
                    status="in_force",
                    aggregation=aggregation,
                    citation=version.source.citation,
                    url=url,
                    text=version.text,
                    confidence=version.confidence,
                    notes=version.notes,
                    threshold=threshold,
                    condition=version.condition,
                )
            )
            if version.not_enforced_from is not None:
                versions.append(
                    RuleVersion(
                        effective=version.not_enforced_from,
                        status="suspended",
                        aggregation=aggregation,
                        citation=version.not_enforced_reason or "",
                        url=url,
                        text=version.not_enforced_reason or "",
                        confidence=version.confidence,
                        notes=None,
                        threshold=threshold,
                        condition=version.condition,
                    )
                )
        if not versions or not lists:
            raise LawError(
                "an ownership rule needs a version in force that 'reaches' lists", loc=entry.file
            )
        first = entry.versions[0]
        out.append(
            OwnershipRule(
                id=entry.id,
                title=entry.title,
                lists=lists,
                not_formalised=first.not_formalised,
                versions=tuple(sorted(versions, key=lambda v: v.effective)),
            )
        )
    return tuple(out)


def _threshold(condition: Node, *, loc: str) -> tuple[str, float]:
    """An ownership rule's condition is one test: the share reached >= the threshold."""
    if (
        not isinstance(condition, Compare)
        or condition.op != ">="
        or condition.param not in _SHARE_FACTS
        or isinstance(condition.value, bool)
        or not isinstance(condition.value, int | float)
    ):
        raise LawError(
            "an ownership rule's condition is '{param: owned_percent_aggregate (or "
            "owned_percent_single), op: '>=', value: <percent>}'",
            loc=loc,
        )
    return condition.param, float(condition.value)


@dataclass
class OwnerNode:
    """A declared owner: its share of the entity below it, and its own owners."""

    name: str
    percent: float | None
    country: str | None = None
    owners: list[OwnerNode] = field(default_factory=list)
    loc: str = ""
    # filled in by screening: list code -> (entry id, entry name) of the owner's matches
    listed: dict[str, tuple[str, str]] = field(default_factory=dict)


def parse_owners(
    raw: Any, *, loc: str, depth: int = 0, count: list[int] | None = None
) -> list[OwnerNode]:
    """Owners from input: [{name, percent, country?, owners: [...]}, ...], checked."""
    count = count if count is not None else [0]
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InputError("owners must be a list of {name, percent, owners}", loc=loc)
    if depth > MAX_DEPTH:
        raise InputError(f"ownership chain deeper than {MAX_DEPTH} levels", loc=loc)
    nodes = []
    total = 0.0
    for i, item in enumerate(raw):
        here = f"{loc}[{i}]"
        count[0] += 1
        if count[0] > MAX_OWNERS:
            raise InputError(f"more than {MAX_OWNERS} owners declared", loc=here)
        if not isinstance(item, dict):
            raise InputError("an owner is {name, percent, owners}", loc=here)
        unknown = set(item) - {"name", "percent", "country", "owners", "id"}
        if unknown:
            raise InputError(f"unknown owner field {sorted(unknown)[0]!r}", loc=here)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InputError("owner needs a name", loc=f"{here}.name")
        pct = item.get("percent")
        if pct is not None:
            if isinstance(pct, bool) or not isinstance(pct, int | float):
                raise InputError("percent must be a number from 0 to 100", loc=f"{here}.percent")
            if not 0 <= float(pct) <= 100:
                raise InputError("percent must be from 0 to 100", loc=f"{here}.percent")
            total += float(pct)
        country = item.get("country")
        if country is not None and (not isinstance(country, str) or len(country.strip()) != 2):
            raise InputError("country is an ISO 3166 alpha-2 code", loc=f"{here}.country")
        nodes.append(
            OwnerNode(
                name=name,
                percent=float(pct) if pct is not None else None,
                country=country.strip().upper() if isinstance(country, str) else None,
                owners=parse_owners(
                    item.get("owners"), loc=f"{here}.owners", depth=depth + 1, count=count
                ),
                loc=here,
            )
        )
    if total > 100.0001:
        raise InputError(f"owners' shares add up to {total:g} percent, more than 100", loc=loc)
    return nodes


def walk(nodes: list[OwnerNode]) -> list[OwnerNode]:
    out = []
    for n in nodes:
        out.append(n)
        out.extend(walk(n.owners))
    return out


@dataclass
class _Eval:
    status: Tri
    share: float  # known share held by owners the rule reaches
    steps: list[str]
    questions: list[str]
    reached_by: list[dict[str, Any]]


def _evaluate(
    owners: list[OwnerNode], lists: tuple[str, ...], threshold: float, aggregate: bool, subject: str
) -> _Eval:
    share = 0.0
    possible = 0.0
    steps: list[str] = []
    questions: list[str] = []
    reached: list[dict[str, Any]] = []
    open_points = False
    for o in owners:
        listed = [(code, eid, ename) for code, (eid, ename) in o.listed.items() if code in lists]
        if listed:
            status = Tri.YES
            why = f"listed ({', '.join(f'{c}: {n} [{e}]' for c, e, n in listed)})"
            reached.extend(
                {"owner": o.name, "list": c, "entry_id": e, "entry_name": n} for c, e, n in listed
            )
        else:
            sub = _evaluate(o.owners, lists, threshold, aggregate, o.name)
            status = sub.status
            steps.extend(sub.steps)
            questions.extend(sub.questions)
            reached.extend(sub.reached_by)
            why = f"owned {sub.share:g}% by parties the rule reaches" if o.owners else "not listed"
        pct = o.percent
        if status is Tri.YES:
            if pct is None:
                questions.append(f"What percentage of {subject} does {o.name} own?")
                possible += 100.0
                open_points = True
            else:
                counted = pct if (aggregate or pct >= threshold) else 0.0
                share += counted
                possible += counted
            steps.append(f"{o.name} -> {subject}: {_pct(pct)}, {why}")
        elif status is Tri.UNKNOWN:
            open_points = True
            possible += 100.0 if pct is None else pct
            if pct is None:
                questions.append(f"What percentage of {subject} does {o.name} own?")
            steps.append(f"{o.name} -> {subject}: {_pct(pct)}, undetermined ({why})")
    if share >= threshold:
        return _Eval(Tri.YES, share, steps, [], reached)
    if possible >= threshold and open_points:
        return _Eval(Tri.UNKNOWN, share, steps, questions, reached)
    return _Eval(Tri.NO, share, steps, [], reached)


def _pct(p: float | None) -> str:
    return "share not given" if p is None else f"{p:g}%"


_STATUS = {
    Status.MET: "applies",
    Status.UNDETERMINED: "undetermined",
    Status.NOT_MET: "does_not_apply",
}


def _decide(version: RuleVersion, ev: _Eval) -> Status:
    """The rule's condition on the share the chain gives (unknown while a share is open)."""
    assert version.condition is not None
    share = None if ev.status is Tri.UNKNOWN else ev.share
    param = (
        "owned_percent_aggregate"
        if version.aggregation == "aggregate"
        else ("owned_percent_single")
    )
    return status_of(version.condition, Facts({param: share}), lambda *_: Status.UNDETERMINED)


def assess_ownership(
    party_name: str, owners: list[OwnerNode], on: dt.date, rulebook: Rulebook | None = None
) -> list[dict[str, Any]]:
    """For each ownership rule of `rulebook`: does it reach the party on date `on`, and why."""
    out = []
    for rule in ownership_rules(rulebook):
        version = rule.at(on)
        threshold = version.threshold if version else rule.threshold
        ev = _evaluate(
            owners,
            rule.lists,
            threshold,
            (version.aggregation if version else "aggregate") == "aggregate",
            party_name,
        )
        if version is None:
            status = "not_in_force"
        elif version.status == "suspended":
            status = "suspended"
        else:
            status = _STATUS[_decide(version, ev)]
        out.append(
            {
                "rule_id": rule.id,
                "title": rule.title,
                "status": status,
                "owned_percent": round(ev.share, 4),
                "threshold_percent": threshold,
                "reached": ev.status.value,
                "lists": list(rule.lists),
                "listed_owners": ev.reached_by,
                "steps": ev.steps,
                "questions": ev.questions if status in ("undetermined",) else [],
                "version": None
                if version is None
                else {
                    "effective": version.effective.isoformat(),
                    "status": version.status,
                    "aggregation": version.aggregation,
                    "citation": version.citation,
                    "url": version.url,
                    "text": version.text,
                    "confidence": version.confidence,
                    "notes": " ".join(version.notes.split()) if version.notes else None,
                },
                "not_formalised": " ".join(rule.not_formalised.split())
                if rule.not_formalised
                else None,
            }
        )
    return out
