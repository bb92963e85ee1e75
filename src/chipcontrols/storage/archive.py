"""The law and list archive: every rulebook version and list snapshot a record was computed
under, stored so that the record can be replayed."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chipcontrols.storage.canonical import canonical, now
from chipcontrols.storage.models import ListSnapshotRow, RulebookArchive


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
