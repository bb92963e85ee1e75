"""The audit log: append-only, each row's hash covering the row before it.

    hash(n) = SHA-256(canonical {seq, at, actor, action, subject, payload_sha256, prev})
    prev(n) = hash(n-1); prev(1) = 64 zeros

`audit_head` holds the last (seq, hash). An append locks that row (SELECT ... FOR UPDATE
on PostgreSQL; BEGIN IMMEDIATE on SQLite) so appends are serialised, and is written in the
same transaction as the record it describes.

`verify` walks the chain and reports every break: an edited row (its hash no longer
matches its content), a deleted or reordered row (a gap in seq or a `prev` that is not
the hash before it), a deleted tail (the head names a later row), and records or
judgements whose stored content no longer matches the hash the log took of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chipcontrols.storage.canonical import canonical, now, sha256_text
from chipcontrols.storage.models import (
    GENESIS,
    ApiKeyRow,
    AuditHeadRow,
    AuditRow,
    BatchRunRow,
    JudgementRow,
    RecordRow,
)


def entry_hash(
    seq: int, at: str, actor: str, action: str, subject: str, payload: str, prev: str
) -> str:
    return sha256_text(
        canonical(
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": action,
                "subject": subject,
                "payload_sha256": sha256_text(payload),
                "prev": prev,
            }
        )
    )


def append(
    session: Session, *, actor: str, action: str, subject: str, payload: dict[str, Any]
) -> AuditRow:
    """Append one entry in the caller's transaction."""
    head = session.execute(
        select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()
    ).scalar_one()
    seq = head.seq + 1
    at = now()
    text = canonical(payload)
    digest = entry_hash(seq, at, actor, action, subject, text, head.hash)
    row = AuditRow(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        payload=text,
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(row)
    head.seq = seq
    head.hash = digest
    session.flush()
    return row


def record_hash(row: RecordRow) -> str:
    return sha256_text(
        canonical(
            {
                "id": row.id,
                "kind": row.kind,
                "created_at": row.created_at,
                "actor": row.actor,
                "as_of": row.as_of,
                "rulebook_version": row.rulebook_version,
                "list_snapshots": row.list_snapshots,
                "engine_version": row.engine_version,
                "transaction_id": row.transaction_id,
                "input_sha256": sha256_text(row.input),
                "result_sha256": sha256_text(row.result),
                "summary": row.summary,
            }
        )
    )


def key_hash(row: ApiKeyRow, user_name: str) -> str:
    """What a key or session is: whose, which secret, from when to when (not its use)."""
    return sha256_text(
        canonical(
            {
                "id": row.id,
                "user": user_name,
                "kind": row.kind,
                "label": row.label,
                "secret_sha256": row.secret_sha256,
                "created_at": row.created_at,
                "expires_at": row.expires_at,
                "parent_id": row.parent_id,
            }
        )
    )


def batch_run_hash(row: BatchRunRow) -> str:
    """What a batch run is: its file, operation and options (not its progress)."""
    return sha256_text(
        canonical(
            {
                "id": row.id,
                "file_name": row.file_name,
                "file_sha256": row.file_sha256,
                "operation": row.operation,
                "options": row.options,
                "total_rows": row.total_rows,
                "created_at": row.created_at,
            }
        )
    )


def judgement_hash(row: JudgementRow) -> str:
    return sha256_text(
        canonical(
            {
                "id": row.id,
                "party_key": row.party_key,
                "party_name": row.party_name,
                "entry_id": row.entry_id,
                "entry_hash": row.entry_hash,
                "entry_name": row.entry_name,
                "decision": row.decision,
                "reason": row.reason,
                "author": row.author,
                "snapshot_id": row.snapshot_id,
                "score": row.score,
                "matcher": row.matcher,
                "created_at": row.created_at,
            }
        )
    )


@dataclass
class Problem:
    seq: int | None
    kind: str  # edited | missing | reordered | truncated | record_edited | unlogged ...
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "detail": self.detail}


@dataclass
class Verification:
    entries: int
    head_seq: int
    head_hash: str
    problems: list[Problem] = field(default_factory=list)
    records_checked: int = 0
    judgements_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "records_checked": self.records_checked,
            "judgements_checked": self.judgements_checked,
            "problems": [p.to_dict() for p in self.problems],
        }


