"""Entity List checks of a transaction's parties, through the screening service."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from chipcontrols.determination.transaction import Party
from chipcontrols.screening.matcher import Query
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


class PartyChecker:
    """Screens parties against the active list snapshots' Entity List entries on a date."""

    def __init__(self, service: ScreeningService | None = None) -> None:
        self.service = service or ScreeningService()

    def snapshots(self) -> list[dict[str, Any]]:
        return [
            {"id": s.id, "dataset": s.dataset, "as_of": s.as_of.isoformat()}
            for s in self.service.snapshots()
        ]

    def check(self, parties: list[Party], as_of: dt.date) -> list[ListedParty]:
        found: list[ListedParty] = []
        for snapshot in self.service.snapshots():
            matcher = self.service.matcher(snapshot)
            for party in parties:
                names = (party.name, *party.aliases)
                seen: set[str] = set()
                for name in names:
                    for hit in matcher.screen(Query(name, party.country, party.address), limit=5):
                        entry = hit.entry
                        if entry.list != ENTITY_LIST or entry.id in seen:
                            continue
                        if not entry.in_force(as_of):
                            continue
                        seen.add(entry.id)
                        judgement = self.service._judgement_for(party_key(party), hit)
                        cleared = bool(
                            judgement
                            and judgement["decision"] == "cleared"
                            and judgement["applies"]
                        )
                        found.append(
                            ListedParty(
                                party=party,
                                entry_id=entry.id,
                                listed_name=entry.name,
                                score=hit.score,
                                match=hit.match,
                                licence_requirement=entry.licence_requirement,
                                review_policy=entry.licence_review_policy,
                                footnotes=entry.footnotes,
                                citations=[c.cite for c in entry.citations],
                                snapshot=snapshot.id,
                                cleared=cleared,
                            )
                        )
        return found


def party_key(party: Party) -> str:
    from chipcontrols.screening.judgements import party_key as key

    return key(party.name, party.country, None)
