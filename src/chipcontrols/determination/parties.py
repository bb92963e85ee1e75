"""Entity List checks of a transaction's parties, through the screening service."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from chipcontrols.determination.coverage import procedure_citation
from chipcontrols.determination.transaction import Party
from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook
from chipcontrols.screening.matcher import POSSIBLE, Query
from chipcontrols.screening.service import ScreeningService

ENTITY_LIST = "EL"


@dataclass
class ListedParty:
    party: Party
    entry_id: str
    listed_name: str
    score: float
    match: bool
    licence_requirement: str | None
    review_policy: str | None
    footnotes: tuple[int, ...]
    citations: list[str]
    snapshot: str
    cleared: bool = False
    possible: bool = False  # below the match threshold but close enough to ask about

    def to_dict(self) -> dict[str, Any]:
        return {
            "party": self.party.name,
            "role": self.party.role,
            "entry_id": self.entry_id,
            "listed_name": self.listed_name,
            "score": round(self.score, 4),
            "match": self.match,
            "licence_requirement": self.licence_requirement,
            "review_policy": self.review_policy,
            "footnotes": list(self.footnotes),
            "citations": self.citations,
            "list_snapshot": self.snapshot,
            "cleared_by_judgement": self.cleared,
        }


@dataclass
class OwnedParty:
    """A party reached by the Entity List affiliates rule through its declared owners."""

    party: Party
    status: str  # applies | undetermined | suspended | not_in_force | does_not_apply
    owned_percent: float
    listed_owners: list[Any]
    citation: str
    text: str
    questions: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "party": self.party.name,
            "status": self.status,
            "owned_percent": self.owned_percent,
            "listed_owners": self.listed_owners,
            "citation": self.citation,
        }


AFFILIATES_RULE = "us.ear.744.affiliates_rule"
_HAS_EL: dict[str, bool] = {}


def _has_entity_list(snapshot: Any) -> bool:
    """Whether a snapshot holds Entity List entries (snapshots are immutable: cached by id)."""
    found = _HAS_EL.get(snapshot.id)
    if found is None:
        found = _HAS_EL[snapshot.id] = any(e.list == ENTITY_LIST for e in snapshot.entries)
    return found


class PartyChecker:
    """Screens parties against the active list snapshots' Entity List entries on a date."""

    def __init__(self, service: ScreeningService | None = None) -> None:
        self.service = service or ScreeningService()

    def active(self) -> list[Any]:
        """The active list snapshots, read once per determination."""
        return list(self.service.snapshots())

    def snapshots(self, active: list[Any] | None = None) -> list[dict[str, Any]]:
        return [
            {"id": s.id, "dataset": s.dataset, "as_of": s.as_of.isoformat()}
            for s in (active if active is not None else self.service.snapshots())
        ]

    def check(
        self, parties: list[Party], as_of: dt.date, active: list[Any] | None = None
    ) -> list[ListedParty]:
        found: list[ListedParty] = []
        for snapshot in active if active is not None else self.service.snapshots():
            if not _has_entity_list(snapshot):
                continue  # the determination reads Entity List entries only
            matcher = self.service.matcher(snapshot)
            hits_by_query: dict[tuple[str, str | None, str | None], list[Any]] = {}
            for party in parties:
                names = (party.name, *party.aliases)
                seen: set[str] = set()
                for name in names:
                    key = (name, party.country, party.address)
                    if key not in hits_by_query:  # one query per distinct name and place
                        hits_by_query[key] = matcher.screen(Query(*key), limit=5, explain=False)
                    for hit in hits_by_query[key]:
                        entry = hit.entry
                        if entry.list != ENTITY_LIST or entry.id in seen:
                            continue
                        if not entry.in_force(as_of):
                            continue
                        seen.add(entry.id)
                        judgement = self.service._judgement_for(party_key(party), hit)
                        decided = bool(judgement and judgement["applies"])
                        cleared = (
                            decided
                            and judgement is not None
                            and (judgement["decision"] == "cleared")
                        )
                        # An analyst's confirmation makes a possible hit a match.
                        confirmed = (
                            decided
                            and judgement is not None
                            and (judgement["decision"] == "confirmed")
                        )
                        found.append(
                            ListedParty(
                                party=party,
                                entry_id=entry.id,
                                listed_name=entry.name,
                                score=hit.score,
                                match=hit.match or confirmed,
                                licence_requirement=entry.licence_requirement,
                                review_policy=entry.licence_review_policy,
                                footnotes=entry.footnotes,
                                citations=[c.cite for c in entry.citations],
                                snapshot=snapshot.id,
                                cleared=cleared,
                                possible=not (hit.match or confirmed) and hit.score >= POSSIBLE,
                            )
                        )
        return found

    def ownership(self, parties: list[Party], as_of: dt.date) -> list[OwnedParty]:
        """The affiliates rule (15 CFR 744.11, 90 FR 47212) for parties that declare owners."""
        from chipcontrols.screening.service import Party as ScreenParty

        out: list[OwnedParty] = []
        for party in parties:
            if not party.owners:
                continue
            query = ScreenParty(name=party.name, country=party.country, owners=party.owners)
            report = self.service.screen([query], as_of=as_of, limit=5)
            for rule in report["results"][0].get("ownership", []):
                if rule["rule_id"] != AFFILIATES_RULE:
                    continue
                version = rule.get("version") or {}
                out.append(
                    OwnedParty(
                        party=party,
                        status=rule["status"],
                        owned_percent=rule["owned_percent"],
                        listed_owners=rule["listed_owners"],
                        citation=version.get("citation")
                        or _affiliates_citation(as_of, getattr(self.service, "rulebook", None)),
                        text=version.get("text") or rule["title"],
                        questions=[str(q) for q in rule.get("questions", [])],
                    )
                )
        return out


def _affiliates_citation(as_of: dt.date, rulebook: Rulebook | None = None) -> str:
    """The affiliates rule's citation where the screening result gives none (law data:
    `us.ear.procedure.affiliates`, read from the rulebook the ownership rules came from)."""
    return procedure_citation(rulebook or load_rulebook(), "affiliates", as_of)


def party_key(party: Party) -> str:
    from chipcontrols.screening.judgements import party_key as key

    return key(party.name, party.country, None)
