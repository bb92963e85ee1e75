"""Issue 18: batches computed on a Dask cluster give the single-machine results, record
every line once, and survive a worker killed mid-run."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from chipcontrols.app_services import Services
from chipcontrols.batch import run_batch
from chipcontrols.storage.models import BatchRowRow, RecordRow
from tests.batch.test_batch import count, lines, read_back, write_csv, write_parquet
from tests.servicekit import make_services

distributed = pytest.importorskip("distributed")

AS_OF = "2024-06-01"


def orders(n: int) -> list[dict[str, Any]]:
    """n distinct lines, then each of the first n/2 again under another line id (the same
    transaction: one answer, one record)."""
    rows = lines(n)
    again = [{**r, "line_id": f"SO-R{i:04d}"} for i, r in enumerate(rows[: n // 2])]
    return rows + again


def outcome(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The result columns a run reports, without the record ids (new in every database)."""
    return [{k: v for k, v in r.items() if k != "record_id"} for r in rows]


@pytest.fixture
def other_svc(tmp_path: Path) -> Iterator[Services]:
    """A second service (its own database) for the same file: the same run id."""
    services = make_services(tmp_path / "home2")
    services.start()
    try:
        yield services
    finally:
        services.close()


def test_dask_gives_the_single_machine_results(
    sqlite_svc: Services, other_svc: Services, tmp_path: Path
) -> None:
    rows = orders(16)
    source = write_parquet(tmp_path / "orders.parquet", rows)
    local = run_batch(sqlite_svc, source, as_of=AS_OF, actor="t", chunk=5)
    remote_out = tmp_path / "dask.results.parquet"
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = run_batch(
            other_svc,
            source,
            output=remote_out,
            as_of=AS_OF,
            actor="t",
            chunk=5,
            dask=client,
            partition=3,
        )
    assert remote["run_id"] == local["run_id"]
    assert (remote["lines"], remote["ok"], remote["transactions"]) == (24, 24, 16)
    assert outcome(read_back(remote_out)) == outcome(read_back(Path(local["output"])))
    # a line and its repeat share one record; every record replays
    result = read_back(remote_out)
    assert [r["record_id"] for r in result[16:]] == [r["record_id"] for r in result[:8]]
    assert count(other_svc, RecordRow) == 16 == count(sqlite_svc, RecordRow)
    assert other_svc.replay(result[3]["record_id"])["matches"]
    assert other_svc.audit_verify()["ok"]
    assert not (tmp_path / f".{remote_out.name}.parts").exists() or not any(
        (tmp_path / f".{remote_out.name}.parts").iterdir()
    )


def test_a_worker_lost_mid_run_loses_no_line_and_repeats_none(
    sqlite_svc: Services, tmp_path: Path
) -> None:
    """One of two workers is closed as soon as the first partition is written: the
    scheduler gives its tasks to the other; a partition both may have written is the same
    file, and the lines are recorded once. (bench/batch_scale.py --kill does the same with
    worker processes and SIGKILL.)"""
    rows = orders(24)
    source = write_csv(tmp_path / "orders.csv", rows)
    work = tmp_path / "work"
    closed: list[str] = []

    def close_after_first_partition(cluster: Any) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if list(work.glob("*/out-*.parquet")):
                name, worker = sorted(cluster.workers.items())[0]
                cluster.sync(worker.close)
                closed.append(name)
                return
            time.sleep(0.005)

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        before = set(client.scheduler_info()["workers"])
        killer = threading.Thread(target=close_after_first_partition, args=(cluster,))
        killer.start()
        summary = run_batch(
            sqlite_svc,
            source,
            as_of=AS_OF,
            actor="t",
            chunk=4,
            dask=client,
            work_dir=work,
            partition=2,
        )
        killer.join()
        assert closed, "no partition was written before the run ended"
        assert len(set(client.scheduler_info()["workers"]) & before) == 1  # one worker lost
    assert (summary["lines"], summary["ok"], summary["errors"]) == (36, 36, 0)
    with sqlite_svc.db.read() as s:
        row_nos = list(s.execute(select(BatchRowRow.row_no)).scalars())
    assert sorted(row_nos) == list(range(36))  # every line once
    assert count(sqlite_svc, RecordRow) == 24  # every transaction once
    result = read_back(Path(summary["output"]))
    assert [int(r["line"]) for r in result] == list(range(1, 37))
    assert sqlite_svc.audit_verify()["ok"]


def test_a_rerun_skips_finished_partitions(
    sqlite_svc: Services, other_svc: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole run dies after the cluster computed some partitions: the next run computes
    only the others and records every line once."""
    from chipcontrols.batch import cluster as cluster_mod
    from chipcontrols.batch import engine

    source = write_csv(tmp_path / "orders.csv", orders(12))
    work = tmp_path / "work"

    class Died(Exception):
        pass

    def die(index: int) -> None:
        if index == 6:
            raise Died

    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        with pytest.raises(Died):
            run_batch(
                sqlite_svc,
                source,
                as_of=AS_OF,
                actor="t",
                chunk=4,
                dask=client,
                work_dir=work,
                partition=3,
                on_line=die,
            )
        finished = sorted(p.name for p in work.glob("*/out-*.parquet"))
        assert finished  # the partitions computed before the run died are kept
        assert count(sqlite_svc, BatchRowRow) == 4
        computed: list[str] = []
        real = engine.run_partition

        def watched(src: str, target: str, spec: Any) -> dict[str, Any]:
            computed.append(Path(target).name)
            return real(src, target, spec)

        monkeypatch.setattr(cluster_mod, "run_partition", watched)
        summary = run_batch(
            sqlite_svc,
            source,
            as_of=AS_OF,
            actor="t",
            chunk=4,
            dask=client,
            work_dir=work,
            partition=3,
        )
    assert not set(computed) & set(finished)
    assert summary["resumed_after"] == 4 and summary["ok"] == 18
    with sqlite_svc.db.read() as s:
        assert sorted(s.execute(select(BatchRowRow.row_no)).scalars()) == list(range(18))
    assert sqlite_svc.audit_verify()["ok"]
    expected = run_batch(
        other_svc, source, output=tmp_path / "local.results.csv", as_of=AS_OF, actor="t"
    )
    assert outcome(read_back(Path(summary["output"]))) == outcome(
        read_back(Path(expected["output"]))
    )
