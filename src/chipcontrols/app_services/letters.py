"""Service functions for the user's company letters (BIS is-informed letters): add, list,
revoke, each audited; and the letters a determination is computed with. Every interface
(CLI `chipcontrols letters`, API `/v1/letters`) calls these."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chipcontrols.app_services.service import Services
from chipcontrols.determination.company_letters import UserLetter
from chipcontrols.storage.letters import SqlLetters, row_dict


def add_letter(svc: Services, letter: Any, *, actor: str) -> dict[str, Any]:
    """Record a letter (checked field by field); returns it with its id and audit entry."""
    with svc.db.write() as session:
        return row_dict(SqlLetters(session, actor).add(letter))


def list_letters(svc: Services, *, include_revoked: bool = False) -> dict[str, Any]:
    with svc.db.read() as session:
        rows = SqlLetters(session, "reader").rows(include_revoked=include_revoked)
        return {"letters": [row_dict(r) for r in rows]}


def get_letter(svc: Services, letter_id: str) -> dict[str, Any]:
    with svc.db.read() as session:
        return row_dict(SqlLetters(session, "reader").get(letter_id))


def revoke_letter(svc: Services, letter_id: str, *, reason: str, actor: str) -> dict[str, Any]:
    """Withdraw a letter from later determinations (replays of earlier ones still see it)."""
    with svc.db.write() as session:
        return row_dict(SqlLetters(session, actor).revoke(letter_id, reason))


def letters_for(session: Session, *, until_seq: int | None = None) -> list[UserLetter]:
    """The letters a determination uses: those in the store now, or, for the replay of a
    record, those as they stood before the record's audit entry."""
    return SqlLetters(session, "reader").in_force_for(until_seq)
