"""Re-screening the watched parties: against what changed in the lists, or against everything.

A re-screening reports, for every watched party, the matching hits that are new or whose
listed entry changed since the party was last screened, and the entries it had matched
that are no longer in force ("removed"). Each run records the snapshots, as-of date,
matcher, threshold and name-table version it used (`RunState`), and for each party the
document it screened and its matches per dataset (`margin_doc`).

An incremental run gives the report a full run gives. A score depends on the whole list
it is computed against (word weights are rarity over all the list's names, and only the
best candidate names are scored), so an entry that did not change can start or stop
matching when others change: screening the parties against the changed entries alone
would miss such hits. What an incremental run does instead:

- the lists whose snapshot did not change: each party's hits there are those of its last
  screening (same entries, same index, same date);
- each list whose snapshot changed: every party is screened against the new snapshot's
  index as the full run screens it (same candidates, same scores), without building
  explanations or result documents;
- a party is screened in full (all lists, with explanations, judgements and the change
  report) when it matches an entry of a changed list, when it has a reported hit on an
  added, amended or removed entry, when its last result showed as many matches as a
  result holds (a match hidden below them could come into view), or when it was saved or
  changed since the last re-screening.

A party screened only against the changed lists has no match there and, elsewhere, the
hits of its last screening, all reported already: the full run reports nothing for it.

A full re-screening is run when asked (`--full`), when no earlier run is recorded, when
the matcher, threshold or name tables changed, when a snapshot used last time cannot be
read, or when the new as-of date puts an entry into or out of force that was not so on
the last run's date (listing and removal dates between the two).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from chipcontrols.errors import ChipControlsError, DataError
from chipcontrols.screening.judgements import SeenHit, SqliteJudgements, store_connection
from chipcontrols.screening.lists.snapshots import Snapshot, SnapshotDiff, diff_snapshots
from chipcontrols.screening.matcher import Matcher, Query

if TYPE_CHECKING:
    from chipcontrols.screening.service import Party, ScreeningService

REMOVED = "removed"  # seen-hit hash once its removal was reported (a relisting then shows)
_SOURCES = (
    "screening/matcher.py",
    "screening/matcher_v2.py",
    "screening/names/__init__.py",
    "screening/names/glossary.py",
    "screening/names/normalise.py",
    "screening/names/normalise_v2.py",
    "data/lists/known_names.yaml",
)
_LIBRARIES = ("rapidfuzz", "rigour", "pykakasi", "PyICU", "pypinyin", "korean-romanizer")


@lru_cache(maxsize=1)
def names_version() -> str:
    """Fingerprint of the matcher code, its name tables and the transliteration libraries:
    a change of any of them can change a score, so the next re-screening is full."""
    digest = hashlib.sha256()
    root = resources.files("chipcontrols")
    for rel in _SOURCES:
        ref = root.joinpath(*rel.split("/"))
        digest.update(rel.encode())
        digest.update(ref.read_bytes() if ref.is_file() else b"-")
    for lib in _LIBRARIES:
        try:
            digest.update(f"{lib}={metadata.version(lib)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{lib}=-".encode())
    return "names-" + digest.hexdigest()[:16]


# ---------------------------------------------------------------------- stored state


@dataclass(frozen=True)
class RunState:
    """What one re-screening used; the next one compares itself with it."""

    as_of: dt.date
    snapshots: dict[str, str]  # dataset -> snapshot id
    algorithm: str
    threshold: float
    names_version: str
    mode: str
    reason: str
    parties: int
    fully_screened: int
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "snapshots": dict(sorted(self.snapshots.items())),
            "algorithm": self.algorithm,
            "threshold": self.threshold,
            "names_version": self.names_version,
            "mode": self.mode,
            "reason": self.reason,
            "parties": self.parties,
            "fully_screened": self.fully_screened,
            "created_at": self.created_at,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RunState:
        try:
            return cls(
                as_of=dt.date.fromisoformat(raw["as_of"]),
                snapshots={str(k): str(v) for k, v in raw["snapshots"].items()},
                algorithm=str(raw["algorithm"]),
                threshold=float(raw["threshold"]),
                names_version=str(raw["names_version"]),
                mode=str(raw["mode"]),
                reason=str(raw["reason"]),
                parties=int(raw["parties"]),
                fully_screened=int(raw["fully_screened"]),
                created_at=str(raw["created_at"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"re-screening state is damaged: {exc}", loc="rescreen_runs") from None


class RescreenStore(Protocol):
    def last_run(self) -> RunState | None: ...
    def record_run(self, state: RunState) -> None: ...
    def margins(self) -> dict[str, dict[str, Any]]: ...
    def save_margins(self, margins: dict[str, dict[str, Any]]) -> None: ...
    def forget(self, party_keys: Collection[str]) -> None:
        """Drop these parties' state: the next re-screening screens them in full."""

    def all_seen(self) -> dict[str, dict[str, SeenHit]]: ...


