"""Batch order lines at scale: the single-machine path and the Dask path with 1 and 2 workers
in one run, the results compared on a sample, and the engine's in-process rate beside them.

    .venv/bin/python bench/batch_scale.py [--rows 10000000] [--customers 1000] [--basket 5]
        [--chunk 5000] [--partition 500] [--engine-seconds 10] [--kill] [--keep DIR]

The order lines are generated: catalog products (chips and tools) by their names, customers
with a country and a fixed basket of products (a customer orders the same products again),
some of them Entity List names from the bundled snapshot, exporters from the usual
countries. Every line has its own id and quantity. Each path runs on its own empty
database (SQLite in a temporary home) and records every line as `chipcontrols batch` does.

Prints lines per second for each path (wall time of `run_batch`, worker start-up included),
the distinct transactions computed, the engine's in-process determination rate
(bench/determine_speed.py's `variant` transaction on one core) and the single-machine batch
rate as a share of it, and the number of sample lines whose results differ between paths.
With --kill, a 2-worker run on a slice of the file has one worker process killed (SIGKILL)
after the first partition is written, and the lines and records are counted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

AS_OF = "2025-02-01"
EXPORTERS = ("US", "US", "US", "NL", "JP", "TW", "KR", "DE")
DESTINATIONS = (
    "CN",
    "CN",
    "HK",
    "SG",
    "MY",
    "IN",
    "AE",
    "DE",
    "NL",
    "JP",
    "KR",
    "TW",
    "US",
    "MX",
    "VN",
    "TH",
    "IL",
    "GB",
    "FR",
    "RU",
)
WORDS = (
    "Huaxin",
    "Jinlong",
    "Tianyu",
    "Ruixin",
    "Boyuan",
    "Xinghe",
    "Kunpeng",
    "Lanting",
    "Nordic",
    "Alpine",
    "Pacific",
    "Delta",
    "Vertex",
    "Orion",
    "Summit",
    "Harbor",
)
FORMS = ("Co., Ltd.", "GmbH", "Pte. Ltd.", "Sdn. Bhd.", "LLC", "B.V.", "K.K.", "Ltd.")


def generate(n: int, customers: int, basket: int, seed: int = 18) -> pl.DataFrame:
    from chipcontrols.catalog.catalog import load_catalog
    from chipcontrols.screening.lists.snapshots import bundled_snapshot

    rng = random.Random(seed)
    products = sorted(p.name for p in load_catalog().products)
    listed = [e for e in bundled_snapshot().entries if e.list == "EL" and e.countries]
    people: list[tuple[str, str, list[tuple[str, str]]]] = []
    for c in range(customers):
        if rng.random() < 0.03:  # a listed company as the customer
            entry = rng.choice(listed)
            name, country = entry.name, entry.countries[0]
        else:
            country = rng.choice(DESTINATIONS)
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {c} {rng.choice(FORMS)}"
        items = [(rng.choice(products), rng.choice(EXPORTERS)) for _ in range(basket)]
        people.append((name, country, items))
    who = [rng.randrange(customers) for _ in range(n)]
    pick = [rng.randrange(basket) for _ in range(n)]
    return pl.DataFrame(
        {
            "line_id": [f"SO-{i:09d}" for i in range(n)],
            "product": [people[w][2][k][0] for w, k in zip(who, pick, strict=True)],
            "export_from": [people[w][2][k][1] for w, k in zip(who, pick, strict=True)],
            "destination": [people[w][1] for w in who],
            "end_user": [people[w][0] for w in who],
            "end_user_country": [people[w][1] for w in who],
            "quantity": [rng.randrange(1, 500) for _ in range(n)],
        }
    )


def fresh_services(root: Path, name: str) -> Any:
    from chipcontrols.app_services import Services
    from chipcontrols.settings import Settings

    home = root / name
    shutil.rmtree(home, ignore_errors=True)
    svc = Services(Settings(home=home))
    svc.start()
    return svc


def timed_run(
    svc: Any, source: Path, output: Path, chunk: int, **kw: Any
) -> tuple[dict[str, Any], float]:
    from chipcontrols.batch import run_batch

    start = time.perf_counter()
    summary = run_batch(svc, source, output=output, as_of=AS_OF, actor="bench", chunk=chunk, **kw)
    return summary, time.perf_counter() - start


def engine_rate(seconds: float) -> float:
    """bench/determine_speed.py's measure: distinct `variant` transactions, one core."""
    from chipcontrols.determination import determine
    from determine_speed import variant

    day = dt.date.fromisoformat(AS_OF)
    for i in range(-20, 0):
        determine(variant(i), day)
    pool = [variant(i) for i in range(int(seconds * 4000))]
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds and count < len(pool):
        determine(pool[count], day)
        count += 1
    return count / (time.perf_counter() - start)


