"""The audit log: append-only, each row's hash covering the row before it.

    hash(n) = SHA-256(canonical {seq, at, actor, action, subject, payload_sha256, prev})
    prev(n) = hash(n-1); prev(1) = 64 zeros

`audit_head` holds the last (seq, hash). An append locks that row (SELECT ... FOR UPDATE
on PostgreSQL; BEGIN IMMEDIATE on SQLite) so appends are serialised, and is written in the
same transaction as the record it describes.

`verify` walks the chain and reports every break: an edited row (its hash no longer
matches its content), a deleted or reordered row (a gap in seq or a `prev` that is not
the hash before it), a deleted tail (the head names a later row), and every stored row a
decision depends on whose content no longer matches what the log says of it: records and
their screening hits, the transactions they were given, judgements, users' roles, keys
and their revocations (and the web sessions opened with them), company letters and their
revocations, batch runs and each line's result; the archived law and list snapshots are
content-addressed, so each is checked against its own id.

`verify(since=(seq, hash))` checks only the entries after a checkpoint a full
verification passed (and that the checkpoint entry is unchanged): the web page's view.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chipcontrols.storage.canonical import canonical, now, sha256_text
from chipcontrols.storage.models import (
    GENESIS,
    ApiKeyRow,
    AuditHeadRow,
    AuditRow,
    BatchRowRow,
    BatchRunRow,
    CompanyLetterRow,
    HitRow,
    JudgementRow,
    ListSnapshotRow,
    RecordRow,
    RulebookArchive,
    TransactionRow,
    UserRow,
)


def entry_hash(
    seq: int, at: str, actor: str, action: str, subject: str, payload: str, prev: str
) -> str:
    return sha256_text(
        canonical(
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": action,
                "subject": subject,
                "payload_sha256": sha256_text(payload),
                "prev": prev,
            }
        )
    )


def append(
    session: Session, *, actor: str, action: str, subject: str, payload: dict[str, Any]
) -> AuditRow:
    """Append one entry in the caller's transaction."""
    head = session.execute(
        select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()
    ).scalar_one()
    seq = head.seq + 1
    at = now()
    text = canonical(payload)
    digest = entry_hash(seq, at, actor, action, subject, text, head.hash)
    row = AuditRow(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        payload=text,
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(row)
    head.seq = seq
    head.hash = digest
    session.flush()
    return row


# Entries that change what a later answer is computed from (judgements, company letters).
INPUT_ACTIONS = ("judge", "add_letter", "revoke_letter")


def head_seq(session: Session) -> int:
    """The last entry's seq (0 for an empty log), without locking."""
    seq = session.execute(select(AuditHeadRow.seq).where(AuditHeadRow.id == 1)).scalar_one_or_none()
    return int(seq or 0)


def lock_head(session: Session) -> int:
    """Take the append lock now (it is held to the end of the transaction); the head's seq."""
    head = session.execute(
        select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()
    ).scalar_one()
    return int(head.seq)


def inputs_changed_since(session: Session, seq: int) -> bool:
    """Whether an entry after `seq` recorded a judgement or a letter (or its revocation)."""
    found = session.execute(
        select(AuditRow.seq).where(AuditRow.seq > seq, AuditRow.action.in_(INPUT_ACTIONS)).limit(1)
    ).first()
    return found is not None


def record_hash(row: RecordRow) -> str:
    return sha256_text(
        canonical(
            {
                "id": row.id,
                "kind": row.kind,
                "created_at": row.created_at,
                "actor": row.actor,
                "as_of": row.as_of,
                "rulebook_version": row.rulebook_version,
                "list_snapshots": row.list_snapshots,
                "engine_version": row.engine_version,
                "transaction_id": row.transaction_id,
                "input_sha256": sha256_text(row.input),
                "result_sha256": sha256_text(row.result),
                "summary": row.summary,
            }
        )
    )


def key_hash(row: ApiKeyRow, user_name: str) -> str:
    """What a key or session is: whose, which secret, from when to when (not its use)."""
    return sha256_text(
        canonical(
            {
                "id": row.id,
                "user": user_name,
                "kind": row.kind,
                "label": row.label,
                "secret_sha256": row.secret_sha256,
                "created_at": row.created_at,
                "expires_at": row.expires_at,
                "parent_id": row.parent_id,
            }
        )
    )


def batch_run_hash(row: BatchRunRow) -> str:
    """What a batch run is: its file, operation and options (not its progress)."""
    return sha256_text(
        canonical(
            {
                "id": row.id,
                "file_name": row.file_name,
                "file_sha256": row.file_sha256,
                "operation": row.operation,
                "options": row.options,
                "total_rows": row.total_rows,
                "created_at": row.created_at,
            }
        )
    )


def judgement_hash(row: JudgementRow) -> str:
    return sha256_text(
        canonical(
            {
                "id": row.id,
                "party_key": row.party_key,
                "party_name": row.party_name,
                "entry_id": row.entry_id,
                "entry_hash": row.entry_hash,
                "entry_name": row.entry_name,
                "decision": row.decision,
                "reason": row.reason,
                "author": row.author,
                "snapshot_id": row.snapshot_id,
                "score": row.score,
                "matcher": row.matcher,
                "created_at": row.created_at,
            }
        )
    )


@dataclass
class Problem:
    seq: int | None
    kind: str  # edited | missing | reordered | truncated | record_edited | unlogged ...
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "detail": self.detail}


