"""Engines, sessions and migrations for SQLite (embedded) and PostgreSQL (teams)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from chipcontrols.errors import ChipControlsError, InputError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Connections per process: enough for the API's worker threads (each request holds one for
# its reads, answers are limited to a few at once by the service), within PostgreSQL's
# default of 100 connections for three workers.
POOL_SIZE = 10
MIGRATE_LOCK = 0x63636D67  # PostgreSQL advisory lock id taken while migrating
POOL_OVERFLOW = 20


class DatabaseError(ChipControlsError):
    """The database cannot be reached or is not at the schema this engine expects."""

    code = "database_unavailable"
    http_status = 503
    exit_code = 4


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(
            "not a database URL; write sqlite:///PATH or postgresql://USER@HOST:PORT/DB",
            loc="CHIPCONTROLS_DATABASE_URL",
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        pool: dict[str, Any] = {}
        if parsed.database and parsed.database != ":memory:":
            pool = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
        engine = create_engine(parsed, connect_args={"timeout": 30}, **pool)
        _sqlite_events(engine)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise InputError(
            f"database {parsed.get_backend_name()!r} is not supported; use SQLite or PostgreSQL",
            loc="CHIPCONTROLS_DATABASE_URL",
        )
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(
        parsed, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW
    )


def _sqlite_events(engine: Engine) -> None:
    """Foreign keys on, WAL journal, and BEGIN IMMEDIATE for writing sessions so that two
    writers never read the same audit head."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


class Database:
    """One database: `write()` and `read()` give sessions in one transaction each."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        writer = (
            self.engine.execution_options(sqlite_begin="IMMEDIATE")
            if self.is_sqlite
            else self.engine
        )
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(writer, expire_on_commit=False)

    def migrate(self) -> str:
        """Bring the schema to the newest migration; returns the revision."""
        # Serialised between processes (several workers starting at once): SQLite's write
        # lock from the start, a transaction-scoped advisory lock on PostgreSQL.
        engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        try:
            with engine.begin() as conn:
                if not self.is_sqlite:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_LOCK})
                command.upgrade(alembic_config(conn), "head")
        except OperationalError as exc:
            raise DatabaseError(
                f"cannot reach the database: {str(exc.orig).strip().splitlines()[0]}",
                loc=self.safe_url,
            ) from None
        return self.revision() or ""

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @staticmethod
    def head_revision() -> str:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert head is not None
        return head

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose work is committed together, or not at all."""
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
