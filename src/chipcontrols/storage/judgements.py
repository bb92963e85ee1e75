"""The screening module's judgement repository, kept in the service database.

Implements `chipcontrols.screening.judgements.JudgementRepository` on a SQLAlchemy session:
it writes in the caller's transaction, and every judgement is appended to the audit log
in that same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chipcontrols.errors import InputError
from chipcontrols.screening.judgements import (
    DECISIONS,
    Judgement,
    SeenHit,
    WatchedParty,
)
from chipcontrols.storage import audit
from chipcontrols.storage.canonical import sha256_text
from chipcontrols.storage.models import JudgementRow, PartyRow, SeenHitRow


def key_hash(party_key: str) -> str:
    return sha256_text(party_key)


@dataclass
class PendingWrites:
    """The bookkeeping a screening asks for while an answer is computed in a read-only
    transaction (the parties it watches, the hits it has seen), kept here and written by
    `apply` in the short transaction that stores the answer: so an answer is computed
    without holding the database's write lock."""

    parties: dict[str, WatchedParty] = field(default_factory=dict)
    seen: dict[tuple[str, str], SeenHit] = field(default_factory=dict)

    def apply(self, session: Session) -> None:
        """Write it (later writes of a key win, as they would have one by one)."""
        if self.parties:
            _upsert(
                session,
                PartyRow,
                ["key_sha256"],
                [
                    {
                        "key_sha256": key_hash(p.key),
                        "key": p.key,
                        "name": p.name,
                        "country": p.country,
                        "address": p.address,
                        "document": p.document,
                    }
                    for p in self.parties.values()
                ],
            )
        if self.seen:
            _upsert(
                session,
                SeenHitRow,
                ["party_key_sha256", "entry_id"],
                [
                    {
                        "party_key_sha256": key_hash(h.party_key),
                        "party_key": h.party_key,
                        "entry_id": h.entry_id,
                        "entry_hash": h.entry_hash,
                        "snapshot_id": h.snapshot_id,
                        "score": h.score,
                        "seen_at": h.seen_at,
                    }
                    for h in self.seen.values()
                ],
            )
        if self.parties:
            # A party whose seen hits changed is screened in full by the next re-screening,
            # as ScreeningService._watch arranges when it writes at once.
            from chipcontrols.storage.rescreen import SqlRescreenStore

            SqlRescreenStore(session).forget(self.parties.keys())
        session.flush()


class DeferredJudgements:
    """The judgement repository for computing an answer in a read-only transaction: reads
    go to the database, the bookkeeping writes wait in `later`. (Not a SqlJudgements, so
    the screening service keeps no re-screening state through it; `PendingWrites.apply`
    does what it would have done.) Judgements are never made through it."""

    def __init__(self, reads: SqlJudgements, later: PendingWrites) -> None:
        self.reads = reads
        self.later = later

    def add(self, judgement: Judgement) -> Judgement:
        raise RuntimeError("judgements are made in a writing transaction")

    def history(self, party_key: str | None = None) -> list[Judgement]:
        return self.reads.history(party_key)

    def latest(self, party_key: str, entry_id: str) -> Judgement | None:
        return self.reads.latest(party_key, entry_id)

    def watch(self, party: WatchedParty) -> None:
        self.later.parties[party.key] = party

    def watched(self) -> list[WatchedParty]:
        return self.reads.watched()

    def seen(self, party_key: str) -> dict[str, SeenHit]:
        found = self.reads.seen(party_key)
        found.update({e: h for (k, e), h in self.later.seen.items() if k == party_key})
        return found

    def record_seen(self, hits: list[SeenHit]) -> None:
        for h in hits:
            self.later.seen[(h.party_key, h.entry_id)] = h


