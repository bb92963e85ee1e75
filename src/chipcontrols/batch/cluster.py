"""The distinct transactions of a batch computed on a Dask cluster, over Parquet partitions.

The recording process writes the transactions to compute as Parquet partitions in a work
directory (`in-NNNNN.parquet`: the transaction's number and its line as JSON) and submits
one task a partition (`engine.run_partition`), which writes `out-NNNNN.parquet` under a
temporary name and renames it. A partition whose output exists is not submitted again, so
a run that died carries on from the partitions it finished; a task whose worker died is
run again by the scheduler, and its output is the same whoever writes it. The work
directory must be readable and writable by the workers and the recording process (a shared
file system on a real cluster); the recording process reads the outputs in line order and
records the answers itself, so the audit chain stays linear.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chipcontrols.batch.engine import EngineSpec, canonical, run_partition
from chipcontrols.errors import InputError

if TYPE_CHECKING:
    from distributed import Client, Future

log = logging.getLogger("chipcontrols.batch")

DEFAULT_PARTITION = 2000  # distinct transactions a task
LOADED = 4  # partition outputs kept in memory


@contextmanager
def client_for(target: Any) -> Iterator[Client]:
    """A Dask client: `target` is a Client (used as is), 'local:N' (a LocalCluster of N
    worker processes on this machine, closed afterwards) or a scheduler address
    ('tcp://host:8786')."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - a dependency; a broken install
        raise InputError(
            "Dask is not installed: pip install 'dask[distributed]'", loc="--dask"
        ) from None
    if isinstance(target, Client):
        yield target
        return
    text = str(target).strip()
    if text.startswith("local:") or text == "local":
        raw = text.partition(":")[2] or "0"
        if not raw.isdigit() or int(raw) > 512:
            raise InputError("write --dask local:N with N a number of workers", loc="--dask")
        workers = int(raw) or None
        with (
            LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers,
                threads_per_worker=1,  # the engine is pure Python: one thread a process
                processes=True,
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,  # type: ignore[no-untyped-call]
        ):
            yield client
        return
    try:
        client = Client(text, timeout="30s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"cannot reach the Dask scheduler: {exc}", loc="--dask") from None
    with client:
        yield client


class DaskOutcomes:
    """Outcomes of numbered transactions, computed on the cluster, read in any order."""

    def __init__(
        self,
        client: Client,
        spec: EngineSpec,
        rows: dict[int, dict[str, Any]],
        work: Path,
        partition: int = DEFAULT_PARTITION,
    ) -> None:
        """`rows`: the first line of each transaction still to record, by number."""
        self.client, self.spec, self.partition = client, spec, partition
        self.work = work
        work.mkdir(parents=True, exist_ok=True)
        for stale in work.glob(".*.tmp"):  # a writer that died before its rename
            stale.unlink(missing_ok=True)
        self.futures: dict[int, Future[Any]] = {}
        self.loaded: OrderedDict[int, dict[int, dict[str, Any]]] = OrderedDict()
        parts: dict[int, list[int]] = {}
        for tx in sorted(rows):
            parts.setdefault(tx // partition, []).append(tx)
        self.computed = 0
        for p, txs in parts.items():
            out = self._out(p)
            if out.exists():
                continue  # finished by an earlier run
            source = work / f"in-{p:05d}.parquet"
            _write_input(source, [(tx, rows[tx]) for tx in txs])
            self.computed += len(txs)
            self.futures[p] = client.submit(
                run_partition,
                str(source),
                str(out),
                spec,
                key=f"chipcontrols-batch-{spec.fingerprint}-{work.name}-{p:05d}",
                retries=2,
            )

    def _out(self, p: int) -> Path:
        return self.work / f"out-{p:05d}.parquet"

    def get(self, txs: list[int]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for tx in txs:
            p = tx // self.partition
            part = self.loaded.get(p)
            if part is None:
                part = self._load(p)
            else:
                self.loaded.move_to_end(p)
            found = part.get(tx)
            if found is None:
                raise InputError(
                    f"partition {p} has no result for transaction {tx}; delete {self.work} "
                    "and run the batch again",
                    loc=str(self.work),
                )
            out[tx] = found
        return out

    def _load(self, p: int) -> dict[int, dict[str, Any]]:
        import polars as pl

        future = self.futures.get(p)
        if future is not None:
            future.result()  # raises the task's error; waits while the scheduler reruns it
        frame = pl.read_parquet(self._out(p))
        part = {
            int(tx): json.loads(text)
            for tx, text in zip(frame["tx"].to_list(), frame["done"].to_list(), strict=True)
        }
        self.loaded[p] = part
        while len(self.loaded) > LOADED:
            self.loaded.popitem(last=False)
        return part

    def cancel(self) -> None:
        if self.futures:
            self.client.cancel(list(self.futures.values()))  # type: ignore[no-untyped-call]


def _write_input(path: Path, rows: list[tuple[int, dict[str, Any]]]) -> None:
    import polars as pl

    if path.exists():
        return
    frame = pl.DataFrame(
        {"tx": [tx for tx, _ in rows], "row": [canonical(r) for _, r in rows]},
        schema={"tx": pl.Int64, "row": pl.String},
    )
    tmp = path.with_name(f".{path.name}.tmp")
    frame.write_parquet(tmp)
    tmp.replace(path)