def _rows(session: Session, batch: int = 2000) -> Iterator[AuditRow]:
    last = 0
    while True:
        rows = (
            session.execute(
                select(AuditRow).where(AuditRow.seq > last).order_by(AuditRow.seq).limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify(session: Session, *, expect_head: str | None = None) -> Verification:
    head = session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one_or_none()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    result = Verification(entries=0, head_seq=head_seq, head_hash=head_hash)
    problems = result.problems
    if head is None:
        problems.append(Problem(None, "head_missing", "the audit head row is missing"))
    expected_seq, prev = 1, GENESIS
    by_hash_seen: set[str] = set()
    subjects: dict[str, tuple[str, int]] = {}  # subject -> (logged sha256, seq)
    for row in _rows(session):
        result.entries += 1
        if row.seq != expected_seq:
            problems.append(
                Problem(
                    row.seq,
                    "missing",
                    f"expected entry {expected_seq}, found {row.seq}: "
                    f"{row.seq - expected_seq} entr{'y' if row.seq - expected_seq == 1 else 'ies'} "
                    "deleted",
                )
            )
        recomputed = entry_hash(
            row.seq, row.at, row.actor, row.action, row.subject, row.payload, row.prev_hash
        )
        if recomputed != row.hash:
            problems.append(
                Problem(row.seq, "edited", "the entry's content does not match its hash")
            )
        if row.prev_hash != prev:
            kind = "reordered" if row.prev_hash in by_hash_seen else "broken_link"
            problems.append(
                Problem(
                    row.seq,
                    kind,
                    "the entry does not follow the one before it "
                    "(an entry before it was edited, deleted or moved)",
                )
            )
        by_hash_seen.add(row.hash)
        prev = row.hash
        expected_seq = row.seq + 1
        try:
            payload = json.loads(row.payload)
        except ValueError:
            payload = {}
        digest = payload.get("sha256") if isinstance(payload, dict) else None
        if isinstance(digest, str) and row.action in _SUBJECT_ACTIONS:
            subjects[row.subject] = (digest, row.seq)
    if result.entries and (prev != head_hash or expected_seq - 1 != head_seq):
        problems.append(
            Problem(
                head_seq,
                "truncated",
                f"the head names entry {head_seq}, the log ends at {expected_seq - 1}: "
                "entries at the end were deleted or the head was altered",
            )
        )
    elif not result.entries and head_seq != 0:
        problems.append(
            Problem(head_seq, "truncated", "the log is empty but the head names entries")
        )
    if expect_head and expect_head != GENESIS and expect_head not in by_hash_seen:
        problems.append(
            Problem(
                None,
                "head_mismatch",
                f"the published head {expect_head[:16]}… is not in the log: the chain does "
                "not extend it (entries up to it were rewritten or deleted)",
            )
        )
    _check_subjects(session, subjects, result)
    return result


_SUBJECT_ACTIONS = {"classify", "screen", "determine", "assess", "check", "judge"}


def _check_subjects(
    session: Session, logged: dict[str, tuple[str, int]], result: Verification
) -> None:
    for rec in session.execute(select(RecordRow).order_by(RecordRow.created_at)).scalars():
        result.records_checked += 1
        found = logged.pop(rec.id, None)
        want, seq = found if found else (None, None)
        if want is None:
            result.problems.append(Problem(None, "unlogged", f"record {rec.id} has no audit entry"))
        elif record_hash(rec) != want or rec.sha256 != want or rec.audit_seq != seq:
            result.problems.append(
                Problem(None, "record_edited", f"record {rec.id} was changed after it was made")
            )
    for j in session.execute(select(JudgementRow).order_by(JudgementRow.id)).scalars():
        result.judgements_checked += 1
        key = f"judgement:{j.id}"
        found = logged.pop(key, None)
        want, seq = found if found else (None, None)
        if want is None:
            result.problems.append(
                Problem(None, "unlogged", f"judgement {j.id} has no audit entry")
            )
        elif judgement_hash(j) != want or j.audit_seq != seq:
            result.problems.append(
                Problem(None, "judgement_edited", f"judgement {j.id} was changed after it was made")
            )
    for subject in logged:
        result.problems.append(
            Problem(None, "subject_deleted", f"{subject} is in the audit log but not stored")
        )
