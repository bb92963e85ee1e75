"""Determinations per second: the engine in-process, and the REST API over loopback at 10, 50
and 100 concurrent clients, on SQLite and (when reachable) PostgreSQL, in one run.

    .venv/bin/python bench/api_speed.py [--seconds 10] [--engine-seconds 5] [--no-postgres]
                                         [--clients 10,50,100] [--workers 1]

The transaction is bench/determine_speed.py's (a distinct variant per request, so no cache
keyed on names or figures answers from an earlier one). The API server is what
`chipcontrols serve` runs (the app factory `chipcontrols.api.app:app_from_env` under
uvicorn), started here on a free port with a fresh database: a SQLite file in a temporary
home, then a fresh schema in the PostgreSQL database `test` at 127.0.0.1:5432 (dropped at
the end). Each request is POST /v1/determine; the answer is recorded and audited.

"Same cores": the engine is measured on one core and the server is pinned to that same core
(the SQLite and PostgreSQL work included, PostgreSQL's own processes excepted); the client
(httpx, asyncio) runs on another core when there is one, so that it does not take the
server's time. Goal (issue 16): API >= 0.5 x engine, p99 < 250 ms at 50 clients, 0 errors.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from determine_speed import variant

PG_ADMIN_URLS = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
)
AS_OF = "2025-02-01"


def cores() -> tuple[set[int], set[int]]:
    """(server core, client cores)."""
    available = sorted(os.sched_getaffinity(0))
    server = {available[0]}
    client = set(available[1:]) or server
    return server, client


def engine_rate(seconds: float) -> float:
    from chipcontrols.determination import determine

    day = dt.date.fromisoformat(AS_OF)
    for i in range(-20, 0):  # load the rulebook, catalog, snapshots and matcher indexes
        determine(variant(i), day)
    pool = [variant(i) for i in range(int(seconds * 5000))]
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds and count < len(pool):
        determine(pool[count], day)
        count += 1
    return count / (time.perf_counter() - start)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_admin_url() -> str | None:
    import psycopg

    for url in PG_ADMIN_URLS:
        try:
            with psycopg.connect(url, connect_timeout=3):
                return url
        except psycopg.Error:
            continue
    return None


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    base: str
    key: str


def start_server(home: Path, url: str | None, core: set[int], workers: int) -> Server:
    """Prepare the database (migrations, law, the admin key), then start uvicorn."""
    from chipcontrols.app_services import Services
    from chipcontrols.settings import Settings

    svc = Services(Settings(home=home, database_url=url))
    key = svc.start()
    svc.close()
    assert key is not None
    env = {**os.environ, "CHIPCONTROLS_HOME": str(home)}
    if url:
        env["CHIPCONTROLS_DATABASE_URL"] = url
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "chipcontrols.api.app:app_from_env",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-server-header",
        "--workers",
        str(workers),
    ]
    proc = subprocess.Popen(command, env=env, preexec_fn=lambda: os.sched_setaffinity(0, core))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    import httpx

    while True:
        try:
            if httpx.get(base + "/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the server did not start")
        time.sleep(0.2)
    return Server(proc, base, key)


@dataclass
class Run:
    clients: int
    requests: int
    seconds: float
    errors: int
    latencies: list[float]
    bytes: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


async def load(server: Server, clients: int, seconds: float, offset: int) -> Run:
    import httpx

    headers = {"Authorization": f"Bearer {server.key}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    latencies: list[float] = []
    errors = 0
    received = 0
    counter = [offset]
    async with httpx.AsyncClient(
        base_url=server.base, headers=headers, limits=limits, timeout=60
    ) as client:

        async def one() -> None:
            nonlocal errors, received
            i = counter[0]
            counter[0] += 1
            body = {"transaction": variant(i), "as_of": AS_OF}
            start = time.perf_counter()
            try:
                response = await client.post("/v1/determine", json=body)
                ok = response.status_code == 200
                received += len(response.content)
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - start)
            if not ok:
                errors += 1

        # warm up every connection, then measure
        await asyncio.gather(*(one() for _ in range(clients)))
        latencies.clear()
        received = 0
        errors = 0
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < stop:
                await one()

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return Run(clients, len(latencies), elapsed, errors, latencies, received)


def verify(home: Path, url: str | None) -> tuple[bool, int]:
    from chipcontrols.app_services import Services
    from chipcontrols.settings import Settings

    svc = Services(Settings(home=home, database_url=url))
    try:
        report = svc.audit_verify()
        return bool(report["ok"]), int(report["records_checked"])
    finally:
        svc.close()


def record_size(home: Path, url: str | None) -> float:
    from sqlalchemy import func, select

    from chipcontrols.app_services import Services
    from chipcontrols.settings import Settings
    from chipcontrols.storage.models import RecordRow

    svc = Services(Settings(home=home, database_url=url))
    try:
        with svc.db.read() as s:
            total = s.execute(
                select(func.avg(func.length(RecordRow.input) + func.length(RecordRow.result)))
            ).scalar_one()
        return float(total or 0)
    finally:
        svc.close()


def bench(
    label: str, url: str | None, args: argparse.Namespace, engine: float, server_core: set[int]
) -> None:
    with tempfile.TemporaryDirectory(prefix="cc-bench-") as tmp:
        home = Path(tmp) / "home"
        server = start_server(home, url, server_core, args.workers)
        try:
            offset = 0
            for clients in args.clients:
                run = asyncio.run(load(server, clients, args.seconds, offset))
                offset += run.requests + clients + 1000
                print(
                    f"{label:10} {clients:4d} clients  {run.rate:7.1f} req/s  "
                    f"p50 {run.pct(50):6.1f} ms  p95 {run.pct(95):6.1f} ms  "
                    f"p99 {run.pct(99):6.1f} ms  errors {run.errors}  "
                    f"API/engine {run.rate / engine:.2f}  "
                    f"({run.requests} requests, {run.bytes / max(run.requests, 1) / 1024:.1f} KB "
                    "per answer)",
                    flush=True,
                )
        finally:
            server.proc.terminate()
            server.proc.wait(timeout=30)
        ok, records = verify(home, url)
        size = record_size(home, url)
        print(
            f"{label:10} audit verify: {'ok' if ok else 'FAILED'} over {records} records; "
            f"stored input+result {size / 1024:.1f} KB per record",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0, help="per concurrency level")
    parser.add_argument("--engine-seconds", type=float, default=5.0)
    parser.add_argument("--clients", default="10,50,100")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    args.clients = [int(c) for c in args.clients.split(",")]
    server_core, client_cores = cores()
    if args.workers > 1:
        server_core = set(os.sched_getaffinity(0))
    os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:1])
    engine = engine_rate(args.engine_seconds)
    print(f"engine     in-process  {engine:7.1f} determinations/s on one core", flush=True)
    os.sched_setaffinity(0, client_cores)
    print(
        f"server on core(s) {sorted(server_core)}, {args.workers} worker(s); "
        f"client on core(s) {sorted(client_cores)}",
        flush=True,
    )
    if not args.no_sqlite:
        bench("sqlite", None, args, engine, server_core)
    if args.no_postgres:
        return
    admin = pg_admin_url()
    if admin is None:
        print("postgresql not reachable at 127.0.0.1:5432 (database test): skipped")
        return
    import psycopg

    schema = f"cc_bench_{secrets.token_hex(6)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = admin.replace("postgresql://", "postgresql+psycopg://") + (
        f"?options=-csearch_path%3D{schema}"
    )
    try:
        bench("postgresql", url, args, engine, server_core)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
