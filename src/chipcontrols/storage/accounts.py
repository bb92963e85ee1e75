"""Users, API keys and web sessions: their creation, revocation and listing, each an audit
entry, and the authentication of a key."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chipcontrols.access import ROLES, AuthError, Principal
from chipcontrols.errors import InputError, NotFoundError
from chipcontrols.storage import audit
from chipcontrols.storage.canonical import now, sha256_text
from chipcontrols.storage.models import ApiKeyRow, UserRow

KEY_PREFIX = "cck_"


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
