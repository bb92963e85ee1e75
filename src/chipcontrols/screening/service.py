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
from typing import Any

from chipcontrols.errors import InputError
from chipcontrols.rulebook.yamlio import load_yaml_text
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
from chipcontrols.screening.matcher_v2 import DEFAULT, MATCHERS
from chipcontrols.screening.names.normalise import MAX_NAME_CHARS, clean_text, normalise
from chipcontrols.screening.ownership import OwnerNode, assess_ownership, parse_owners, walk

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
    ) -> None:
        if algorithm not in MATCHERS:
            raise InputError(
                f"unknown matcher {algorithm!r}; use one of {', '.join(sorted(MATCHERS))}",
                loc="--algorithm",
            )
        self.algorithm = algorithm
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
            m = _MATCHERS[key] = MATCHERS[algorithm](snapshot.entries)
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
        warnings = []
        for s in snaps:
            if day > s.as_of:
                warnings.append(
                    f"snapshot {s.id} ({s.dataset}) shows the list as of {s.as_of}; "
                    f"changes after that date up to {day} are not in it"
                )
        return {
            "as_of": day.isoformat(),
            "matcher": {"algorithm": self.algorithm, "threshold": threshold, "cutoff": CUTOFF},
            "list_snapshots": [_snap_info(s) for s in snaps],
            "warnings": warnings,
            "results": results,
        }

    def _hits(
        self,
        query: Query,
        pairs: list[tuple[Snapshot, Matcher]],
        day: dt.date,
        limit: int,
    ) -> tuple[list[tuple[Snapshot, Hit]], list[dict[str, Any]]]:
        found: list[tuple[Snapshot, Hit]] = []
        excluded: list[dict[str, Any]] = []
        for snap, m in pairs:
            for h in m.screen(query, limit=limit + 10):
                if h.entry.in_force(day):
                    found.append((snap, h))
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
    ) -> dict[str, Any]:
        query = Query(party.name, party.country, party.address)
        found, excluded = self._hits(query, pairs, day, limit)
        key = party.key
        hits = []
        for snap, h in found:
            d = h.to_dict()
            d["list_snapshot"] = snap.id
            d["explanations"]["listing"] = _listing_explanation(h, day, snap)
            risk = dict(h.entry.extra).get("risk")
            if risk:  # e.g. a Chinese counter-measure list: a risk in China, not a US licence
                d["risk"] = risk
            d["judgement"] = self._judgement_for(key, h)
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
            result["ownership"] = assess_ownership(party.name, party.owners, day)
        return result

    def _judgement_for(self, key: str, hit: Hit) -> dict[str, Any] | None:
        if self._repo is None and not (self.home / "judgements.sqlite3").exists():
            return None
        j = self.repo.latest(key, hit.entry.id)
        if j is None:
            return None
        applies = j.entry_hash == hit.entry.content_hash()
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
        self.repo.record_seen(
            [
                SeenHit(
                    party.key,
                    h["entry_id"],
                    h["entry"]["content_hash"],
                    h["list_snapshot"],
                    h["score"],
                    now(),
                )
                for h in result["hits"]
                if h["match"]
            ]
        )

    def rescreen(
        self, *, as_of: dt.date | None = None, threshold: float = THRESHOLD
    ) -> dict[str, Any]:
        """Screen every watched party again: report only hits that are new or changed."""
        watched = self.repo.watched()
        parties = [parse_party(json.loads(w.document), loc=f"party {w.key}") for w in watched]
        report = self.screen(parties, as_of=as_of, threshold=threshold)
        changes = []
        for party, result in zip(parties, report["results"], strict=True):
            seen = self.repo.seen(party.key)
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
                fresh.append(h)
            if fresh:
                changes.append({**result, "hits": fresh})
            self._watch(party, result)
        report["results"] = changes
        report["parties_screened"] = len(parties)
        return report


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
