"""Issue 16, on SQLite and PostgreSQL (PostgreSQL skips when unreachable, except in CI):

- several API worker processes (uvicorn --workers, the app factory of docs/service.md)
  writing answers at once keep one audit chain: `chipcontrols audit verify` passes and no
  answer is lost;
- `chipcontrols lists import` killed with SIGKILL at any moment leaves the list snapshots
  readable and the service over the database answering; the next import removes what the
  killed writes left behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from chipcontrols.app_services import Services
from chipcontrols.screening.lists.snapshots import SnapshotStore
from chipcontrols.storage.models import AuditHeadRow, AuditRow, RecordRow
from tests.screening.conftest import shared
from tests.servicekit import LISTED, backend, pg_schema, svc, transaction

__all__ = ["backend", "pg_schema", "svc"]  # the fixtures, per backend

BIN = Path(sys.executable).parent


def _env(svc: Services, url: str | None) -> dict[str, str]:
    env = {**os.environ, "CHIPCONTROLS_HOME": str(svc.settings.home)}
    env.pop("CHIPCONTROLS_DATABASE_URL", None)
    if url:
        env["CHIPCONTROLS_DATABASE_URL"] = url
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[str]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return path.read_text().split() if path.exists() else []


def test_several_workers_keep_one_audit_chain(svc: Services, backend: str | None) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [
            str(BIN / "uvicorn"),
            "--factory",
            "chipcontrols.api.app:app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "4",
            "--log-level",
            "warning",
        ],
        env=_env(svc, backend),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {svc.admin_key}"}  # type: ignore[attr-defined]
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(base + "/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.3)
        assert len(_children(server.pid)) >= 4  # four worker processes (and uvicorn's own)

        def call(i: int) -> int:
            with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
                if i % 5 == 4:  # screenings as well: the same party in every request
                    body: dict[str, Any] = {"parties": [{"name": LISTED, "country": "CN"}]}
                    return client.post("/v1/screen", json=body).status_code
                txn = transaction(parties=[{"role": "end_user", "name": LISTED, "country": "CN"}])
                body = {"transaction": txn, "as_of": "2024-06-01"}
                return client.post("/v1/check", json=body).status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(call, range(40)))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert statuses == [200] * 40
    with svc.db.read() as s:
        records = s.execute(select(func.count()).select_from(RecordRow)).scalar_one()
        answers = s.execute(
            select(func.count())
            .select_from(AuditRow)
            .where(AuditRow.action.in_(("check", "determine", "screen")))
        ).scalar_one()
        seqs = list(s.execute(select(AuditRow.seq).order_by(AuditRow.seq)).scalars())
        head = s.execute(select(AuditHeadRow.seq)).scalar_one()
        logged = set(s.execute(select(RecordRow.audit_seq)).scalars())
    assert records == answers == 40  # none lost, none twice
    assert seqs == list(range(1, head + 1)) and len(logged) == 40
    verify = subprocess.run(
        [str(BIN / "chipcontrols"), "audit", "verify"],
        env=_env(svc, backend),
        capture_output=True,
        timeout=300,
    )
    assert verify.returncode == 0, verify.stdout.decode() + verify.stderr.decode()


def test_a_killed_list_import_leaves_lists_and_service_whole(
    svc: Services, backend: str | None
) -> None:
    source = shared("moov-watchman/test_testdata_static/sdn.csv")
    home = svc.settings.home
    env = _env(svc, backend)
    command = [str(BIN / "chipcontrols"), "lists", "import", str(source), "--as-of", "2024-01-08"]
    party = {"parties": [{"name": "BANCO NACIONAL DE CUBA", "country": "CU"}]}
    store = SnapshotStore(home)
    kills = 0
    # Kill moments from start-up to the writes (an import takes a few seconds on a quiet machine).
    for delay in (0.5, 1.0, 1.5, 2.0, 3.0, 5.0):
        proc = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
        # Whenever it died: every snapshot file reads, the active ones load, and the service
        # screens against them and records the answer in the database.
        assert all("error" not in info for info in store.list())
        for snapshot_id in store.active_ids().values():
            store.load(snapshot_id)
        record = svc.run("screening", party, as_of="2024-06-01", actor="test")
        assert record["list_snapshots"]
    assert kills >= 3, "the import finished before it could be killed: make it bigger"
    # What the killed writes left, once old enough not to be another import's live write,
    # is removed by the next import, which completes.
    old = time.time() - 3600
    for leftover in [*store.dir.glob(".*.json.*"), *home.glob(".*.json.*")]:
        os.utime(leftover, (old, old))
    done = subprocess.run(command, env=env, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode()
    assert not [*store.dir.glob(".*.json.*"), *home.glob(".*.json.*")]
    imported = store.active_ids()["ofac_sdn"]
    record = svc.run("screening", party, as_of="2024-06-01", actor="test")
    assert imported in record["list_snapshots"]
    assert any(r["match"] for r in record["result"]["results"])
    report = svc.audit_verify()
    assert report["ok"], report["problems"]
