"""Records, transactions, screening hits and the review queue, judgements and the audit log as
read: the queries and writes the service layer needs, on a caller's session."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chipcontrols.errors import NotFoundError
from chipcontrols.storage import audit
from chipcontrols.storage.canonical import canonical, new_id, now, sha256_text
from chipcontrols.storage.judgements import key_hash
from chipcontrols.storage.models import (
    AuditRow,
    HitRow,
    JudgementRow,
    RecordRow,
    TransactionRow,
)

# ---------------------------------------------------------------- records and transactions


def add_record(
    session: Session,
    *,
    kind: str,
    action: str,
    actor: str,
    as_of: dt.date,
    rulebook_version: str,
    list_snapshots: list[str],
    engine_version: str,
    input: dict[str, Any],
    result: dict[str, Any],
    summary: str,
    transaction_id: str | None = None,
    hits: list[HitRow] | None = None,
) -> RecordRow:
    """Store a record and its log entry; `hits` (from `hit_rows`) are stored with it and
    their hash logged, so the review queue reads only what the log covers."""
    row = RecordRow(
        id=new_id("rec"),
        kind=kind,
        created_at=now(),
        actor=actor,
        as_of=as_of.isoformat(),
        rulebook_version=rulebook_version,
        list_snapshots=canonical(list_snapshots),
        engine_version=engine_version,
        input=canonical(input),
        result=canonical(result),
        summary=summary[:2000],
        transaction_id=transaction_id,
        sha256="",
    )
    row.sha256 = audit.record_hash(row)
    session.add(row)
    session.flush()
    row.audit_seq = audit.append(
        session,
        actor=actor,
        action=action,
        subject=row.id,
        payload={
            "sha256": row.sha256,
            "kind": kind,
            "as_of": row.as_of,
            "rulebook_version": rulebook_version,
            "list_snapshots": list_snapshots,
            "summary": row.summary,
            **({"hits_sha256": audit.hits_hash(hits)} if hits is not None else {}),
        },
    ).seq
    for hit in hits or []:
        hit.record_id = row.id
        session.add(hit)
    session.flush()
    return row


def get_record(session: Session, record_id: str) -> RecordRow:
    row = session.get(RecordRow, record_id.strip())
    if row is None:
        raise NotFoundError(f"no record {record_id!r}", loc="record_id")
    return row


def list_records(
    session: Session, *, kind: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[int, list[RecordRow]]:
    query = select(RecordRow)
    count = select(func.count()).select_from(RecordRow)
    if kind:
        query = query.where(RecordRow.kind == kind)
        count = count.where(RecordRow.kind == kind)
    rows = session.execute(
        query.order_by(RecordRow.created_at.desc(), RecordRow.id).limit(limit).offset(offset)
    ).scalars()
    return session.execute(count).scalar_one(), list(rows)


def record_dict(row: RecordRow, *, full: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "kind": row.kind,
        "created_at": row.created_at,
        "actor": row.actor,
        "as_of": row.as_of,
        "rulebook_version": row.rulebook_version,
        "list_snapshots": json.loads(row.list_snapshots),
        "engine_version": row.engine_version,
        "transaction_id": row.transaction_id,
        "summary": row.summary,
        "sha256": row.sha256,
        "audit_seq": row.audit_seq,
    }
    if full:
        out["input"] = json.loads(row.input)
        out["result"] = json.loads(row.result)
    return out


def record_json(row: RecordRow) -> bytes:
    """The record as JSON: its stored canonical input and result are spliced in as they
    are (they are JSON text already), not decoded and encoded again."""
    head = json.dumps(record_dict(row, full=False), ensure_ascii=False)
    return f'{head[:-1]},"input":{row.input},"result":{row.result}}}'.encode()


def add_transaction(session: Session, document: dict[str, Any], actor: str) -> TransactionRow:
    text = canonical(document)
    row = TransactionRow(
        id=new_id("txn"),
        document=text,
        sha256=sha256_text(text),
        created_at=now(),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    return row


# ---------------------------------------------------------------- hits and judgements


def hit_rows(result: dict[str, Any]) -> list[HitRow]:
    """The matching hits of a screening result as rows, not yet stored or tied to a record."""
    out: list[HitRow] = []
    at = now()
    for party_result in result.get("results", []):
        party = party_result.get("party") or {"name": party_result.get("query")}
        key = str(party.get("key") or party.get("name"))
        for hit in party_result.get("hits", []):
            if not hit.get("match"):
                continue
            out.append(
                HitRow(
                    party_key_sha256=key_hash(key),
                    party_key=key,
                    party_name=str(party.get("name")),
                    party_country=party.get("country"),
                    party_document=canonical(
                        {k: v for k, v in party.items() if k != "key" and v is not None}
                    ),
                    entry_id=str(hit["entry_id"]),
                    entry_hash=str(hit.get("entry", {}).get("content_hash", "")),
                    entry_name=str(hit.get("name")),
                    list=str(hit.get("list")),
                    snapshot_id=str(hit.get("list_snapshot", "")),
                    score=float(hit.get("score", 0.0)),
                    created_at=at,
                )
            )
    return out


def review_queue(session: Session, *, limit: int = 200) -> list[dict[str, Any]]:
    """Matching hits that no judgement in force covers: the latest per (party, entry)."""
    latest = (
        select(func.max(HitRow.id))
        .group_by(HitRow.party_key_sha256, HitRow.entry_id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(HitRow)
        .where(HitRow.id.in_(latest))
        .order_by(HitRow.created_at.desc(), HitRow.score.desc(), HitRow.id)
    ).scalars()
    queue = []
    for hit in rows:
        judgement = session.execute(
            select(JudgementRow)
            .where(
                JudgementRow.party_key_sha256 == hit.party_key_sha256,
                JudgementRow.entry_id == hit.entry_id,
            )
            .order_by(JudgementRow.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if judgement is not None and judgement.entry_hash == hit.entry_hash:
            continue
        queue.append(
            {
                "hit_id": hit.id,
                "record_id": hit.record_id,
                "party": json.loads(hit.party_document),
                "entry_id": hit.entry_id,
                "entry_name": hit.entry_name,
                "list": hit.list,
                "score": hit.score,
                "snapshot_id": hit.snapshot_id,
                "created_at": hit.created_at,
                "previous_judgement": (
                    {
                        "decision": judgement.decision,
                        "reason": judgement.reason,
                        "author": judgement.author,
                        "detail": "the listed entry changed since this judgement",
                    }
                    if judgement
                    else None
                ),
            }
        )
        if len(queue) >= limit:
            break
    return queue


def get_hit(session: Session, hit_id: int) -> HitRow:
    row = session.get(HitRow, hit_id)
    if row is None:
        raise NotFoundError(f"no hit {hit_id}", loc="hit_id")
    return row


def list_judgements(session: Session, *, limit: int = 200) -> list[dict[str, Any]]:
    rows = session.execute(
        select(JudgementRow).order_by(JudgementRow.id.desc()).limit(limit)
    ).scalars()
    return [
        {
            "id": r.id,
            "party_name": r.party_name,
            "party_key": r.party_key,
            "entry_id": r.entry_id,
            "entry_name": r.entry_name,
            "entry_hash": r.entry_hash,
            "decision": r.decision,
            "reason": r.reason,
            "author": r.author,
            "snapshot_id": r.snapshot_id,
            "score": r.score,
            "matcher": r.matcher,
            "created_at": r.created_at,
        }
        for r in rows
    ]


# ---------------------------------------------------------------- audit


def audit_entries(
    session: Session, *, limit: int = 100, before: int | None = None, subject: str | None = None
) -> list[dict[str, Any]]:
    query = select(AuditRow)
    if before is not None:
        query = query.where(AuditRow.seq < before)
    if subject:
        query = query.where(AuditRow.subject == subject)
    rows = session.execute(query.order_by(AuditRow.seq.desc()).limit(limit)).scalars()
    return [
        {
            "seq": r.seq,
            "at": r.at,
            "actor": r.actor,
            "action": r.action,
            "subject": r.subject,
            "payload": json.loads(r.payload) if r.payload.startswith("{") else r.payload,
            "prev_hash": r.prev_hash,
            "hash": r.hash,
        }
        for r in rows
    ]
