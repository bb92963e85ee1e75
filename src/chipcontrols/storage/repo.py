"""Repositories: the queries and writes the service layer needs, on a caller's session."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chipcontrols.errors import ChipControlsError, InputError, NotFoundError
from chipcontrols.storage import audit
from chipcontrols.storage.canonical import canonical, new_id, now, sha256_text
from chipcontrols.storage.judgements import key_hash
from chipcontrols.storage.models import (
    ApiKeyRow,
    AuditRow,
    HitRow,
    JudgementRow,
    ListSnapshotRow,
    RecordRow,
    RulebookArchive,
    TransactionRow,
    UserRow,
)

ROLES = ("viewer", "analyst", "admin")
KEY_PREFIX = "cck_"


class AuthError(ChipControlsError):
    code = "unauthenticated"
    http_status = 401


class ForbiddenError(ChipControlsError):
    code = "forbidden"
    http_status = 403


def role_rank(role: str) -> int:
    return ROLES.index(role)


# ---------------------------------------------------------------- records


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


def add_hits(session: Session, record_id: str, result: dict[str, Any]) -> int:
    """Store the matching hits of a screening result (the review queue reads them)."""
    rows = hit_rows(result)
    for hit in rows:
        hit.record_id = record_id
        session.add(hit)
    session.flush()
    return len(rows)


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


# ---------------------------------------------------------------- law and lists


def has_rulebook(session: Session, version: str) -> bool:
    found = session.execute(
        select(RulebookArchive.version).where(RulebookArchive.version == version)
    ).first()
    return found is not None


def has_snapshot(session: Session, snapshot_id: str) -> bool:
    found = session.execute(
        select(ListSnapshotRow.id).where(ListSnapshotRow.id == snapshot_id)
    ).first()
    return found is not None


def archive_rulebook(session: Session, version: str, files: dict[str, str]) -> bool:
    if session.get(RulebookArchive, version) is not None:
        return False
    session.add(RulebookArchive(version=version, files=canonical(files), created_at=now()))
    session.flush()
    return True


def archived_rulebook(session: Session, version: str) -> dict[str, str] | None:
    row = session.get(RulebookArchive, version)
    return json.loads(row.files) if row else None


def store_snapshot(session: Session, info: dict[str, Any], document: dict[str, Any]) -> bool:
    if session.get(ListSnapshotRow, info["id"]) is not None:
        return False
    session.add(
        ListSnapshotRow(
            id=info["id"],
            dataset=info["dataset"],
            as_of=info["as_of"],
            entries=int(info["entries"]),
            source=canonical(info.get("source") or {}),
            document=canonical(document),
            created_at=now(),
        )
    )
    session.flush()
    return True


def stored_snapshot(session: Session, snapshot_id: str) -> dict[str, Any] | None:
    row = session.get(ListSnapshotRow, snapshot_id)
    return json.loads(row.document) if row else None


def stored_snapshot_ids(session: Session) -> list[str]:
    return list(session.execute(select(ListSnapshotRow.id)).scalars())


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


# ---------------------------------------------------------------- users and keys


@dataclass(frozen=True)
class Principal:
    user_id: int
    name: str
    role: str
    key_id: str
    kind: str  # api | session

    @property
    def actor(self) -> str:
        return f"user:{self.name}"

    def allows(self, role: str) -> bool:
        return role_rank(self.role) >= role_rank(role)

    def to_dict(self) -> dict[str, Any]:
        return {"user": self.name, "role": self.role, "key_id": self.key_id, "kind": self.kind}


NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")


def check_name(name: str, *, loc: str = "name") -> str:
    """A user name: 1 to 80 ASCII letters, digits, '.', '_', '-' or '@'. Only ASCII, so that
    no two names look alike (full-width letters, other scripts' digits, homoglyphs)."""
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > 80 or not set(name) <= NAME_CHARS:
        raise InputError(
            "a user name is 1 to 80 ASCII letters, digits, '.', '_', '-' or '@'", loc=loc
        )
    return name


def check_role(role: str, *, loc: str = "role") -> str:
    if role not in ROLES:
        raise InputError(f"role is one of {', '.join(ROLES)}", loc=loc)
    return role


def create_user(session: Session, name: str, role: str, *, actor: str) -> UserRow:
    name, role = check_name(name), check_role(role)
    taken = session.execute(
        select(UserRow.name).where(func.lower(UserRow.name) == name.lower())
    ).first()
    if taken:  # names differing only in case are one name to a reader
        raise InputError(f"user {taken[0]!r} exists", loc="name", code="conflict")
    row = UserRow(name=name, role=role, created_at=now(), disabled=False)
    session.add(row)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="user.create",
        subject=f"user:{name}",
        payload={"role": role, "disabled": False},
    )
    return row


def get_user(session: Session, name: str) -> UserRow:
    row = session.execute(select(UserRow).where(UserRow.name == name)).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"no user {name!r}", loc="user")
    return row


