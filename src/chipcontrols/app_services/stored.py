"""Determinations recorded by the service layer, read back for a what-if re-run.

The scenario package computes; reading the database is the service layer's job.
"""

from __future__ import annotations

from typing import Any

from chipcontrols.scenario.whatif import StoredDetermination, parse_determinations
from chipcontrols.settings import Settings
from chipcontrols.storage.db import Database, DatabaseError
from chipcontrols.storage.records import list_records, record_dict


def stored_determinations(limit: int = 1000) -> list[StoredDetermination]:
    """Determinations recorded by the service layer (CHIPCONTROLS_DATABASE_URL or the embedded
    database), newest first."""
    settings = Settings()
    database = Database(settings.db_url)
    try:
        if database.revision() is None:
            raise DatabaseError(
                "the database has no tables yet; run `chipcontrols db upgrade` or start the "
                "service once",
                loc=database.safe_url,
            )
        records: list[dict[str, Any]] = []
        with database.read() as session:
            offset = 0
            while len(records) < limit:
                _, rows = list_records(
                    session,
                    kind="determination",
                    limit=min(200, limit - len(records)),
                    offset=offset,
                )
                if not rows:
                    break
                records.extend(record_dict(r) for r in rows)
                offset += len(rows)
    finally:
        database.dispose()
    if not records:
        return []
    return parse_determinations(records, loc="database")
