"""The user's company letters (BIS is-informed letters) in the service database.

Each letter is written once with its audit entry; a revocation stamps the row and adds its
own audit entry, in the same transaction. `in_force_for(until_seq)` gives the letters as they
stood before an audit entry, which is what a replay of a determination needs.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chipcontrols.determination.company_letters import UserLetter, parse_letter
from chipcontrols.errors import InputError, NotFoundError
from chipcontrols.storage import audit
from chipcontrols.storage.canonical import canonical, new_id, now, sha256_text
from chipcontrols.storage.models import CompanyLetterRow

MAX_REASON = 4000


def letter_of(row: CompanyLetterRow) -> UserLetter:
    return parse_letter(json.loads(row.document), loc=f"letter:{row.id}", letter_id=row.id)


def row_dict(row: CompanyLetterRow) -> dict[str, Any]:
    return {
        **json.loads(row.document),
        "id": row.id,
        "sha256": row.sha256,
        "created_at": row.created_at,
        "created_by": row.created_by,
        "audit_seq": row.audit_seq,
        "revoked_at": row.revoked_at,
        "revoked_by": row.revoked_by,
        "revoke_reason": row.revoke_reason,
    }


class SqlLetters:
    """Letters over one session; `actor` signs the audit entries."""

    def __init__(self, session: Session, actor: str) -> None:
        self.session = session
        self.actor = actor

    def add(self, raw: Any) -> CompanyLetterRow:
        letter = parse_letter(raw, loc="letter", letter_id="unsaved")
        ident = new_id("ltr")
        document = {k: v for k, v in letter.to_dict().items() if k != "id"}
        text = canonical(document)
        row = CompanyLetterRow(
            id=ident,
            document=text,
            sha256=sha256_text(text),
            effective=letter.effective.isoformat(),
            ends=letter.ends.isoformat() if letter.ends else None,
            created_at=now(),
            created_by=self.actor,
        )
        self.session.add(row)
        self.session.flush()
        row.audit_seq = audit.append(
            self.session,
            actor=self.actor,
            action="add_letter",
            subject=f"letter:{ident}",
            payload={
                "sha256": row.sha256,
                "exporters": list(letter.exporters),
                "reference": letter.reference,
            },
        ).seq
        self.session.flush()
        return row

    def get(self, letter_id: str) -> CompanyLetterRow:
        row = self.session.get(CompanyLetterRow, letter_id)
        if row is None:
            raise NotFoundError(f"no letter {letter_id!r}", loc="letter_id")
        return row

    def revoke(self, letter_id: str, reason: str) -> CompanyLetterRow:
        if not isinstance(reason, str) or not reason.strip():
            raise InputError("give the reason for revoking the letter", loc="reason")
        if len(reason) > MAX_REASON:
            raise InputError(f"a reason is at most {MAX_REASON} characters", loc="reason")
        row = self.get(letter_id)
        if row.revoked_at is not None:
            raise InputError(
                f"letter {letter_id!r} was revoked on {row.revoked_at}", loc="letter_id"
            )
        row.revoked_at = now()
        row.revoked_by = self.actor
        row.revoke_reason = reason.strip()
        self.session.flush()
        row.revoke_audit_seq = audit.append(
            self.session,
            actor=self.actor,
            action="revoke_letter",
            subject=f"letter:{row.id}",
            payload={"sha256": row.sha256, "reason": row.revoke_reason},
        ).seq
        self.session.flush()
        return row

    def rows(self, *, include_revoked: bool = False) -> list[CompanyLetterRow]:
        query = select(CompanyLetterRow).order_by(CompanyLetterRow.created_at, CompanyLetterRow.id)
        if not include_revoked:
            query = query.where(CompanyLetterRow.revoked_at.is_(None))
        return list(self.session.execute(query).scalars())

    def in_force_for(self, until_seq: int | None = None) -> list[UserLetter]:
        """The letters not revoked; for a replay, those recorded before audit entry
        `until_seq` and not revoked before it (the letters the answer was given with)."""
        query = select(CompanyLetterRow).order_by(CompanyLetterRow.created_at, CompanyLetterRow.id)
        if until_seq is None:
            query = query.where(CompanyLetterRow.revoked_at.is_(None))
        else:
            query = query.where(
                CompanyLetterRow.audit_seq < until_seq,
                or_(
                    CompanyLetterRow.revoke_audit_seq.is_(None),
                    CompanyLetterRow.revoke_audit_seq >= until_seq,
                ),
            )
        return [letter_of(r) for r in self.session.execute(query).scalars()]
