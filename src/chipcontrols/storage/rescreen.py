"""The re-screening state in the service database (see chipcontrols.screening.rescreen).

Written in the caller's transaction, like the judgements and seen hits beside it.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chipcontrols.screening.judgements import SeenHit
from chipcontrols.screening.rescreen import RunState
from chipcontrols.storage.canonical import sha256_text
from chipcontrols.storage.models import RescreenPartyRow, RescreenRunRow, SeenHitRow


def _dumps(doc: Any) -> str:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _seen(r: SeenHitRow) -> SeenHit:
    return SeenHit(r.party_key, r.entry_id, r.entry_hash, r.snapshot_id, r.score, r.seen_at)


class SqlRescreenStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def last_run(self) -> RunState | None:
        row = self.session.execute(
            select(RescreenRunRow).order_by(RescreenRunRow.id.desc()).limit(1)
        ).scalar_one_or_none()
        return RunState.from_dict(json.loads(row.document)) if row else None

    def record_run(self, state: RunState) -> None:
        self.session.add(
            RescreenRunRow(document=_dumps(state.to_dict()), created_at=state.created_at)
        )
        self.session.flush()

    def margins(self) -> dict[str, dict[str, Any]]:
        rows = self.session.execute(select(RescreenPartyRow.key, RescreenPartyRow.document))
        return {k: json.loads(d) for k, d in rows}

    def save_margins(self, margins: dict[str, dict[str, Any]]) -> None:
        if not margins:
            return
        digests = {sha256_text(k): k for k in margins}
        keys = list(digests)
        existing: dict[str, RescreenPartyRow] = {}
        for i in range(0, len(keys), 500):
            rows = self.session.execute(
                select(RescreenPartyRow).where(RescreenPartyRow.key_sha256.in_(keys[i : i + 500]))
            ).scalars()
            existing.update({r.key_sha256: r for r in rows})
        for digest, key in digests.items():
            doc = _dumps(margins[key])
            row = existing.get(digest)
            if row is None:
                self.session.add(RescreenPartyRow(key_sha256=digest, key=key, document=doc))
            else:
                row.document = doc
        self.session.flush()

    def forget(self, party_keys: Collection[str]) -> None:
        """One statement per 500 parties."""
        digests = sorted({sha256_text(k) for k in party_keys})
        for i in range(0, len(digests), 500):
            self.session.execute(
                delete(RescreenPartyRow).where(
                    RescreenPartyRow.key_sha256.in_(digests[i : i + 500])
                )
            )

    def all_seen(self) -> dict[str, dict[str, SeenHit]]:
        out: dict[str, dict[str, SeenHit]] = {}
        for r in self.session.execute(select(SeenHitRow)).scalars():
            out.setdefault(r.party_key, {})[r.entry_id] = _seen(r)
        return out
