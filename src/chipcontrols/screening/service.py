"""Screening service: parties in, hits with explanations and ownership findings out.

Every answer names the list snapshots (content-hash ids), the matcher version and the
as-of date, so it can be replayed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chipcontrols.errors import InputError
from chipcontrols.rulebook.yamlio import load_yaml_text
from chipcontrols.screening.index_cache import cached_matcher
from chipcontrols.screening.judgements import (
    DECISIONS,
    Judgement,
    JudgementRepository,
    SeenHit,
    SqliteJudgements,
    WatchedParty,
    now,
    party_key,
)
from chipcontrols.screening.lists.snapshots import Snapshot, SnapshotStore, data_home
from chipcontrols.screening.matcher import CUTOFF, THRESHOLD, Hit, Matcher, Query
from chipcontrols.screening.matchers import DEFAULT, MATCHERS
from chipcontrols.screening.names.normalise import MAX_NAME_CHARS, clean_text, normalise
from chipcontrols.screening.ownership import OwnerNode, assess_ownership, parse_owners, walk

if TYPE_CHECKING:
    from chipcontrols.rulebook.rulebook import Rulebook
    from chipcontrols.screening.rescreen import RescreenStore

MAX_PARTIES = 100_000
_PARTY_FIELDS = {"name", "country", "address", "id", "role", "owners", "headquarters"}
_MATCHERS: dict[tuple[str, str], Matcher] = {}
VERSION = DEFAULT  # the matcher version used unless one is named


@dataclass
class Party:
    name: str
    country: str | None = None
    address: str | None = None
    id: str | None = None
    role: str | None = None
    owners: list[OwnerNode] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return party_key(self.name, self.country, self.id)


def check_name(name: Any, *, loc: str) -> str:
    """A usable name, or an InputError saying what is wrong with it."""
    if not isinstance(name, str):
        raise InputError("name must be text", loc=loc)
    text = clean_text(name)
    if not text:
        raise InputError("name is empty (or only spaces and control characters)", loc=loc)
    if len(text) > MAX_NAME_CHARS:
        raise InputError(
            f"name is {len(text)} characters long; the limit is {MAX_NAME_CHARS}", loc=loc
        )
    if not normalise(text).tokens:
        raise InputError("name has no letters or digits to match on", loc=loc)
    return text


def check_country(country: Any, *, loc: str) -> str | None:
    if country is None or country == "":
        return None
    if not isinstance(country, str) or len(country.strip()) != 2 or not country.strip().isalpha():
        raise InputError("country is an ISO 3166 alpha-2 code, e.g. CN", loc=loc)
    return country.strip().upper()


def parse_party(raw: Any, *, loc: str) -> Party:
    if isinstance(raw, str):
        raw = {"name": raw}
    if not isinstance(raw, dict):
        raise InputError("a party is {name, country?, address?, id?, owners?}", loc=loc)
    unknown = set(raw) - _PARTY_FIELDS
    if unknown:
        raise InputError(
            f"unknown party field {sorted(unknown)[0]!r}", loc=f"{loc}.{sorted(unknown)[0]}"
        )
    address = raw.get("address")
    if address is not None and not isinstance(address, str):
        raise InputError("address must be text", loc=f"{loc}.address")
    pid = raw.get("id")
    return Party(
        name=check_name(raw.get("name"), loc=f"{loc}.name"),
        country=check_country(raw.get("country"), loc=f"{loc}.country"),
        address=clean_text(address)[:MAX_NAME_CHARS] if address else None,
        id=str(pid) if pid is not None else None,
        role=str(raw["role"]) if raw.get("role") else None,
        owners=parse_owners(raw.get("owners"), loc=f"{loc}.owners"),
        raw=raw,
    )


def parse_parties(doc: Any, *, loc: str) -> list[Party]:
    """Parties from a list, {parties: [...]}, a transaction, or one party."""
    if isinstance(doc, dict) and "parties" in doc:
        items = doc["parties"]
        loc = f"{loc}:parties"
    elif isinstance(doc, dict):
        items = [doc]
    else:
        items = doc
    if not isinstance(items, list) or not items:
        raise InputError("no parties: give a list of {name, country, ...}", loc=loc)
    if len(items) > MAX_PARTIES:
        raise InputError(f"more than {MAX_PARTIES} parties in one file", loc=loc)
    return [parse_party(p, loc=f"{loc}[{i}]") for i, p in enumerate(items)]


def read_parties_file(path: str) -> list[Party]:
    file = Path(path)
    if not file.is_file():
        raise InputError("file not found; check the path", loc=path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", loc=path) from None
    if file.suffix.lower() in (".csv", ".tsv"):
        delim = "\t" if file.suffix.lower() == ".tsv" else ","
        try:
            rows = list(csv.DictReader(io.StringIO(text), delimiter=delim))
        except csv.Error as exc:
            raise InputError(f"malformed CSV: {exc}", loc=path) from None
        if rows and "name" not in rows[0]:
            raise InputError("a parties CSV needs a 'name' column", loc=path)
        doc: Any = [{k: v for k, v in r.items() if k in _PARTY_FIELDS and v} for r in rows]
    else:
        doc = load_yaml_text(text, loc=path)
    return parse_parties(doc, loc=path)


class ScreeningService:
    """Screening over the active snapshots (or named ones), with the judgement store."""

    def __init__(
        self,
        store: SnapshotStore | None = None,
        repo: JudgementRepository | None = None,
        home: Path | None = None,
        algorithm: str = DEFAULT,
        rulebook: Rulebook | None = None,
    ) -> None:
        if algorithm not in MATCHERS:
            raise InputError(
                f"unknown matcher {algorithm!r}; use one of {', '.join(sorted(MATCHERS))}",
                loc="--algorithm",
            )
        self.algorithm = algorithm
        self.rulebook = rulebook  # whose ownership rules apply (None: the bundled law)
        self.home = home or data_home()
        self.store = store or SnapshotStore(self.home)
        self._repo = repo

    @property
    def repo(self) -> JudgementRepository:
        if self._repo is None:
            self._repo = SqliteJudgements(self.home / "judgements.sqlite3")
        return self._repo

    def snapshots(self, refs: list[str] | None = None) -> list[Snapshot]:
        if refs:
            return [self.store.load(r) for r in refs]
        return self.store.active()

    def matcher(self, snapshot: Snapshot, threshold: float = THRESHOLD) -> Matcher:
        algorithm = getattr(self, "algorithm", DEFAULT)
        key = (snapshot.id, algorithm)
        m = _MATCHERS.get(key)
        if m is None:
            if len(_MATCHERS) >= 32:
                _MATCHERS.clear()
            cls = MATCHERS[algorithm]
            m = _MATCHERS[key] = cached_matcher(
                self.home / "cache" / "matchers",
                algorithm,
                snapshot.id,
                lambda: cls(snapshot.entries),
            )
        if threshold != m.threshold:
            base = m
            m = type(base).__new__(type(base))
            m.__dict__.update(base.__dict__)
            m.threshold = threshold
        return m

    # ------------------------------------------------------------------ screening

    def screen(
        self,
        parties: list[Party],
        *,
        as_of: dt.date | None = None,
        snapshots: list[str] | None = None,
        limit: int = 10,
        threshold: float = THRESHOLD,
        save: bool = False,
    ) -> dict[str, Any]:
        if not 0 < threshold <= 1:
            raise InputError("threshold is a number above 0 and at most 1", loc="--threshold")
        if not 1 <= limit <= 100:
            raise InputError("limit is from 1 to 100", loc="--limit")
        day = as_of or dt.date.today()
        snaps = self.snapshots(snapshots)
        pairs = [(s, self.matcher(s, threshold)) for s in snaps]
        results = []
        for party in parties:
            result = self._screen_party(party, pairs, day, limit)
            results.append(result)
            if save:
                self._watch(party, result)
        return {**self._header(snaps, day, threshold), "results": results}

    def _header(self, snaps: list[Snapshot], day: dt.date, threshold: float) -> dict[str, Any]:
        warnings = [
            f"snapshot {s.id} ({s.dataset}) shows the list as of {s.as_of}; "
            f"changes after that date up to {day} are not in it"
            for s in snaps
            if day > s.as_of
        ]
        return {
            "as_of": day.isoformat(),
            "matcher": {"algorithm": self.algorithm, "threshold": threshold, "cutoff": CUTOFF},
            "list_snapshots": [_snap_info(s) for s in snaps],
            "warnings": warnings,
        }

    def _hits(
        self,
        query: Query,
        pairs: list[tuple[Snapshot, Matcher]],
        day: dt.date,
        limit: int,
        stats: _Stats | None = None,
    ) -> tuple[list[tuple[Snapshot, Hit]], list[dict[str, Any]]]:
        found: list[tuple[Snapshot, Hit]] = []
        excluded: list[dict[str, Any]] = []
        for snap, m in pairs:
            got = m.screen(query, limit=limit + 10)
            if stats is not None and len(got) >= limit + 10:
                stats.truncated.add(snap.dataset)  # some hits were cut off
            for h in got:
                if h.entry.in_force(day):
                    found.append((snap, h))
                    if stats is not None:
                        stats.hits.setdefault(snap.dataset, []).append(h)
                elif h.match:
                    excluded.append(
                        {
                            "entry_id": h.entry.id,
                            "name": h.entry.name,
                            "score": round(h.score, 4),
                            "reason": _not_in_force(h, day),
                        }
                    )
        found.sort(key=lambda sh: (-sh[1].score, sh[1].entry.id))
        return found[:limit], excluded

    def _screen_party(
        self,
        party: Party,
        pairs: list[tuple[Snapshot, Matcher]],
        day: dt.date,
        limit: int,
        *,
        judge: bool = True,
        stats: _Stats | None = None,
    ) -> dict[str, Any]:
        query = Query(party.name, party.country, party.address)
        found, excluded = self._hits(query, pairs, day, limit, stats)
        key = party.key
        hits = []
        for snap, h in found:
            d = h.to_dict()
            d["list_snapshot"] = snap.id
            d["explanations"]["listing"] = _listing_explanation(h, day, snap)
            risk = dict(h.entry.extra).get("risk")
            if risk:  # e.g. a Chinese counter-measure list: a risk in China, not a US licence
                d["risk"] = risk
            d["judgement"] = self._judgement_for(key, h) if judge else None
            hits.append(d)
        result: dict[str, Any] = {
            "query": party.name,
            "party": {
                "name": party.name,
                "country": party.country,
                "address": party.address,
                "id": party.id,
                "role": party.role,
                "key": key,
            },
            "match": any(h["match"] for h in hits),
            "hits": hits,
            "excluded": excluded,
        }
        if party.owners:
            for node in walk(party.owners):
                owner_hits, _ = self._hits(Query(node.name, node.country), pairs, day, 5)
                for _, h in owner_hits:
                    if not h.match:
                        continue
                    j = self._judgement_for(party_key(node.name, node.country), h)
                    if j and j["decision"] == "cleared" and j["applies"]:
                        continue
                    node.listed.setdefault(h.entry.list, (h.entry.id, h.entry.name))
            result["ownership"] = assess_ownership(
                party.name, party.owners, day, getattr(self, "rulebook", None)
            )
        return result

    def _judgement_for(self, key: str, hit: Hit) -> dict[str, Any] | None:
        return self._judgement_on(key, hit.entry.id, hit.entry.content_hash())

    def _judgement_on(self, key: str, entry_id: str, entry_hash: str) -> dict[str, Any] | None:
        if self._repo is None and not (self.home / "judgements.sqlite3").exists():
            return None
        j = self.repo.latest(key, entry_id)
        if j is None:
            return None
        applies = j.entry_hash == entry_hash
        return {
            "decision": j.decision,
            "reason": j.reason,
            "author": j.author,
            "created_at": j.created_at,
            "applies": applies,
            "detail": "the listed entry reads as when it was judged"
            if applies
            else "the listed entry changed since the judgement: review again",
        }

    # ------------------------------------------------------------------ judgements

    def judge(
        self,
        party: Party,
        entry_id: str,
        *,
        decision: str,
        reason: str,
        author: str,
        snapshots: list[str] | None = None,
    ) -> Judgement:
        if decision not in DECISIONS:
            raise InputError("decision is 'cleared' or 'confirmed'", loc="--decision")
        for snap in self.snapshots(snapshots):
            entry = snap.get(entry_id)
            if entry is None:
                continue
            m = self.matcher(snap)
            score = None
            for h in m.screen(Query(party.name, party.country, party.address), limit=50):
                if h.entry.id == entry_id:
                    score = round(h.score, 4)
            judgement = self.repo.add(
                Judgement(
                    party_key=party.key,
                    party_name=party.name,
                    entry_id=entry.id,
                    entry_hash=entry.content_hash(),
                    entry_name=entry.name,
                    decision=decision,
                    reason=reason.strip(),
                    author=author.strip(),
                    snapshot_id=snap.id,
                    score=score,
                    matcher=self.algorithm,
                    created_at=now(),
                )
            )
            self.repo.watch(_watched(party))
            return judgement
        from chipcontrols.errors import NotFoundError

        raise NotFoundError(
            f"no entry {entry_id!r} in the active snapshots; copy entry_id from a screening result",
            loc="ENTRY_ID",
        )

    def _watch(self, party: Party, result: dict[str, Any]) -> None:
        self.repo.watch(_watched(party))
        self.repo.record_seen(_seen_hits(party.key, result))
        store = self._rescreen_store()
        if store is not None:  # its seen hits changed: the next re-screening screens it in full
            store.forget([party.key])

    def _rescreen_store(self) -> RescreenStore | None:
        from chipcontrols.screening.rescreen import store_for

        cached: tuple[object, RescreenStore | None] | None = self.__dict__.get("_rs_store")
        if cached is None or cached[0] is not self.repo:
            cached = (self.repo, store_for(self.repo))
            self.__dict__["_rs_store"] = cached
        return cached[1]

    def rescreen(
        self,
        *,
        as_of: dt.date | None = None,
        threshold: float = THRESHOLD,
        full: bool = False,
        limit: int = 10,
    ) -> dict[str, Any]:
        """Screen every watched party again; report only hits that are new or changed, and
        reported hits whose entry is no longer in force ("removed").

        Incremental when only some lists changed since the last run (see
        chipcontrols.screening.rescreen): parties the change cannot affect keep their
        result, the others are screened in full, so the report is the full one."""
        from chipcontrols.screening import rescreen as rs

        if not 0 < threshold <= 1:
            raise InputError("threshold is a number above 0 and at most 1", loc="--threshold")
        day = as_of or dt.date.today()
        snaps = self.snapshots()
        store = self._rescreen_store()
        plan = rs.plan(self, store, snaps, day, threshold, full)
        pairs: list[tuple[Snapshot, Matcher]] = []  # built when a party is screened in full
        datasets = [s.dataset for s in snaps]
        in_force_now = {e.id for s in snaps for e in s.entries if e.in_force(day)}
        was: set[str] | None = None
        if plan.previous is not None and len(plan.old_snapshots) == len(plan.previous.snapshots):
            prev_day = plan.previous.as_of
            was = {e.id for s in plan.old_snapshots for e in s.entries if e.in_force(prev_day)}

        def gone(entry_id: str) -> bool:
            # no longer in force, and (when the last run is known) in force then
            return entry_id not in in_force_now and (was is None or entry_id in was)

        incremental = plan.mode == "incremental"
        touched = {i for ch in plan.changes for i in ch.touched}
        seen_all = store.all_seen() if store is not None else None
        margins = store.margins() if incremental and store is not None else {}
        last_entries = {e.id: e for s in plan.old_snapshots for e in s.entries}
        hashes: dict[str, str] = {}

        def stale(entry_id: str, seen_hash: str) -> bool:
            """A reported hit on a changed entry, or recorded from another version of the
            entry than the last run's (a screening saved it in between)."""
            if entry_id in touched:
                return True
            entry = last_entries.get(entry_id)
            if entry is None or seen_hash == rs.REMOVED:
                return False
            if entry_id not in hashes:
                hashes[entry_id] = entry.content_hash()
            return hashes[entry_id] != seen_hash

        results: list[dict[str, Any]] = []
        removed: list[dict[str, Any]] = []
        new_margins: dict[str, dict[str, Any]] = {}
        seen_writes: list[SeenHit] = []
        reasons: dict[str, int] = {}
        watched = self.repo.watched()
        screened = 0
        stamp = now()
        for w in watched:
            party = parse_party(json.loads(w.document), loc=f"party {w.key}")
            key = party.key
            if incremental:
                assert seen_all is not None
                if any(stale(i, h.entry_hash) for i, h in seen_all.get(key, {}).items()):
                    why = "it has a reported hit on a changed entry (or on another version)"
                else:
                    why, kept = rs.screen_party_needed(
                        party, w.document, margins.get(key), plan.changes, day, limit
                    )
                    if not why:
                        if kept is not None and kept != margins.get(key):
                            new_margins[key] = kept
                        continue
                reasons[why] = reasons.get(why, 0) + 1
            seen = seen_all.get(key, {}) if seen_all is not None else self.repo.seen(key)
            screened += 1
            if not pairs:
                pairs = [(s, self.matcher(s, threshold)) for s in snaps]
            stats = _Stats()
            result = self._screen_party(party, pairs, day, limit, judge=False, stats=stats)
            new_margins[key] = rs.margin_doc(w.document, stats.matches(limit, datasets))
            seen_writes.extend(_seen_hits(key, result, stamp))
            fresh = []
            for h in result["hits"]:
                if not h["match"]:
                    continue
                before = seen.get(h["entry_id"])
                if before is None:
                    h["change"] = "new"
                elif before.entry_hash != h["entry"]["content_hash"]:
                    h["change"] = "changed"
                else:
                    continue
                h["judgement"] = self._judgement_on(key, h["entry_id"], h["entry"]["content_hash"])
                fresh.append(h)
            if fresh:
                results.append({**result, "hits": fresh})
            for entry_id, s in sorted(seen.items()):
                if s.entry_hash == rs.REMOVED or not gone(entry_id):
                    continue
                removed.append(
                    {
                        "party": result["party"],
                        "entry_id": entry_id,
                        "change": "removed",
                        "entry_hash": s.entry_hash,
                        "last_snapshot": s.snapshot_id,
                        "seen_at": s.seen_at,
                    }
                )
                seen_writes.append(
                    SeenHit(key, entry_id, rs.REMOVED, s.snapshot_id, s.score, stamp)
                )
        if seen_writes:
            self.repo.record_seen(seen_writes)
        state = rs.RunState(
            as_of=day,
            snapshots={s.dataset: s.id for s in snaps},
            algorithm=self.algorithm,
            threshold=threshold,
            names_version=rs.names_version(),
            mode=plan.mode,
            reason=plan.reason,
            parties=len(watched),
            fully_screened=screened,
            created_at=stamp,
        )
        if store is not None:
            store.save_margins(new_margins)
            store.record_run(state)
        report = self._header(snaps, day, threshold)
        report["results"] = results
        report["removed"] = removed
        report["parties_screened"] = state.parties
        report["rescreen"] = {
            "mode": plan.mode,
            "reason": plan.reason,
            "previous": plan.previous.to_dict() if plan.previous else None,
            "changes": {ch.dataset: ch.summary() for ch in plan.changes},
            "fully_screened": screened,
            "why_fully_screened": dict(sorted(reasons.items())),
        }
        return report