def _upsert(session: Session, table: Any, keys: list[str], rows: list[dict[str, Any]]) -> None:
    """INSERT ... ON CONFLICT DO UPDATE: one statement, and no race between two writers
    that both found the row missing."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table)
    columns = [c for c in rows[0] if c not in keys]
    stmt = stmt.values(rows)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=keys, set_={c: getattr(stmt.excluded, c) for c in columns}
        )
    )


def _to_judgement(row: JudgementRow) -> Judgement:
    return Judgement(
        party_key=row.party_key,
        party_name=row.party_name,
        entry_id=row.entry_id,
        entry_hash=row.entry_hash,
        entry_name=row.entry_name,
        decision=row.decision,
        reason=row.reason,
        author=row.author,
        snapshot_id=row.snapshot_id,
        score=row.score,
        matcher=row.matcher,
        created_at=row.created_at,
        id=row.id,
    )


class SqlJudgements:
    """JudgementRepository over one session; `actor` signs the audit entries."""

    def __init__(self, session: Session, actor: str, *, until_seq: int | None = None) -> None:
        self.session = session
        self.actor = actor
        self.until_seq = until_seq  # replay: only judgements logged before this audit entry

    def rescreen_store(self) -> Any:
        """The re-screening state kept in the same database (screening.rescreen.store_for)."""
        from chipcontrols.storage.rescreen import SqlRescreenStore

        return SqlRescreenStore(self.session)

    def add(self, judgement: Judgement) -> Judgement:
        if judgement.decision not in DECISIONS:
            raise InputError("decision is 'cleared' or 'confirmed'", loc="decision")
        if not judgement.reason.strip():
            raise InputError("a judgement needs a reason", loc="reason")
        if not judgement.author.strip():
            raise InputError("a judgement needs an author", loc="author")
        fields = judgement.to_dict()
        fields.pop("id")
        row = JudgementRow(party_key_sha256=key_hash(judgement.party_key), **fields)
        self.session.add(row)
        self.session.flush()
        row.audit_seq = audit.append(
            self.session,
            actor=self.actor,
            action="judge",
            subject=f"judgement:{row.id}",
            payload={
                "sha256": audit.judgement_hash(row),
                "decision": row.decision,
                "entry_id": row.entry_id,
                "party_name": row.party_name,
            },
        ).seq
        self.session.flush()
        return _to_judgement(row)

    def history(self, party_key: str | None = None) -> list[Judgement]:
        query = select(JudgementRow).order_by(JudgementRow.id)
        if self.until_seq is not None:
            query = query.where(JudgementRow.audit_seq < self.until_seq)
        if party_key:
            query = query.where(JudgementRow.party_key_sha256 == key_hash(party_key))
        return [_to_judgement(r) for r in self.session.execute(query).scalars()]

    def latest(self, party_key: str, entry_id: str) -> Judgement | None:
        query = select(JudgementRow).where(
            JudgementRow.party_key_sha256 == key_hash(party_key),
            JudgementRow.entry_id == entry_id,
        )
        if self.until_seq is not None:
            query = query.where(JudgementRow.audit_seq < self.until_seq)
        row = self.session.execute(
            query.order_by(JudgementRow.audit_seq.desc(), JudgementRow.id.desc()).limit(1)
        ).scalar_one_or_none()
        return _to_judgement(row) if row else None

    def watch(self, party: WatchedParty) -> None:
        digest = key_hash(party.key)
        row = self.session.get(PartyRow, digest)
        if row is None:
            self.session.add(
                PartyRow(
                    key_sha256=digest,
                    key=party.key,
                    name=party.name,
                    country=party.country,
                    address=party.address,
                    document=party.document,
                )
            )
        else:
            row.name, row.country = party.name, party.country
            row.address, row.document = party.address, party.document
        self.session.flush()

    def watched(self) -> list[WatchedParty]:
        rows = self.session.execute(select(PartyRow).order_by(PartyRow.key)).scalars()
        return [WatchedParty(r.key, r.name, r.country, r.address, r.document) for r in rows]

    def seen(self, party_key: str) -> dict[str, SeenHit]:
        rows = self.session.execute(
            select(SeenHitRow).where(SeenHitRow.party_key_sha256 == key_hash(party_key))
        ).scalars()
        return {
            r.entry_id: SeenHit(
                r.party_key, r.entry_id, r.entry_hash, r.snapshot_id, r.score, r.seen_at
            )
            for r in rows
        }

    def record_seen(self, hits: list[SeenHit]) -> None:
        for h in hits:
            digest = key_hash(h.party_key)
            row = self.session.get(SeenHitRow, (digest, h.entry_id))
            if row is None:
                self.session.add(
                    SeenHitRow(
                        party_key_sha256=digest,
                        party_key=h.party_key,
                        entry_id=h.entry_id,
                        entry_hash=h.entry_hash,
                        snapshot_id=h.snapshot_id,
                        score=h.score,
                        seen_at=h.seen_at,
                    )
                )
            else:
                row.entry_hash, row.snapshot_id = h.entry_hash, h.snapshot_id
                row.score, row.seen_at = h.score, h.seen_at
        self.session.flush()
