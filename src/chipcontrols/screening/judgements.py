"""Analysts' decisions on hits, the parties under watch, and the hits already reported.

A judgement (cleared / confirmed, reason, author) is stored apart from scores, keyed on the
party and on the listed entry's content hash: it holds for any later snapshot in which the
entry reads the same, and lapses when the entry changes. Judgements are never updated or
deleted; the latest one for a (party, entry) pair is the one in force.

`JudgementRepository` is the interface; `SqliteJudgements` keeps it in a SQLite file under
the data directory (standard library `sqlite3`).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from chipcontrols.errors import DataError, InputError
from chipcontrols.screening.names.normalise import normalise

DECISIONS = ("cleared", "confirmed")
SCHEMA_VERSION = 1


def party_key(name: str, country: str | None, party_id: str | None = None) -> str:
    """A party's identity for judgements: its own id if given, else normalised name + country."""
    if party_id:
        return f"id:{party_id.strip()}"
    norm = normalise(name)
    base = norm.key or name.strip().lower()
    forms = "+".join(norm.legal_forms)
    return f"name:{base}|{forms}|{(country or '').upper()}"


@dataclass(frozen=True)
class Judgement:
    party_key: str
    party_name: str
    entry_id: str
    entry_hash: str
    entry_name: str
    decision: str
    reason: str
    author: str
    snapshot_id: str
    score: float | None
    matcher: str
    created_at: str
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "party_key": self.party_key,
            "party_name": self.party_name,
            "entry_id": self.entry_id,
            "entry_hash": self.entry_hash,
            "entry_name": self.entry_name,
            "decision": self.decision,
            "reason": self.reason,
            "author": self.author,
            "snapshot_id": self.snapshot_id,
            "score": self.score,
            "matcher": self.matcher,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class WatchedParty:
    key: str
    name: str
    country: str | None
    address: str | None
    document: str  # the party as given (JSON), owners included


@dataclass(frozen=True)
class SeenHit:
    party_key: str
    entry_id: str
    entry_hash: str
    snapshot_id: str
    score: float
    seen_at: str


class JudgementRepository(Protocol):
    def add(self, judgement: Judgement) -> Judgement: ...
    def history(self, party_key: str | None = None) -> list[Judgement]: ...
    def latest(self, party_key: str, entry_id: str) -> Judgement | None: ...
    def watch(self, party: WatchedParty) -> None: ...
    def watched(self) -> list[WatchedParty]: ...
    def seen(self, party_key: str) -> dict[str, SeenHit]: ...
    def record_seen(self, hits: list[SeenHit]) -> None: ...


_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS judgements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    party_key TEXT NOT NULL, party_name TEXT NOT NULL,
    entry_id TEXT NOT NULL, entry_hash TEXT NOT NULL, entry_name TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('cleared', 'confirmed')),
    reason TEXT NOT NULL, author TEXT NOT NULL,
    snapshot_id TEXT NOT NULL, score REAL, matcher TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS judgements_pair ON judgements (party_key, entry_id, id);
CREATE TABLE IF NOT EXISTS parties (
    key TEXT PRIMARY KEY, name TEXT NOT NULL, country TEXT, address TEXT, document TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS seen_hits (
    party_key TEXT NOT NULL, entry_id TEXT NOT NULL, entry_hash TEXT NOT NULL,
    snapshot_id TEXT NOT NULL, score REAL NOT NULL, seen_at TEXT NOT NULL,
    PRIMARY KEY (party_key, entry_id)
);
"""


@contextmanager
def store_connection(path: Path) -> Iterator[sqlite3.Connection]:
    """One transaction on the CLI's judgement store file (also holds the re-screen state);
    SQLite errors become a DataError naming the file."""
    try:
        con = sqlite3.connect(path, timeout=30)
    except sqlite3.Error as exc:
        raise DataError(f"cannot open judgement store: {exc}", loc=str(path)) from None
    try:
        with con:
            yield con
    except sqlite3.DatabaseError as exc:
        raise DataError(f"judgement store error: {exc}", loc=str(path)) from None
    finally:
        con.close()


class SqliteJudgements:
    """The repository in one SQLite file; each call is one transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._conn() as con:
            con.executescript(_DDL)
            row = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if row is None:
                con.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif row[0] != str(SCHEMA_VERSION):
                raise DataError(f"judgement store has schema {row[0]}", loc=str(path))

    def _conn(self) -> AbstractContextManager[sqlite3.Connection]:
        return store_connection(self.path)

    def add(self, judgement: Judgement) -> Judgement:
        if judgement.decision not in DECISIONS:
            raise InputError("decision is 'cleared' or 'confirmed'", loc="--decision")
        if not judgement.reason.strip():
            raise InputError("a judgement needs a reason", loc="--reason")
        if not judgement.author.strip():
            raise InputError("a judgement needs an author", loc="--author")
        d = judgement.to_dict()
        d.pop("id")
        with self._conn() as con:
            cur = con.execute(
                f"INSERT INTO judgements ({', '.join(d)}) VALUES ({', '.join('?' for _ in d)})",
                tuple(d.values()),
            )
            new_id = cur.lastrowid
        return Judgement(**{**judgement.to_dict(), "id": new_id})

    def history(self, party_key: str | None = None) -> list[Judgement]:
        sql = "SELECT * FROM judgements"
        args: tuple[Any, ...] = ()
        if party_key:
            sql += " WHERE party_key = ?"
            args = (party_key,)
        with self._conn() as con:
            con.row_factory = sqlite3.Row
            rows = con.execute(sql + " ORDER BY id", args).fetchall()
        return [Judgement(**dict(r)) for r in rows]

    def latest(self, party_key: str, entry_id: str) -> Judgement | None:
        with self._conn() as con:
            con.row_factory = sqlite3.Row
            row = con.execute(
                "SELECT * FROM judgements WHERE party_key = ? AND entry_id = ? "
                "ORDER BY id DESC LIMIT 1",
                (party_key, entry_id),
            ).fetchone()
        return Judgement(**dict(row)) if row else None

    def watch(self, party: WatchedParty) -> None:
        with self._conn() as con:
            con.execute(
                "INSERT INTO parties VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                "name = excluded.name, country = excluded.country, address = excluded.address, "
                "document = excluded.document",
                (party.key, party.name, party.country, party.address, party.document),
            )

    def watched(self) -> list[WatchedParty]:
        with self._conn() as con:
            rows = con.execute(
                "SELECT key, name, country, address, document FROM parties ORDER BY key"
            )
            return [WatchedParty(*r) for r in rows.fetchall()]

    def seen(self, party_key: str) -> dict[str, SeenHit]:
        with self._conn() as con:
            rows = con.execute(
                "SELECT * FROM seen_hits WHERE party_key = ?", (party_key,)
            ).fetchall()
        return {r[1]: SeenHit(*r) for r in rows}

    def record_seen(self, hits: list[SeenHit]) -> None:
        with self._conn() as con:
            con.executemany(
                "INSERT INTO seen_hits VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(party_key, entry_id) "
                "DO UPDATE SET entry_hash = excluded.entry_hash, "
                "snapshot_id = excluded.snapshot_id, "
                "score = excluded.score, seen_at = excluded.seen_at",
                [
                    (h.party_key, h.entry_id, h.entry_hash, h.snapshot_id, h.score, h.seen_at)
                    for h in hits
                ],
            )


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