_DDL = """
CREATE TABLE IF NOT EXISTS rescreen_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, document TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rescreen_parties (key TEXT PRIMARY KEY, document TEXT NOT NULL);
"""


class SqliteRescreenStore:
    """The state beside the CLI's judgement store, in the same SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._conn() as con:
            con.executescript(_DDL)

    def _conn(self) -> AbstractContextManager[sqlite3.Connection]:
        return store_connection(self.path)

    def last_run(self) -> RunState | None:
        with self._conn() as con:
            row = con.execute(
                "SELECT document FROM rescreen_runs ORDER BY id DESC LIMIT 1"
            ).fetchone()
        return RunState.from_dict(json.loads(row[0])) if row else None

    def record_run(self, state: RunState) -> None:
        with self._conn() as con:
            con.execute(
                "INSERT INTO rescreen_runs (document, created_at) VALUES (?, ?)",
                (_dumps(state.to_dict()), state.created_at),
            )

    def margins(self) -> dict[str, dict[str, Any]]:
        with self._conn() as con:
            rows = con.execute("SELECT key, document FROM rescreen_parties").fetchall()
        return {k: json.loads(d) for k, d in rows}

    def save_margins(self, margins: dict[str, dict[str, Any]]) -> None:
        with self._conn() as con:
            con.executemany(
                "INSERT INTO rescreen_parties VALUES (?, ?) ON CONFLICT(key) "
                "DO UPDATE SET document = excluded.document",
                [(k, _dumps(v)) for k, v in margins.items()],
            )

    def forget(self, party_keys: Collection[str]) -> None:
        with self._conn() as con:
            rows = [(k,) for k in party_keys]
            con.executemany("DELETE FROM rescreen_parties WHERE key = ?", rows)

    def all_seen(self) -> dict[str, dict[str, SeenHit]]:
        with self._conn() as con:
            rows = con.execute("SELECT * FROM seen_hits").fetchall()
        return _group(SeenHit(*r) for r in rows)


def store_for(repo: Any) -> RescreenStore | None:
    """The re-screening state kept with this judgement store, or None when it keeps none."""
    if isinstance(repo, SqliteJudgements):
        return SqliteRescreenStore(repo.path)
    # A store kept elsewhere (the service database) offers its own: screening does not import
    # the storage layer.
    provide = getattr(repo, "rescreen_store", None)
    found: RescreenStore | None = provide() if callable(provide) else None
    return found


def _group(hits: Any) -> dict[str, dict[str, SeenHit]]:
    out: dict[str, dict[str, SeenHit]] = {}
    for h in hits:
        out.setdefault(h.party_key, {})[h.entry_id] = h
    return out


def _dumps(doc: Any) -> str:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def document_hash(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------------- the plan


@dataclass
class DatasetChange:
    """One dataset whose active snapshot is not the one the last run used."""

    dataset: str
    old: Snapshot | None
    new: Snapshot | None
    diff: SnapshotDiff
    m_new: Matcher | None = None
    touched: frozenset[str] = frozenset()  # ids of added, amended and removed entries

    def summary(self) -> dict[str, Any]:
        return {
            "old": self.old.id if self.old else None,
            "new": self.new.id if self.new else None,
            "added": len(self.diff.added),
            "changed": len(self.diff.changed),
            "removed": len(self.diff.removed),
        }


@dataclass
class Plan:
    mode: str  # full | incremental
    reason: str
    previous: RunState | None
    changes: list[DatasetChange] = field(default_factory=list)
    old_snapshots: list[Snapshot] = field(default_factory=list)


def plan(
    service: ScreeningService,
    store: RescreenStore | None,
    snaps: list[Snapshot],
    day: dt.date,
    threshold: float,
    full: bool,
) -> Plan:
    prev = store.last_run() if store is not None else None
    if full:
        return Plan("full", "asked for (--full)", prev, old_snapshots=_old(service, prev))
    if store is None:
        return Plan("full", "this judgement store keeps no re-screening state", None)
    if prev is None:
        return Plan("full", "no earlier re-screening is recorded (first run)", None)
    algorithm = service.algorithm
    if prev.algorithm != algorithm:
        why = f"the matcher changed ({prev.algorithm} -> {algorithm})"
        return Plan("full", why, prev, old_snapshots=_old(service, prev))
    if prev.threshold != threshold:
        why = f"the threshold changed ({prev.threshold} -> {threshold})"
        return Plan("full", why, prev, old_snapshots=_old(service, prev))
    if prev.names_version != names_version():
        why = "the matcher code or its name tables changed since the last re-screening"
        return Plan("full", why, prev, old_snapshots=_old(service, prev))
    try:
        olds = _old(service, prev, strict=True)
    except ChipControlsError as exc:
        why = f"a snapshot the last re-screening used cannot be read ({exc.message})"
        return Plan("full", why, prev)
    if day != prev.as_of:
        moved = _in_force_moves(snaps, prev.as_of, day)
        if moved:
            e = moved[0]
            return Plan(
                "full",
                f"the as-of date moved from {prev.as_of} to {day} and {len(moved)} entries "
                f"came into or out of force in between (e.g. {e.id}: listed {e.listed_on}, "
                f"removed {e.removed_on})",
                prev,
                old_snapshots=olds,
            )
    by_old = {s.dataset: s for s in olds}
    by_new = {s.dataset: s for s in snaps}
    changes = []
    for dataset in sorted(by_old.keys() | by_new.keys()):
        old, new = by_old.get(dataset), by_new.get(dataset)
        if old is not None and new is not None and old.id == new.id:
            continue
        changes.append(_change(service, dataset, old, new, threshold))
    if not changes:
        return Plan("incremental", "no list changed since the last re-screening", prev, [], olds)
    what = ", ".join(
        f"{c.dataset} (+{len(c.diff.added)} ~{len(c.diff.changed)} -{len(c.diff.removed)})"
        for c in changes
    )
    return Plan("incremental", f"only these lists changed: {what}", prev, changes, olds)


def _old(service: ScreeningService, prev: RunState | None, strict: bool = False) -> list[Snapshot]:
    if prev is None:
        return []
    out = []
    for sid in prev.snapshots.values():
        try:
            out.append(service.store.load(sid))
        except ChipControlsError:
            if strict:
                raise
    return out


def _in_force_moves(snaps: list[Snapshot], before: dt.date, after: dt.date) -> list[Any]:
    return [e for s in snaps for e in s.entries if e.in_force(before) != e.in_force(after)]


def _empty(dataset: str, like: Snapshot) -> Snapshot:
    return Snapshot(f"none:{dataset}", dataset, like.as_of, {}, ())


def _change(
    service: ScreeningService,
    dataset: str,
    old: Snapshot | None,
    new: Snapshot | None,
    threshold: float,
) -> DatasetChange:
    base = old or new
    assert base is not None
    diff = diff_snapshots(old or _empty(dataset, base), new or _empty(dataset, base))
    touched = {c.id for c in diff.changed} | {e.id for e in (*diff.added, *diff.removed)}
    ch = DatasetChange(dataset, old, new, diff, touched=frozenset(touched))
    if new is not None:
        ch.m_new = service.matcher(new, threshold)
    return ch


# ---------------------------------------------------------------------- per party


def margin_doc(document: str, matches: dict[str, int]) -> dict[str, Any]:
    """What the next run needs of a party's full screening: the party as screened, and its
    in-force matches per dataset (`limit` where the matcher cut its hits off)."""
    return {"doc": document_hash(document), "matches": dict(sorted(matches.items()))}


def screen_party_needed(
    party: Party,
    document: str,
    margin: dict[str, Any] | None,
    changes: list[DatasetChange],
    day: dt.date,
    limit: int,
) -> tuple[str, dict[str, Any] | None]:
    """(why the party must be screened in full, or ""; otherwise its updated margin).

    The party's hits in each changed dataset are computed as the full screening computes
    them (same index, same scores; without explanations). Without a match among them, the
    full screening reports nothing new for the party: its hits elsewhere are as before."""
    if margin is None:
        return "no record of its last screening (saved since the last re-screening)", None
    if margin.get("doc") != document_hash(document):
        return "the party changed since its last screening", None
    matches = {str(k): int(v) for k, v in (margin.get("matches") or {}).items()}
    query = Query(party.name, party.country, party.address)
    for ch in changes:
        matches.pop(ch.dataset, None)
        if ch.m_new is None:  # a dataset dropped: its hits go (a reported one is a removal)
            continue
        got = ch.m_new.screen(query, limit=limit + 10, explain=False)
        if any(h.match and h.entry.in_force(day) for h in got):
            return f"{ch.dataset}: it matches an entry", None
        matches[ch.dataset] = limit if len(got) >= limit + 10 else 0
    # A result shows the best `limit` hits; a match can hide below others, and come into
    # view when others go, only where there are that many matches.
    if sum(matches.values()) >= limit:
        return "its result holds as many matches as are shown", None
    return "", {**margin, "matches": dict(sorted(matches.items()))}
