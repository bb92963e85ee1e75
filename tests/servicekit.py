"""Fixtures shared by the service tests: a database per test on SQLite and, where the
server is there (always in CI), on PostgreSQL; a Services over it."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chipcontrols.app_services import Services
from chipcontrols.settings import Settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_HOST = os.environ.get("CHIPCONTROLS_TEST_PG", "127.0.0.1:5432")
PG_USERS = ("postgres", "root")

H100 = {
    "kind": "integrated_circuit",
    "name": "H100-class accelerator",
    "datacenter": True,
    "tpp": 15832,
    "die_area_mm2": 814,
    "io_bandwidth_gbps": 900,
}
LISTED = "Semiconductor Manufacturing International Corporation"


def transaction(**overrides: Any) -> dict[str, Any]:
    txn: dict[str, Any] = {
        "kind": "transaction",
        "export_from": "US",
        "destination": "CN",
        "items": [{"item": dict(H100), "made_in": "US"}],
        "parties": [{"role": "end_user", "name": LISTED, "country": "CN"}],
        "end_uses": [],
    }
    txn.update(overrides)
    return txn


def _pg_admin_url() -> str | None:
    import psycopg

    for user in PG_USERS:
        url = f"postgresql://{user}@{PG_HOST}/test"
        try:
            with psycopg.connect(url, connect_timeout=3):
                return url
        except psycopg.Error:
            continue
    return None


_PG: list[str | None] = []


def pg_admin_url() -> str:
    """The test server's URL; a skip when it is missing, a failure in CI."""
    if not _PG:
        _PG.append(_pg_admin_url())
    url = _PG[0]
    if url is None:
        message = f"PostgreSQL is not reachable at {PG_HOST} (database 'test')"
        if IN_CI:
            pytest.fail(message + "; CI must run the storage tests against it", pytrace=False)
        pytest.skip(message)
    return url


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A fresh schema on the PostgreSQL test server; its SQLAlchemy URL."""
    import psycopg

    admin = pg_admin_url()
    schema = f"cc_test_{secrets.token_hex(6)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = admin.replace("postgresql://", "postgresql+psycopg://") + (
        f"?options=-csearch_path%3D{schema}"
    )
    try:
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def make_services(home: Path, url: str | None = None) -> Services:
    settings = Settings(home=home, database_url=url)
    return Services(settings)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """A database URL per backend (None: the embedded SQLite default in the home)."""
    if request.param == "sqlite":
        yield None
        return
    yield request.getfixturevalue("pg_schema")


@pytest.fixture
def svc(backend: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    home = tmp_path / "home"
    monkeypatch.setenv("CHIPCONTROLS_HOME", str(home))
    services = make_services(home, backend)
    services.admin_key = services.start()  # type: ignore[attr-defined]
    try:
        yield services
    finally:
        services.close()


@pytest.fixture
def sqlite_svc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    home = tmp_path / "home"
    monkeypatch.setenv("CHIPCONTROLS_HOME", str(home))
    services = make_services(home)
    services.admin_key = services.start()  # type: ignore[attr-defined]
    try:
        yield services
    finally:
        services.close()
