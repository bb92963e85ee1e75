"""Tables. JSON documents are kept as canonical JSON text so that their hashes hold
byte for byte on every database; timestamps are ISO 8601 UTC text for the same reason."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

GENESIS = "0" * 64


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RulebookArchive(Base):
    """The law files of every rulebook version an answer was given under."""

    __tablename__ = "rulebooks"
    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    files: Mapped[str] = mapped_column(Text)  # JSON {relative path: file text}
    created_at: Mapped[str] = mapped_column(String(32))


class ListSnapshotRow(Base):
    """A list snapshot, whole, as the screening module wrote it (content-hash id)."""

    __tablename__ = "list_snapshots"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    dataset: Mapped[str] = mapped_column(String(80))
    as_of: Mapped[str] = mapped_column(String(10))
    entries: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))


class TransactionRow(Base):
    __tablename__ = "transactions"
    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(120))


class RecordRow(Base):
    """One answer given through the service: classification, screening, determination or
    assessment, with everything needed to recompute it."""

    __tablename__ = "records"
    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    created_at: Mapped[str] = mapped_column(String(32), index=True)
    actor: Mapped[str] = mapped_column(String(120))
    as_of: Mapped[str] = mapped_column(String(10))
    rulebook_version: Mapped[str] = mapped_column(String(40))
    list_snapshots: Mapped[str] = mapped_column(Text)  # JSON list of snapshot ids
    engine_version: Mapped[str] = mapped_column(String(24))
    input: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    transaction_id: Mapped[str | None] = mapped_column(
        String(24), ForeignKey("transactions.id"), nullable=True, index=True
    )
    sha256: Mapped[str] = mapped_column(String(64))
    audit_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PartyRow(Base):
    """A party under watch: screened once, screened again when a list changes."""

    __tablename__ = "parties"
    key_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    address: Mapped[str | None] = mapped_column(Text, nullable=True)
    document: Mapped[str] = mapped_column(Text)


class SeenHitRow(Base):
    __tablename__ = "seen_hits"
    party_key_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    party_key: Mapped[str] = mapped_column(Text)
    entry_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    entry_hash: Mapped[str] = mapped_column(String(64))
    snapshot_id: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)
    seen_at: Mapped[str] = mapped_column(String(32))


class HitRow(Base):
    """A matching hit of a screening record: the review queue is built from these."""

    __tablename__ = "hits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(24), ForeignKey("records.id"), index=True)
    party_key_sha256: Mapped[str] = mapped_column(String(64), index=True)
    party_key: Mapped[str] = mapped_column(Text)
    party_name: Mapped[str] = mapped_column(Text)
    party_country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    party_document: Mapped[str] = mapped_column(Text)
    entry_id: Mapped[str] = mapped_column(String(200))
    entry_hash: Mapped[str] = mapped_column(String(64))
    entry_name: Mapped[str] = mapped_column(Text)
    list: Mapped[str] = mapped_column(String(40))
    snapshot_id: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[str] = mapped_column(String(32))


class JudgementRow(Base):
    """An analyst's decision on a hit; never updated, the latest per (party, entry) holds."""

    __tablename__ = "judgements"
    __table_args__ = (Index("ix_judgements_pair", "party_key_sha256", "entry_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    party_key_sha256: Mapped[str] = mapped_column(String(64))
    party_key: Mapped[str] = mapped_column(Text)
    party_name: Mapped[str] = mapped_column(Text)
    entry_id: Mapped[str] = mapped_column(String(200))
    entry_hash: Mapped[str] = mapped_column(String(64))
    entry_name: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(120))
    snapshot_id: Mapped[str] = mapped_column(String(40))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    matcher: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[str] = mapped_column(String(32))
    audit_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[str] = mapped_column(String(32))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class ApiKeyRow(Base):
    """An API key or a web sign-in; only the SHA-256 of the secret is kept."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(12))  # api | session
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    revoked_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_used_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # a web session: the API key it was opened with (revoking that key ends the session)
    parent_id: Mapped[str | None] = mapped_column(String(24), nullable=True, index=True)


class AuditRow(Base):
    """The hash-chained audit log: row n's hash covers row n-1's hash."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHeadRow(Base):
    """The last sequence number and hash; locking this row serialises appends."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class BatchRunRow(Base):
    __tablename__ = "batch_runs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(24))
    options: Mapped[str] = mapped_column(Text)
    total_rows: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[str] = mapped_column(String(32))
    finished_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


class BatchRowRow(Base):
    __tablename__ = "batch_rows"
    __table_args__ = (UniqueConstraint("run_id", "row_no", name="uq_batch_rows_run_row"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(40), ForeignKey("batch_runs.id"), index=True)
    row_no: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    record_id: Mapped[str | None] = mapped_column(String(24), nullable=True)
    output: Mapped[str] = mapped_column(Text)


class CompanyLetterRow(Base):
    """A BIS letter to the user's company (is-informed letter), as the user recorded it.
    Never edited: a revocation stamps revoked_at and its own audit entry, so a replay sees
    the letters as they stood when the answer was given."""

    __tablename__ = "company_letters"
    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    document: Mapped[str] = mapped_column(Text)  # canonical JSON of the letter
    sha256: Mapped[str] = mapped_column(String(64))
    effective: Mapped[str] = mapped_column(String(10))
    ends: Mapped[str | None] = mapped_column(String(10), nullable=True)
    created_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(120))
    audit_seq: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    revoked_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    revoke_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    revoke_audit_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)


class RescreenRunRow(Base):
    """One re-screening of the watched parties: the snapshots and date it used, and whether it
    screened every party against every entry (full) or only against what changed."""

    __tablename__ = "rescreen_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document: Mapped[str] = mapped_column(Text)  # canonical JSON of the run's state
    created_at: Mapped[str] = mapped_column(String(32))


class RescreenPartyRow(Base):
    """What the last full screening of a watched party found (its matches per dataset), and
    the party document it screened: an incremental re-screening reads it."""

    __tablename__ = "rescreen_parties"
    key_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text)  # JSON: {"doc": hash, "matches": {dataset: n}}