@dataclass
class _Stats:
    """A party's in-force matches per dataset (for the next re-screening)."""

    hits: dict[str, list[Hit]] = field(default_factory=dict)
    truncated: set[str] = field(default_factory=set)

    def matches(self, limit: int, datasets: list[str]) -> dict[str, int]:
        return {
            d: limit if d in self.truncated else sum(h.match for h in self.hits.get(d, []))
            for d in datasets
        }


def _seen_hits(key: str, result: dict[str, Any], stamp: str | None = None) -> list[SeenHit]:
    at = stamp or now()
    return [
        SeenHit(key, h["entry_id"], h["entry"]["content_hash"], h["list_snapshot"], h["score"], at)
        for h in result["hits"]
        if h["match"]
    ]


def _watched(party: Party) -> WatchedParty:
    doc = dict(party.raw)
    doc.update(
        {"name": party.name, "country": party.country, "address": party.address, "id": party.id}
    )
    doc = {k: v for k, v in doc.items() if v is not None}
    return WatchedParty(
        party.key,
        party.name,
        party.country,
        party.address,
        json.dumps(doc, ensure_ascii=False, default=str),
    )


def _snap_info(s: Snapshot) -> dict[str, Any]:
    info = s.info()
    info["source"] = {k: v for k, v in s.source.items() if k != "warnings"}
    return info


def _not_in_force(hit: Hit, day: dt.date) -> str:
    e = hit.entry
    if e.listed_on and day < e.listed_on:
        return f"listed on {e.listed_on}, after {day}"
    return f"removed on {e.removed_on}, on or before {day}"


def _listing_explanation(hit: Hit, day: dt.date, snap: Snapshot) -> dict[str, Any]:
    e = hit.entry
    parts = []
    if e.listed_on:
        first = next((c.cite for c in e.citations if c.date == e.listed_on), None)
        parts.append(f"listed {e.listed_on}" + (f" ({first})" if first else ""))
    else:
        parts.append("the list file gives no listing date: counted as in force")
    later = [d for d in e.amended_on if d > day]
    if later:
        parts.append(
            f"amended on {', '.join(d.isoformat() for d in later)}, after {day}: the terms shown "
            f"are those of snapshot {snap.id}, not of {day}"
        )
    if e.removed_on:
        parts.append(f"in force until {e.removed_on}")
    if dict(e.extra).get("name_verified") == "false":
        parts.append("the listed name is not verified in our copy of the list: check the source")
    return {"score": 0.0, "detail": "; ".join(parts), "in_force_on": day.isoformat()}