@dataclass
class Verification:
    entries: int
    head_seq: int
    head_hash: str
    problems: list[Problem] = field(default_factory=list)
    records_checked: int = 0
    judgements_checked: int = 0
    checked: dict[str, int] = field(default_factory=dict)
    since: int | None = None  # an incremental verification: entries after this one

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        out = {
            "ok": self.ok,
            "entries": self.entries,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "records_checked": self.records_checked,
            "judgements_checked": self.judgements_checked,
            "checked": dict(self.checked),
            "problems": [p.to_dict() for p in self.problems],
        }
        if self.since is not None:
            out["incremental"] = {"after_seq": self.since}
        return out


def _rows(session: Session, batch: int = 2000, after: int = 0) -> Iterator[AuditRow]:
    last = after
    while True:
        rows = (
            session.execute(
                select(AuditRow).where(AuditRow.seq > last).order_by(AuditRow.seq).limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify(
    session: Session,
    *,
    expect_head: str | None = None,
    since: tuple[int, str] | None = None,
) -> Verification:
    head = session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one_or_none()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    result = Verification(entries=0, head_seq=head_seq, head_hash=head_hash)
    problems = result.problems
    if head is None:
        problems.append(Problem(None, "head_missing", "the audit head row is missing"))
    expected_seq, prev = 1, GENESIS
    by_hash_seen: set[str] = set()
    if since is not None and since[0] > 0:
        anchor = session.get(AuditRow, since[0])
        if anchor is None or anchor.hash != since[1]:
            problems.append(
                Problem(
                    since[0],
                    "edited",
                    "the entry a full verification passed has changed or is gone",
                )
            )
            return result
        result.since = since[0]
        result.entries = since[0]
        expected_seq, prev = since[0] + 1, since[1]
        by_hash_seen.add(since[1])
    subjects: dict[str, tuple[str, int]] = {}  # subject -> (logged sha256, seq)
    logged = Logged()
    for row in _rows(session, after=expected_seq - 1):
        result.entries += 1
        if row.seq != expected_seq:
            problems.append(
                Problem(
                    row.seq,
                    "missing",
                    f"expected entry {expected_seq}, found {row.seq}: "
                    f"{row.seq - expected_seq} entr{'y' if row.seq - expected_seq == 1 else 'ies'} "
                    "deleted",
                )
            )
        recomputed = entry_hash(
            row.seq, row.at, row.actor, row.action, row.subject, row.payload, row.prev_hash
        )
        if recomputed != row.hash:
            problems.append(
                Problem(row.seq, "edited", "the entry's content does not match its hash")
            )
        if row.prev_hash != prev:
            kind = "reordered" if row.prev_hash in by_hash_seen else "broken_link"
            problems.append(
                Problem(
                    row.seq,
                    kind,
                    "the entry does not follow the one before it "
                    "(an entry before it was edited, deleted or moved)",
                )
            )
        by_hash_seen.add(row.hash)
        prev = row.hash
        expected_seq = row.seq + 1
        try:
            payload = json.loads(row.payload)
        except ValueError:
            payload = {}
        digest = payload.get("sha256") if isinstance(payload, dict) else None
        if isinstance(digest, str) and row.action in _SUBJECT_ACTIONS:
            subjects[row.subject] = (digest, row.seq)
        if isinstance(payload, dict):
            logged.note(row, payload)
    if result.entries and (prev != head_hash or expected_seq - 1 != head_seq):
        problems.append(
            Problem(
                head_seq,
                "truncated",
                f"the head names entry {head_seq}, the log ends at {expected_seq - 1}: "
                "entries at the end were deleted or the head was altered",
            )
        )
    elif not result.entries and head_seq != 0:
        problems.append(
            Problem(head_seq, "truncated", "the log is empty but the head names entries")
        )
    if expect_head and expect_head != GENESIS and expect_head not in by_hash_seen:
        problems.append(
            Problem(
                None,
                "head_mismatch",
                f"the published head {expect_head[:16]}… is not in the log: the chain does "
                "not extend it (entries up to it were rewritten or deleted)",
            )
        )
    if since is not None and since[0] > 0:
        return result  # the rows' own checks need the whole log: a full verification
    _check_subjects(session, subjects, result)
    _check_tables(session, logged, result)
    return result


_SUBJECT_ACTIONS = {"classify", "screen", "determine", "assess", "check", "judge"}


def _check_subjects(
    session: Session, logged: dict[str, tuple[str, int]], result: Verification
) -> None:
    for rec in session.execute(select(RecordRow).order_by(RecordRow.created_at)).scalars():
        result.records_checked += 1
        found = logged.pop(rec.id, None)
        want, seq = found if found else (None, None)
        if want is None:
            result.problems.append(Problem(None, "unlogged", f"record {rec.id} has no audit entry"))
        elif record_hash(rec) != want or rec.sha256 != want or rec.audit_seq != seq:
            result.problems.append(
                Problem(None, "record_edited", f"record {rec.id} was changed after it was made")
            )
    for j in session.execute(select(JudgementRow).order_by(JudgementRow.id)).scalars():
        result.judgements_checked += 1
        key = f"judgement:{j.id}"
        found = logged.pop(key, None)
        want, seq = found if found else (None, None)
        if want is None:
            result.problems.append(
                Problem(None, "unlogged", f"judgement {j.id} has no audit entry")
            )
        elif judgement_hash(j) != want or j.audit_seq != seq:
            result.problems.append(
                Problem(None, "judgement_edited", f"judgement {j.id} was changed after it was made")
            )
    for subject in logged:
        result.problems.append(
            Problem(None, "subject_deleted", f"{subject} is in the audit log but not stored")
        )


# ---------------------------------------------------------------- the other tables


@dataclass
class Logged:
    """What the log says of the rows outside records and judgements, gathered in one walk."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    key_revocations: dict[str, dict[str, Any]] = field(default_factory=dict)
    hits: dict[str, str] = field(default_factory=dict)  # record id -> hits_sha256
    letters: dict[str, tuple[str, int]] = field(default_factory=dict)
    letter_revocations: dict[str, tuple[str, int]] = field(default_factory=dict)
    batch_runs: dict[str, str] = field(default_factory=dict)
    batch_lines: dict[tuple[str, int], str] = field(default_factory=dict)

    def note(self, row: AuditRow, payload: dict[str, Any]) -> None:
        action, subject = row.action, row.subject
        if action in ("user.create", "user.update"):
            self.users[subject] = payload
        elif action in ("key.create", "sign_in"):
            self.keys[subject] = payload
        elif action in ("key.revoke", "sign_out"):
            self.key_revocations[subject] = payload
        elif action in _SUBJECT_ACTIONS and isinstance(payload.get("hits_sha256"), str):
            self.hits[subject] = payload["hits_sha256"]
        elif action == "add_letter":
            self.letters[subject] = (str(payload.get("sha256")), row.seq)
        elif action == "revoke_letter":
            self.letter_revocations[subject] = (str(payload.get("sha256")), row.seq)
        elif action == "batch.start":
            self.batch_runs[subject] = str(payload.get("sha256"))
        elif action == "batch.lines" and isinstance(payload.get("lines"), dict):
            for row_no, digest in payload["lines"].items():
                if str(row_no).isdigit():
                    self.batch_lines[(subject, int(row_no))] = str(digest)


def hit_doc(row: HitRow) -> dict[str, Any]:
    return {
        "party_key_sha256": row.party_key_sha256,
        "party_key": row.party_key,
        "party_name": row.party_name,
        "party_country": row.party_country,
        "party_document": row.party_document,
        "entry_id": row.entry_id,
        "entry_hash": row.entry_hash,
        "entry_name": row.entry_name,
        "list": row.list,
        "snapshot_id": row.snapshot_id,
        "score": row.score,
    }


def hits_hash(rows: list[HitRow]) -> str:
    return sha256_text(canonical([hit_doc(r) for r in rows]))


def _check_tables(session: Session, logged: Logged, result: Verification) -> None:
    def problem(kind: str, detail: str) -> None:
        result.problems.append(Problem(None, kind, detail))

    checked = result.checked
    # users: the role and state the log gave them
    names: dict[int, str] = {}
    for user in session.execute(select(UserRow).order_by(UserRow.id)).scalars():
        names[user.id] = user.name
        checked["users"] = checked.get("users", 0) + 1
        entry = logged.users.pop(f"user:{user.name}", None)
        if entry is None:
            problem("unlogged", f"user {user.name} has no audit entry")
        elif entry.get("role") != user.role or bool(entry.get("disabled", False)) != bool(
            user.disabled
        ):
            problem("user_edited", f"user {user.name}'s role or state was changed outside the log")
    for subject in logged.users:
        problem("subject_deleted", f"{subject} is in the audit log but not stored")
    # keys and sessions: whose, which secret, and that a logged revocation still holds
    for key in session.execute(select(ApiKeyRow).order_by(ApiKeyRow.created_at)).scalars():
        checked["keys"] = checked.get("keys", 0) + 1
        subject = f"key:{key.id}"
        entry = logged.keys.pop(subject, None)
        user_name = names.get(key.user_id, "")
        if entry is None:
            problem("unlogged", f"key {key.id} has no audit entry")
        elif (
            "row_sha256" in entry and entry["row_sha256"] != key_hash(key, user_name)
        ) or entry.get("user") != user_name:
            problem("key_edited", f"key {key.id} was changed after it was made")
        revoked = logged.key_revocations.pop(subject, None)
        if revoked is not None and key.revoked_at is None:
            problem("key_unrevoked", f"key {key.id} was revoked in the log but is active again")
        elif (
            revoked is not None
            and "revoked_at" in revoked
            and revoked["revoked_at"] != key.revoked_at
        ):
            problem("key_edited", f"key {key.id}'s revocation time was changed")
    # hits: as the record's log entry took them
    by_record: dict[str, list[HitRow]] = {}
    for hit in session.execute(select(HitRow).order_by(HitRow.id)).scalars():
        by_record.setdefault(hit.record_id, []).append(hit)
        checked["hits"] = checked.get("hits", 0) + 1
    for record_id, want in logged.hits.items():
        if hits_hash(by_record.pop(record_id, [])) != want:
            problem("hits_edited", f"the screening hits of record {record_id} were changed")
    known = set(session.execute(select(RecordRow.id)).scalars())
    for record_id in by_record:
        if record_id not in known:
            problem("unlogged", f"hits of record {record_id}, which is not stored")
    # transactions: the document the record (hashed in the log) was given
    inputs = {
        rec.transaction_id: rec.input
        for rec in session.execute(
            select(RecordRow).where(RecordRow.transaction_id.is_not(None))
        ).scalars()
    }
    for txn in session.execute(select(TransactionRow)).scalars():
        checked["transactions"] = checked.get("transactions", 0) + 1
        given = inputs.get(txn.id)
        if given is None:
            problem("unlogged", f"transaction {txn.id} belongs to no record")
            continue
        try:
            document = canonical(json.loads(given).get("transaction"))
        except (ValueError, AttributeError):
            document = None
        if sha256_text(txn.document) != txn.sha256 or document != txn.document:
            problem("transaction_edited", f"transaction {txn.id} was changed after it was made")
    # company letters and their revocations
    for letter in session.execute(select(CompanyLetterRow)).scalars():
        checked["letters"] = checked.get("letters", 0) + 1
        subject = f"letter:{letter.id}"
        added = logged.letters.pop(subject, None)
        withdrawn = logged.letter_revocations.pop(subject, None)
        if added is None:
            problem("unlogged", f"letter {letter.id} has no audit entry")
        elif (
            sha256_text(letter.document) != added[0]
            or letter.sha256 != added[0]
            or letter.audit_seq != added[1]
        ):
            problem("letter_edited", f"letter {letter.id} was changed after it was recorded")
        if (withdrawn is None) != (letter.revoked_at is None) or (
            withdrawn is not None and letter.revoke_audit_seq != withdrawn[1]
        ):
            problem("letter_edited", f"letter {letter.id}'s revocation was changed")
    for subject in logged.letters:
        problem("subject_deleted", f"{subject} is in the audit log but not stored")
    # batch runs started since the log covers them, and every line's result
    for run in session.execute(select(BatchRunRow)).scalars():
        started = logged.batch_runs.pop(run.id, None)
        if started is None:
            continue  # a run from before batch runs were logged
        checked["batch_runs"] = checked.get("batch_runs", 0) + 1
        if batch_run_hash(run) != started:
            problem("batch_edited", f"batch run {run.id} was changed after it started")
        for line in session.execute(
            select(BatchRowRow).where(BatchRowRow.run_id == run.id)
        ).scalars():
            checked["batch_lines"] = checked.get("batch_lines", 0) + 1
            digest = logged.batch_lines.pop((run.id, line.row_no), None)
            if digest is None:
                problem("unlogged", f"batch run {run.id} line {line.row_no + 1} has no audit entry")
            elif sha256_text(line.output) != digest:
                problem(
                    "batch_edited",
                    f"batch run {run.id} line {line.row_no + 1}'s result was changed",
                )
    for run_id, row_no in logged.batch_lines:
        problem("subject_deleted", f"batch run {run_id} line {row_no + 1} is logged, not stored")
    # content-addressed: the archived law and the list snapshots
    for book in session.execute(select(RulebookArchive)).scalars():
        checked["rulebooks"] = checked.get("rulebooks", 0) + 1
        try:
            files = json.loads(book.files)
        except ValueError:
            files = None
        if not isinstance(files, dict) or files_hash(files) != book.version:
            problem("law_edited", f"the archived law of {book.version} does not hash to it")
    for snap in session.execute(select(ListSnapshotRow)).scalars():
        checked["list_snapshots"] = checked.get("list_snapshots", 0) + 1
        if not _snapshot_intact(snap):
            problem("snapshot_edited", f"list snapshot {snap.id} does not hash to its id")


def files_hash(files: dict[str, str]) -> str:
    """The rulebook version of law files given as {relative path: text}, as
    rulebook.content_hash computes it from a folder."""
    digest = hashlib.sha256()
    for rel in sorted(files, key=lambda r: PurePosixPath(r).parts):
        if PurePosixPath(rel).suffix not in (".yaml", ".yml"):
            continue
        digest.update(rel.encode())
        digest.update(b"\0")
        digest.update(str(files[rel]).encode("utf-8"))
        digest.update(b"\0")
    return "rb-" + digest.hexdigest()[:16]


def _snapshot_intact(row: ListSnapshotRow) -> bool:
    from chipcontrols.errors import ChipControlsError
    from chipcontrols.screening.lists.snapshots import parse_snapshot

    try:
        doc = json.loads(row.document)
        return parse_snapshot(doc, loc=f"database:{row.id}").id == row.id
    except (ValueError, ChipControlsError, KeyError, TypeError):
        return False
