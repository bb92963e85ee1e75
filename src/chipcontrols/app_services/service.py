"""The service layer: every interface (API, web UI, CLI, batch) calls these methods.

Each answer is computed by the capability's own service function, recorded with the
rulebook version and list snapshots it was computed under, archived law and lists
included, and appended to the audit log, all in one database transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from chipcontrols import __version__
from chipcontrols.access import Principal
from chipcontrols.app_services.inputs import (
    check_document,
    check_id,
    check_jurisdictions,
    rulebook_jurisdictions,
)
from chipcontrols.app_services.operations import (
    OPERATIONS,
    Context,
    Operation,
    Outcome,
    Pins,
    available_operations,
)
from chipcontrols.errors import InputError, LawError, NotFoundError
from chipcontrols.process import settle_long_lived
from chipcontrols.rulebook.diff import diff_rulebook, entry_history
from chipcontrols.rulebook.rulebook import (
    LAW_DIR,
    Rulebook,
    content_hash,
    load_rulebook,
    load_rulebook_from,
)
from chipcontrols.screening.lists.snapshots import (
    Snapshot,
    SnapshotStore,
    bundled_snapshots,
    parse_snapshot,
)
from chipcontrols.screening.matchers import DEFAULT as DEFAULT_MATCHER
from chipcontrols.screening.matchers import recorded_matcher
from chipcontrols.screening.service import ScreeningService, parse_party
from chipcontrols.settings import Settings
from chipcontrols.storage import accounts, archive, audit, records
from chipcontrols.storage.db import Database
from chipcontrols.storage.judgements import DeferredJudgements, PendingWrites, SqlJudgements
from chipcontrols.storage.letters import SqlLetters
from chipcontrols.storage.models import ApiKeyRow, RecordRow

MAX_REASON = 4000
SYSTEM = "system"
CONCURRENT_ANSWERS = 4


def parse_as_of(raw: str | dt.date | None, *, loc: str = "as_of") -> dt.date:
    if raw is None or raw == "":
        return dt.date.today()
    if isinstance(raw, dt.date):
        return raw
    if not isinstance(raw, str):
        raise InputError("a date is text YYYY-MM-DD", loc=loc)
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise InputError(f"bad date {raw[:40]!r}; write YYYY-MM-DD", loc=loc) from None


def _document_date(payload: dict[str, Any]) -> dt.date | None:
    """The date a transaction names for itself: used when no as_of is given, as the CLI
    does (`determine --as-of`: default the file's date); an impossible date is bad input."""
    for key in ("transaction",):
        doc = payload.get(key)
        if isinstance(doc, dict) and doc.get("date") not in (None, ""):
            raw = doc["date"]
            if isinstance(raw, dt.datetime):
                raw = raw.date()
            return parse_as_of(raw if isinstance(raw, dt.date) else str(raw), loc=f"{key}.date")
    return None


def _jurisdiction(raw: str | None, rulebook: Rulebook) -> str | None:
    if raw is None or raw == "":
        return None
    (code,) = check_jurisdictions([raw], rulebook_jurisdictions(rulebook), loc="jurisdiction")
    return code


class DbSnapshotStore(SnapshotStore):
    """The screening module's snapshot files, falling back to the copies in the database
    (a replay on another machine, or after the files were cleaned up)."""

    def __init__(self, home: Path, fetch: Callable[[str], dict[str, Any] | None]) -> None:
        super().__init__(home)
        self._fetch = fetch

    def load(self, snapshot: str) -> Snapshot:
        try:
            return super().load(snapshot)
        except NotFoundError:
            doc = self._fetch(snapshot.strip())
            if doc is None:
                raise
            return parse_snapshot(doc, loc=f"database:{snapshot}")


def law_files(root: Path = LAW_DIR) -> dict[str, str]:
    """The files the rulebook version hashes, as text (see rulebook.content_hash)."""
    return {
        p.relative_to(root).as_posix(): p.read_text("utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix in (".yaml", ".yml")
    }


@lru_cache(maxsize=8)
def _restored(version: str, root: Path) -> Rulebook:
    rulebook = load_rulebook_from(root)
    if rulebook.version != version:
        raise LawError(f"the archived law of {version} does not hash to its version", loc=str(root))
    return rulebook


def restore_law(files: dict[str, str], version: str, target: Path) -> Path:
    """Write an archived law folder once (content-addressed) and return it."""
    if (target / ".complete").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=target.parent))
    for rel, text in files.items():
        path = (tmp / rel).resolve()
        if tmp.resolve() not in path.parents:
            raise LawError("an archived law file has a path outside its folder", loc=rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    if content_hash(tmp) != version:
        shutil.rmtree(tmp, ignore_errors=True)
        raise LawError(f"the archived law of {version} does not hash to its version", loc=version)
    (tmp / ".complete").write_text(version, "utf-8")
    try:
        tmp.rename(target)
    except OSError:  # another process restored it first
        shutil.rmtree(tmp, ignore_errors=True)
    return target


class Services:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.db = Database(self.settings.db_url)
        self.snapshots = DbSnapshotStore(self.settings.home, self._fetch_snapshot)
        self._audit_checkpoint: tuple[int, str] | None = None
        # Rulebook versions and list snapshots known to be archived in the database (both
        # content-addressed and never deleted): not looked up again for every answer.
        self._archived: set[str] = set()
        # Answers computed at once in this process: the work is CPU-bound (one interpreter
        # lock), so more threads add only waiting, and database connections.
        self._gate = threading.BoundedSemaphore(CONCURRENT_ANSWERS)

    # ------------------------------------------------------------------ set-up

    def start(self, *, create_admin: bool = True) -> str | None:
        """Migrate, archive the bundled law and lists; on the first start create the admin
        user and return its new API key (None afterwards)."""
        self.db.migrate()
        with self.db.write() as session:
            audit.lock_head(session)  # several workers starting at once take turns
            self._archive_law(session, load_rulebook())
            for snapshot in bundled_snapshots():  # every bundled list, for replays
                self._store_snapshot(session, snapshot)
            if create_admin and accounts.count_users(session) == 0:
                user = accounts.create_user(session, "admin", "admin", actor=SYSTEM)
                _, token = accounts.create_key(session, user, label="first start", actor=SYSTEM)
                return token
        return None

    def close(self) -> None:
        self.db.dispose()

    def _fetch_snapshot(self, snapshot_id: str) -> dict[str, Any] | None:
        with self.db.read() as session:
            return archive.stored_snapshot(session, snapshot_id)

    def _archive_law(self, session: Session, rulebook: Rulebook) -> None:
        """Keep the law files of this rulebook version (once per version)."""
        if not archive.has_rulebook(session, rulebook.version):
            files = law_files()
            if content_hash(LAW_DIR) != rulebook.version:
                raise LawError(
                    "the law files changed while the service was running; restart it",
                    loc=str(LAW_DIR),
                )
            archive.archive_rulebook(session, rulebook.version, files)

    def _store_snapshot(self, session: Session, snap: Snapshot) -> None:
        if not archive.has_snapshot(session, snap.id):
            archive.store_snapshot(session, snap.info(), snap.to_json())

    def screening(
        self,
        session: Session,
        actor: str,
        *,
        until_seq: int | None = None,
        algorithm: str = DEFAULT_MATCHER,
    ) -> ScreeningService:
        """The screening service over this database's judgements (as they stood before
        audit entry `until_seq`, and with the record's matcher version, for a replay)."""
        return ScreeningService(
            store=self.snapshots,
            repo=SqlJudgements(session, actor, until_seq=until_seq),
            home=self.settings.home,
            algorithm=algorithm,
        )

    # ------------------------------------------------------------------ answers

    def operations(self) -> list[str]:
        return available_operations()

    def operation(self, kind: str) -> Operation:
        op = OPERATIONS.get(kind)
        if op is None or not op.available():
            raise NotFoundError(
                f"{kind!r} is not available in this installation "
                f"(available: {', '.join(available_operations())})",
                loc="operation",
            )
        return op

    def run(
        self, kind: str, payload: Any, *, as_of: str | dt.date | None, actor: str
    ) -> dict[str, Any]:
        """Compute, record and audit one answer; returns the stored record."""
        return records.record_dict(self._run(kind, payload, as_of=as_of, actor=actor))

    def run_json(
        self, kind: str, payload: Any, *, as_of: str | dt.date | None, actor: str
    ) -> bytes:
        """`run`, the record as JSON (built from its stored canonical text, not re-encoded)."""
        return records.record_json(self._run(kind, payload, as_of=as_of, actor=actor))

    def _run(
        self, kind: str, payload: Any, *, as_of: str | dt.date | None, actor: str
    ) -> RecordRow:
        """The answer is computed in a read-only transaction, so that others' answers are
        stored meanwhile, then stored in a short writing one that holds the audit lock. If a
        judgement or a letter was recorded in between (one the computation may not have
        seen), the answer is computed again under the lock: a record always reflects every
        judgement and letter logged before its own audit entry, as its replay assumes."""
        op, payload, date, rulebook = self._prepare(kind, payload, as_of)
        with self._gate:
            later = PendingWrites()
            with self.db.read() as session:
                seen = audit.head_seq(session)
                outcome = self._compute(session, op, payload, date, rulebook, actor, later)
            stored: list[str] = []
            with self.db.write() as session:
                audit.lock_head(session)
                if audit.inputs_changed_since(session, seen):
                    outcome = self._compute(session, op, payload, date, rulebook, actor)
                else:
                    later.apply(session)
                row = self._store(session, op, payload, outcome, actor, rulebook, stored)
            self._archived.update(stored)  # committed: no need to look again
        settle_long_lived()
        return row

    def run_in(
        self, session: Session, kind: str, payload: Any, *, as_of: str | dt.date | None, actor: str
    ) -> dict[str, Any]:
        """`run` inside the caller's transaction (batches commit many answers at once)."""
        op, payload, date, rulebook = self._prepare(kind, payload, as_of)
        outcome = self._compute(session, op, payload, date, rulebook, actor)
        row = self._store(session, op, payload, outcome, actor, rulebook, None)
        settle_long_lived()
        return records.record_dict(row)

    def _prepare(
        self, kind: str, payload: Any, as_of: str | dt.date | None
    ) -> tuple[Operation, dict[str, Any], dt.date, Rulebook]:
        op = self.operation(kind)
        check_document(payload, loc="body")
        payload = op.validate(payload)
        if as_of is None or as_of == "":
            as_of = _document_date(payload)
        date = parse_as_of(as_of)
        rulebook = load_rulebook()
        rulebook.check_date(date)
        return op, payload, date, rulebook

    def _compute(
        self,
        session: Session,
        op: Operation,
        payload: dict[str, Any],
        date: dt.date,
        rulebook: Rulebook,
        actor: str,
        later: PendingWrites | None = None,
    ) -> Outcome:
        screening = self.screening(session, actor)
        if later is not None:  # a read-only transaction: the screening's writes wait
            screening = ScreeningService(
                store=self.snapshots,
                repo=DeferredJudgements(SqlJudgements(session, actor), later),
                home=self.settings.home,
            )
        ctx = Context(screening, letters=SqlLetters(session, actor).in_force_for(None))
        return op.run(ctx, payload, date, Pins(rulebook))

    def _store(
        self,
        session: Session,
        op: Operation,
        payload: dict[str, Any],
        outcome: Outcome,
        actor: str,
        rulebook: Rulebook,
        stored: list[str] | None,
    ) -> RecordRow:
        """Archive the law and lists the answer used (each once), then the record."""
        # `stored` also spares the look-up for later answers of the same transaction.
        if rulebook.version not in self._archived and rulebook.version not in (stored or ()):
            self._archive_law(session, rulebook)
            if stored is not None:
                stored.append(rulebook.version)
        for sid in outcome.list_snapshots:
            if sid not in self._archived and sid not in (stored or ()):
                self._store_snapshot(session, self.snapshots.load(sid))
                if stored is not None:
                    stored.append(sid)
        txn = payload.get("transaction")
        txn_id = records.add_transaction(session, txn, actor).id if txn is not None else None
        hits = None
        if outcome.result.get("results") is not None or outcome.result.get("screening"):
            hits = records.hit_rows(outcome.result.get("screening") or outcome.result)
        elif "screening" in outcome.result:
            hits = []
        return records.add_record(
            session,
            kind=op.kind,
            action=op.action,
            actor=actor,
            as_of=outcome.as_of,
            rulebook_version=outcome.rulebook_version,
            list_snapshots=outcome.list_snapshots,
            engine_version=__version__,
            input=payload,
            result=outcome.result,
            summary=outcome.summary,
            transaction_id=txn_id,
            hits=hits,
        )

    def check_kind(self) -> str:
        return "determination" if "determination" in available_operations() else "check"

    def check(
        self, transaction: dict[str, Any], *, as_of: str | dt.date | None, actor: str
    ) -> dict[str, Any]:
        """A transaction checked: the determination when installed, else the check."""
        return self.run(self.check_kind(), {"transaction": transaction}, as_of=as_of, actor=actor)

    def check_json(
        self, transaction: dict[str, Any], *, as_of: str | dt.date | None, actor: str
    ) -> bytes:
        return self.run_json(
            self.check_kind(), {"transaction": transaction}, as_of=as_of, actor=actor
        )

    # ------------------------------------------------------------------ records

    def record(self, record_id: str) -> dict[str, Any]:
        with self.db.read() as session:
            return records.record_dict(records.get_record(session, record_id))

    def records(
        self, *, kind: str | None = None, limit: int = 50, offset: int = 0
    ) -> dict[str, Any]:
        with self.db.read() as session:
            total, rows = records.list_records(session, kind=kind, limit=limit, offset=offset)
            return {
                "total": total,
                "limit": limit,
                "offset": offset,
                "records": [records.record_dict(r, full=False) for r in rows],
            }

    def rulebook_for(self, version: str) -> tuple[Rulebook, Path | None]:
        """The rulebook of a version: the bundled one, or the archived law restored
        (with its folder, which other law readers such as the investment regimes need)."""
        current = load_rulebook()
        if version == current.version:
            return current, None
        with self.db.read() as session:
            files = archive.archived_rulebook(session, version)
        if files is None:
            raise NotFoundError(
                f"the law of rulebook {version} is not archived in this database", loc="rulebook"
            )
        root = restore_law(files, version, self.settings.home / "law-archive" / version)
        return _restored(version, root), root

    def replay(self, record_id: str) -> dict[str, Any]:
        """Recompute a record under its recorded rulebook and list snapshots and compare."""
        with self.db.read() as session:
            row = records.get_record(session, record_id)
            stored = records.record_dict(row)
        op = OPERATIONS.get(stored["kind"])
        if op is None or not op.available():
            raise NotFoundError(
                f"records of kind {stored['kind']!r} cannot be recomputed by this installation",
                loc="record_id",
            )
        rulebook, root = self.rulebook_for(stored["rulebook_version"])
        pins = Pins(rulebook, list(stored["list_snapshots"]), root)
        as_of = dt.date.fromisoformat(stored["as_of"])
        with self.db.read() as session:
            screening = self.screening(
                session,
                "replay",
                until_seq=stored["audit_seq"],
                algorithm=recorded_matcher(stored["result"]),
            )
            letters = SqlLetters(session, "replay").in_force_for(stored["audit_seq"])
            ctx = Context(screening, save=False, letters=letters)
            outcome = op.run(ctx, stored["input"], as_of, pins)
        recomputed = json.loads(json.dumps(outcome.result, default=str))
        differences = compare(stored["result"], recomputed, op.volatile)
        if outcome.rulebook_version != stored["rulebook_version"]:
            differences.insert(0, "rulebook_version")
        if outcome.list_snapshots != stored["list_snapshots"]:
            differences.insert(0, "list_snapshots")
        return {
            "record_id": stored["id"],
            "kind": stored["kind"],
            "as_of": stored["as_of"],
            "rulebook_version": stored["rulebook_version"],
            "list_snapshots": stored["list_snapshots"],
            "engine_version": {"recorded": stored["engine_version"], "now": __version__},
            "matches": not differences,
            "differences": differences[:100],
            "summary": stored["summary"],
        }

    # ------------------------------------------------------------------ screening review

    def review_queue(self) -> dict[str, Any]:
        with self.db.read() as session:
            return {"hits": records.review_queue(session)}

    def judge_hit(
        self, hit_id: int, *, decision: str, reason: str, principal: Principal
    ) -> dict[str, Any]:
        check_id(hit_id, loc="hit_id")
        with self.db.read() as session:
            hit = records.get_hit(session, hit_id)
            party_doc = json.loads(hit.party_document)
            entry_id, snapshot_id = hit.entry_id, hit.snapshot_id
        return self.judge(
            party_doc,
            entry_id,
            decision=decision,
            reason=reason,
            principal=principal,
            snapshots=[snapshot_id] if snapshot_id else None,
        )

    def judge(
        self,
        party: Any,
        entry_id: str,
        *,
        decision: str,
        reason: str,
        principal: Principal,
        snapshots: list[str] | None = None,
    ) -> dict[str, Any]:
        if decision not in ("cleared", "confirmed"):
            raise InputError("decision is 'cleared' or 'confirmed'", loc="decision")
        if not isinstance(reason, str) or not reason.strip():
            raise InputError("give the reason for the decision", loc="reason")
        if len(reason) > MAX_REASON:
            raise InputError(f"a reason is at most {MAX_REASON} characters", loc="reason")
        if not isinstance(entry_id, str) or not entry_id.strip() or len(entry_id) > 200:
            raise InputError("entry_id names a listed entry from a screening hit", loc="entry_id")
        parsed = parse_party(party, loc="party")
        with self.db.write() as session:
            svc = self.screening(session, principal.actor)
            judgement = svc.judge(
                parsed,
                entry_id.strip(),
                decision=decision,
                reason=reason,
                author=principal.name,
                snapshots=snapshots,
            )
            return judgement.to_dict()

    def judgements(self) -> dict[str, Any]:
        with self.db.read() as session:
            return {"judgements": records.list_judgements(session)}

    # ------------------------------------------------------------------ law and lists

    def rules(
        self, as_of: str | dt.date | None, *, jurisdiction: str | None = None
    ) -> dict[str, Any]:
        rulebook = load_rulebook()
        date = parse_as_of(as_of)
        jurisdiction = _jurisdiction(jurisdiction, rulebook)
        view = rulebook.at(date)
        entries = [
            entry_history(f.entry, date)
            for f in sorted(
                view.in_force.values(), key=lambda f: (f.entry.jurisdiction, f.entry.id)
            )
            if jurisdiction is None or f.entry.jurisdiction == jurisdiction.upper()
        ]
        return {"as_of": date.isoformat(), "rulebook_version": rulebook.version, "entries": entries}

    def rule(self, rule_id: str, as_of: str | dt.date | None) -> dict[str, Any]:
        rulebook = load_rulebook()
        date = parse_as_of(as_of)
        rulebook.check_date(date)
        return {
            "as_of": date.isoformat(),
            "rulebook_version": rulebook.version,
            "entries": [entry_history(e, date) for e in rulebook.find(rule_id)],
        }

    def rules_diff(
        self,
        date_from: str | dt.date | None,
        date_to: str | dt.date | None,
        *,
        jurisdiction: str | None = None,
    ) -> dict[str, Any]:
        rulebook = load_rulebook()
        d1, d2 = parse_as_of(date_from, loc="from"), parse_as_of(date_to, loc="to")
        jurisdiction = _jurisdiction(jurisdiction, rulebook)
        changes = diff_rulebook(rulebook, d1, d2, jurisdiction=jurisdiction)
        return {
            "from": d1.isoformat(),
            "to": d2.isoformat(),
            "rulebook_version": rulebook.version,
            "changes": changes,
        }

    def lists(self) -> dict[str, Any]:
        snapshots = self.snapshots.list()
        known = {s["id"] for s in snapshots}
        with self.db.read() as session:
            extra = [sid for sid in archive.stored_snapshot_ids(session) if sid not in known]
        for sid in extra:
            info = self.snapshots.load(sid).info()
            info.pop("source", None)
            info["active"] = False
            info["stored_only"] = True
            snapshots.append(info)
        return {"active": self.snapshots.active_ids(), "snapshots": snapshots}

    def snapshot(
        self, snapshot_id: str, *, q: str | None = None, limit: int = 100, offset: int = 0
    ) -> dict[str, Any]:
        snap = self.snapshots.load(snapshot_id)
        entries = list(snap.entries)
        if q:
            needle = q.casefold()
            entries = [e for e in entries if any(needle in n.casefold() for n in e.all_names())]
        info = snap.info()
        return {
            **info,
            "matching": len(entries),
            "limit": limit,
            "offset": offset,
            "items": [e.to_dict() for e in entries[offset : offset + limit]],
        }

    # ------------------------------------------------------------------ audit

    def audit_verify(self, *, expect_head: str | None = None) -> dict[str, Any]:
        """Verify the whole chain; `expect_head` is any head published earlier: the chain
        must contain it (it may have grown since)."""
        if expect_head is not None:
            expect_head = expect_head.strip().lower()
            if len(expect_head) != 64 or any(c not in "0123456789abcdef" for c in expect_head):
                raise InputError(
                    "a head is the 64 hexadecimal digits 'audit verify' printed",
                    loc="expect_head",
                )
        with self.db.read() as session:
            report = audit.verify(session, expect_head=expect_head)
        if report.ok and not expect_head:
            self._audit_checkpoint = (report.head_seq, report.head_hash)
        return report.to_dict()

    def audit_verify_recent(self) -> dict[str, Any]:
        """For pages shown often: the whole log is verified once per process, then only
        the entries after the last verified one (and that entry itself, unchanged). A full
        verification (`audit_verify`) also checks every stored row against the log."""
        checkpoint = getattr(self, "_audit_checkpoint", None)
        if checkpoint is None:
            return self.audit_verify()
        with self.db.read() as session:
            report = audit.verify(session, since=checkpoint)
        if report.ok:
            self._audit_checkpoint = (report.head_seq, report.head_hash)
        else:
            self._audit_checkpoint = None
        return report.to_dict()

    def audit_entries(
        self, *, limit: int = 100, before: int | None = None, subject: str | None = None
    ) -> dict[str, Any]:
        with self.db.read() as session:
            return {
                "entries": records.audit_entries(
                    session, limit=limit, before=before, subject=subject
                )
            }

    # ------------------------------------------------------------------ users and keys

    def authenticate(self, token: str) -> Principal:
        with self.db.read() as session:
            return accounts.authenticate(session, token)

    def create_user(self, name: str, role: str, *, actor: str) -> dict[str, Any]:
        with self.db.write() as session:
            user = accounts.create_user(session, name, role, actor=actor)
            _, token = accounts.create_key(
                session, user, label="created with the user", actor=actor
            )
            return {"user": user.name, "role": user.role, "api_key": token}

    def create_key(self, user_name: str, *, label: str, actor: str) -> dict[str, Any]:
        with self.db.write() as session:
            user = accounts.get_user(session, accounts.check_name(user_name, loc="user"))
            row, token = accounts.create_key(session, user, label=label, actor=actor)
            return {"id": row.id, "user": user.name, "role": user.role, "api_key": token}

    def revoke_key(self, key_id: str, *, actor: str, kind: str | None = None) -> dict[str, Any]:
        """Revoke an API key (and, at once, the web sessions opened with it) or a session."""
        with self.db.write() as session:
            row = accounts.revoke_key(session, key_id, actor=actor, kind=kind)
            return {"id": row.id, "kind": row.kind, "revoked_at": row.revoked_at}

    def users(self) -> dict[str, Any]:
        with self.db.read() as session:
            return {"users": accounts.list_users(session), "keys": accounts.list_keys(session)}

    def sessions(self, *, active_only: bool = True) -> dict[str, Any]:
        """Web sessions (active ones by default): who, opened with which key, until when."""
        with self.db.read() as session:
            return {
                "sessions": accounts.list_keys(session, kind="session", active_only=active_only)
            }

    def sign_in(self, token: str) -> tuple[Principal, str]:
        """A web session for the holder of an API key: (principal, session token)."""
        principal = self.authenticate(token)
        with self.db.write() as session:
            user = accounts.get_user(session, principal.name)
            parent = principal.key_id
            if principal.kind == "session":  # a session opened from a session: same key
                current = session.get(ApiKeyRow, principal.key_id)
                parent = current.parent_id if current and current.parent_id else parent
            row, session_token = accounts.create_key(
                session,
                user,
                label="web sign-in",
                actor=principal.actor,
                kind="session",
                hours=self.settings.session_hours,
                parent_id=parent,
            )
        return Principal(user.id, user.name, user.role, row.id, "session"), session_token

    def sign_out(self, principal: Principal) -> None:
        if principal.kind == "session":
            with self.db.write() as session:
                accounts.revoke_key(session, principal.key_id, actor=principal.actor)


def compare(
    old: Any, new: Any, volatile: Callable[[tuple[str, ...]], bool], path: tuple[str, ...] = ()
) -> list[str]:
    """Paths where two JSON documents differ (volatile paths skipped)."""
    if path and volatile(path):
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new:
                if not volatile((*path, key)):
                    out.append(".".join((*path, key)))
                continue
            out.extend(compare(old[key], new[key], volatile, (*path, key)))
        return out
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [".".join(path) or "."]
        out = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            out.extend(compare(a, b, volatile, (*path, str(i))))
        return out
    return [] if old == new else [".".join(path) or "."]