def list_users(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(select(UserRow).order_by(UserRow.name)).scalars()
    return [
        {"name": r.name, "role": r.role, "created_at": r.created_at, "disabled": r.disabled}
        for r in rows
    ]


def count_users(session: Session) -> int:
    return session.execute(select(func.count()).select_from(UserRow)).scalar_one()


def create_key(
    session: Session,
    user: UserRow,
    *,
    label: str,
    actor: str,
    kind: str = "api",
    hours: int | None = None,
    parent_id: str | None = None,
) -> tuple[ApiKeyRow, str]:
    """A new key; the secret is returned once and only its SHA-256 is stored. A web
    session names the API key it was opened with (`parent_id`)."""
    key_id = "k" + secrets.token_hex(6)
    token = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    created = dt.datetime.now(dt.UTC)
    expires = (
        (created + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if hours else None
    )
    row = ApiKeyRow(
        id=key_id,
        user_id=user.id,
        label=label.strip()[:120] or kind,
        kind=kind,
        secret_sha256=sha256_text(token),
        created_at=now(),
        expires_at=expires,
        revoked_at=None,
        last_used_at=None,
        parent_id=parent_id,
    )
    session.add(row)
    session.flush()
    payload = {"user": user.name, "role": user.role, "label": row.label, "kind": kind}
    if parent_id:
        payload["parent"] = parent_id
    payload["row_sha256"] = audit.key_hash(row, user.name)
    audit.append(
        session,
        actor=actor,
        action="key.create" if kind == "api" else "sign_in",
        subject=f"key:{key_id}",
        payload=payload,
    )
    return row, token


def revoke_key(session: Session, key_id: str, *, actor: str, kind: str | None = None) -> ApiKeyRow:
    """Revoke a key (or a session); revoking an API key ends every web session opened
    with it, at once. Each revocation is an audit entry."""
    row = session.get(ApiKeyRow, key_id.strip()) if len(key_id) <= 24 else None
    if row is None or (kind is not None and row.kind != kind):
        raise NotFoundError(f"no {kind or 'key'} {key_id[:40]!r}", loc="key_id")
    if row.revoked_at is None:
        row.revoked_at = now()
        audit.append(
            session,
            actor=actor,
            action="key.revoke" if row.kind == "api" else "sign_out",
            subject=f"key:{row.id}",
            payload={"revoked_at": row.revoked_at},
        )
    children = session.execute(
        select(ApiKeyRow).where(ApiKeyRow.parent_id == row.id, ApiKeyRow.revoked_at.is_(None))
    ).scalars()
    for child in children:
        child.revoked_at = now()
        audit.append(
            session,
            actor=actor,
            action="sign_out",
            subject=f"key:{child.id}",
            payload={"revoked_at": child.revoked_at, "because": f"key:{row.id} revoked"},
        )
    session.flush()
    return row


def list_keys(
    session: Session, *, kind: str = "api", active_only: bool = False
) -> list[dict[str, Any]]:
    """API keys (kind 'api') or web sessions (kind 'session'), never their secrets."""
    query = (
        select(ApiKeyRow, UserRow)
        .join(UserRow, ApiKeyRow.user_id == UserRow.id)
        .where(ApiKeyRow.kind == kind)
        .order_by(ApiKeyRow.created_at)
    )
    if active_only:
        query = query.where(ApiKeyRow.revoked_at.is_(None)).where(
            (ApiKeyRow.expires_at.is_(None)) | (ApiKeyRow.expires_at > now())
        )
    out = []
    for k, u in session.execute(query).all():
        item = {
            "id": k.id,
            "user": u.name,
            "role": u.role,
            "label": k.label,
            "created_at": k.created_at,
            "revoked_at": k.revoked_at,
        }
        if kind == "session":
            item["key_id"] = k.parent_id
            item["expires_at"] = k.expires_at
        out.append(item)
    return out


def authenticate(session: Session, token: str) -> Principal:
    """The user a key belongs to; AuthError for anything else (never says which part failed)."""
    failure = AuthError("invalid or revoked API key", loc="Authorization")
    token = token.strip()
    if not token.startswith(KEY_PREFIX) or len(token) > 200:
        raise failure
    key_id = token[len(KEY_PREFIX) :].split("_", 1)[0]
    row = session.get(ApiKeyRow, key_id) if key_id.isalnum() else None
    if row is None or not hmac.compare_digest(row.secret_sha256, sha256_text(token)):
        raise failure
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at < now()):
        raise failure
    if row.parent_id is not None:  # a web session lives only as long as its key
        parent = session.get(ApiKeyRow, row.parent_id)
        if parent is None or parent.revoked_at is not None or parent.user_id != row.user_id:
            raise failure
        if parent.expires_at is not None and parent.expires_at < now():
            raise failure
    user = session.get(UserRow, row.user_id)
    if user is None or user.disabled:
        raise failure
    return Principal(user.id, user.name, user.role, row.id, row.kind)