def kill_check(root: Path, source: Path, chunk: int, partition: int) -> str:
    from distributed import Client, LocalCluster
    from sqlalchemy import func, select

    from chipcontrols.storage.models import BatchRowRow, RecordRow

    svc = fresh_services(root, "kill")
    work = root / "kill-work"
    killed: list[int] = []
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cl,
        Client(cl) as client,
    ):
        pids = sorted(client.run(os.getpid).values())

        def killer() -> None:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline and not killed:
                if list(work.glob("*/out-*.parquet")):
                    os.kill(pids[0], signal.SIGKILL)
                    killed.append(pids[0])
                time.sleep(0.01)

        thread = threading.Thread(target=killer, daemon=True)
        thread.start()
        summary, _ = timed_run(
            svc,
            source,
            root / "kill.results.parquet",
            chunk,
            dask=client,
            work_dir=work,
            partition=partition,
        )
        thread.join(1)
    with svc.db.read() as s:
        rows = list(s.execute(select(BatchRowRow.row_no)).scalars())
        records = s.execute(select(func.count()).select_from(RecordRow)).scalar_one()
    ok = sorted(rows) == list(range(summary["lines"])) and records == summary["transactions"]
    verified = svc.audit_verify()["ok"]
    svc.close()
    return (
        f"kill check: worker pid {killed[0] if killed else '-'} killed (SIGKILL) mid-run; "
        f"{len(rows):,} line rows for {summary['lines']:,} lines, {len(set(rows)):,} distinct; "
        f"{records:,} records for {summary['transactions']:,} transactions; audit chain "
        f"{'verified' if verified else 'BROKEN'}: "
        f"{'OK' if ok and verified and killed else 'FAILED'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--basket", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--partition", type=int, default=500)
    parser.add_argument("--engine-seconds", type=float, default=10.0)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--kill", action="store_true")
    parser.add_argument("--keep", type=Path, help="work here and keep the files")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="batch-scale-"))
    root.mkdir(parents=True, exist_ok=True)
    os.environ["CHIPCONTROLS_HOME"] = str(root / "home-default")

    from distributed import Client, LocalCluster

    start = time.perf_counter()
    frame = generate(args.rows, args.customers, args.basket)
    source = root / "orders.parquet"
    frame.write_parquet(source)
    print(
        f"generated {args.rows:,} order lines ({args.customers:,} customers x {args.basket} "
        f"products, {frame.select(['product', 'export_from', 'end_user']).n_unique():,} distinct "
        f"transactions) in {time.perf_counter() - start:.1f} s: {source}"
    )
    del frame

    rates: dict[str, float] = {}
    outputs: dict[str, Path] = {}
    svc = fresh_services(root, "single")
    outputs["single machine"] = root / "single.results.parquet"
    summary, took = timed_run(svc, source, outputs["single machine"], args.chunk)
    svc.close()
    rates["single machine"] = args.rows / took
    print(
        f"single machine (in-process, Polars I/O): {args.rows:,} lines in {took:.1f} s = "
        f"{rates['single machine']:,.0f} lines/s ({summary['transactions']:,} transactions "
        f"computed, {summary['ok']:,} ok, {summary['errors']:,} errors)"
    )
    for workers in (1, 2):
        name = f"dask {workers} worker{'s' if workers > 1 else ''}"
        svc = fresh_services(root, f"dask{workers}")
        outputs[name] = root / f"dask{workers}.results.parquet"
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            summary, took = timed_run(
                svc,
                source,
                outputs[name],
                args.chunk,
                dask=client,
                work_dir=root / "work",
                partition=args.partition,
            )
        svc.close()
        rates[name] = args.rows / took
        print(
            f"{name}: {args.rows:,} lines in {took:.1f} s = {rates[name]:,.0f} lines/s "
            f"(worker start-up included)"
        )

    rng = random.Random(1)
    sample = sorted(rng.sample(range(args.rows), min(args.sample, args.rows)))
    columns = [
        "line",
        "status",
        "verdicts",
        "met",
        "undetermined",
        "listed_party_hits",
        "questions",
        "error_code",
        "summary",
    ]

    def sampled(path: Path) -> pl.DataFrame:
        # only the sampled rows are read (a whole 10-million-line results file is gigabytes)
        return (
            pl.scan_parquet(path)
            .select(columns)
            .with_row_index("_row")
            .filter(pl.col("_row").is_in(sample))
            .drop("_row")
            .collect()
        )

    base = sampled(outputs["single machine"])
    for name, path in outputs.items():
        other = sampled(path)
        differ = sum(1 for a, b in zip(base.rows(), other.rows(), strict=True) if a != b)
        print(f"sample of {len(sample):,} lines, {name} vs single machine: {differ} differ")

    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    engine = engine_rate(args.engine_seconds)
    print(
        f"engine in-process (determine_speed variant, one core): {engine:,.0f} determinations/s; "
        f"single-machine batch = {rates['single machine'] / engine:.2f} x the engine's rate "
        f"(bar: >= 0.5)"
    )
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    if args.kill:
        print(kill_check(root, source, args.chunk, args.partition))
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
