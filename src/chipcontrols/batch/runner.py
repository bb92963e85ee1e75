"""`chipcontrols batch`: order lines checked through the service's engine, recorded in
chunks, resumable; on one machine or with the computing spread over a Dask cluster.

A run is named by the hash of the file and its options. Lines that describe the same
transaction (equal in every column the transaction is built from) are computed once and
share one record. Each chunk of lines is one database transaction holding the records of
its new transactions, their audit entries and the run's per-line results; an interrupted
run loses at most the chunk in flight, which leaves no trace, and the next start with the
same file carries on from the first line not committed. The results file is written from
the database, in line order, at the end, and replaced atomically.

Answers are computed from an `EngineSpec` read at the start (list snapshots, judgements,
letters), in this process or on Dask workers (`batch.cluster`), and always recorded here,
in line order, so the audit chain stays linear. A judgement or letter recorded during the
run is seen at the next chunk: what is not recorded yet is computed again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from chipcontrols.app_services import Services, parse_as_of
from chipcontrols.app_services.letters import letters_for
from chipcontrols.batch.engine import (
    ITEM_COLUMNS,
    LINE_COLUMNS,
    EngineSpec,
    engine_for,
    key_columns,
    outcome_of,
    transaction_of,
)
from chipcontrols.batch.io import file_format, read_rows, write_rows
from chipcontrols.errors import InputError
from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook
from chipcontrols.screening.judgements import SeenHit, WatchedParty
from chipcontrols.screening.rescreen import store_for
from chipcontrols.storage import audit
from chipcontrols.storage.canonical import canonical, now, sha256_text
from chipcontrols.storage.models import BatchRowRow, BatchRunRow

__all__ = ["ITEM_COLUMNS", "LINE_COLUMNS", "run_batch", "transaction_of"]

log = logging.getLogger("chipcontrols.batch")

RESULT_COLUMNS = (
    "line",
    "status",
    "record_id",
    "record_kind",
    "summary",
    "verdicts",
    "met",
    "undetermined",
    "listed_party_hits",
    "questions",
    "error_code",
    "error_message",
)


def outcome_columns(record: dict[str, Any]) -> dict[str, Any]:
    result = record["result"]
    out: dict[str, Any] = {
        "record_id": record["id"],
        "record_kind": record["kind"],
        "summary": record["summary"],
    }
    verdicts = result.get("verdicts")
    if isinstance(verdicts, list):
        out["verdicts"] = "; ".join(
            f"{v.get('jurisdiction')}: {v.get('verdict')}" for v in verdicts if isinstance(v, dict)
        )
        questions = [q for v in verdicts if isinstance(v, dict) for q in v.get("questions") or []]
    else:
        questions = list(result.get("questions") or [])
    classifications = result.get("items") or []
    out["met"] = "; ".join(
        sorted(
            {
                f"{e['jurisdiction']} {e['entry']}"
                for c in classifications
                for e in c.get("entries", [])
                if e.get("status") == "met"
            }
        )
    )
    out["undetermined"] = "; ".join(
        sorted(
            {
                f"{e['jurisdiction']} {e['entry']}"
                for c in classifications
                for e in c.get("entries", [])
                if e.get("status") == "undetermined"
            }
        )
    )
    screening = result.get("screening") or {}
    out["listed_party_hits"] = "; ".join(
        f"{r['query']} ~ {h['name']} ({h['list']} {h['score']})"
        for r in screening.get("results", [])
        for h in r.get("hits", [])
        if h.get("match")
    )
    out["questions"] = "; ".join(
        str(q.get("param") or q.get("id") or q.get("text"))
        for q in questions
        if isinstance(q, dict)
    )
    return out


def run_id_of(path: Path, options: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    file_hash = digest.hexdigest()
    return "bat-" + hashlib.sha256(f"{file_hash}|{canonical(options)}".encode()).hexdigest()[:16]


def default_output(path: Path) -> Path:
    return path.with_name(f"{path.stem}.results{path.suffix}")


def run_batch(
    svc: Services,
    path: Path,
    *,
    output: Path | None = None,
    as_of: str | None = None,
    actor: str,
    chunk: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    on_line: Callable[[int], None] | None = None,
    dask: Any = None,
    work_dir: Path | None = None,
    partition: int | None = None,
) -> dict[str, Any]:
    """Check every order line of `path`; returns the summary (also written beside the output).

    With `dask` (a `distributed.Client`, 'local:N' or a scheduler address) the distinct
    transactions are computed on that cluster over Parquet partitions of `partition`
    transactions in `work_dir` (default: beside the output); the answers are recorded here,
    in line order, as without it.

    `on_progress(done, total)` is called after each committed chunk; `on_line(n)` inside a
    chunk, before it commits (an exception there abandons the chunk, as a crash would)."""
    output = output or default_output(path)
    file_format(output, loc="--output")
    columns, rows = read_rows(path)
    missing = [c for c in ("export_from", "destination") if c not in columns]
    if missing or not any(c in columns for c in ITEM_COLUMNS):
        need = missing or ["product or kind"]
        raise InputError(
            f"the file needs the column(s) {', '.join(need)}; see docs/service.md",
            loc=str(path),
        )
    if as_of is not None:
        parse_as_of(as_of, loc="--as-of")
    if partition is not None and partition < 1:
        raise InputError("a partition holds at least one transaction", loc="--partition")
    operation = svc.check_kind()
    options = {"as_of": as_of, "operation": operation}
    run_id = run_id_of(path, options)
    size = chunk or svc.settings.batch_chunk
    rulebook = load_rulebook()

    day = _start_run(svc, run_id, path, operation, options, as_of, len(rows))
    done_lines = _done_lines(svc, run_id)
    resumed = len(done_lines)
    pending = array("q", (i for i in range(len(rows)) if i not in done_lines))
    del done_lines
    # Lines equal in every column the transaction is built from are one transaction,
    # numbered in the order of their first line in the file (the same on every run).
    keys = key_columns(columns, rulebook)
    numbers_of: dict[Any, int] = {}
    try:
        tx_of = array("q", (numbers_of.setdefault(k, len(numbers_of)) for k in rows.keys(keys)))
    except TypeError:  # a cell holds a list (a Parquet list column): keys as JSON text
        numbers_of.clear()
        tx_of = array(
            "q",
            (
                numbers_of.setdefault(
                    canonical([[type(v).__name__, v] for v in k[: len(keys)]]), len(numbers_of)
                )
                for k in rows.keys(keys)
            ),
        )
    spec = _spec(svc, operation, day, rulebook, actor)
    remote = None
    with ExitStack() as stack:
        source: _Source = _LocalOutcomes(spec, rows, tx_of)
        if dask is not None and pending:
            from chipcontrols.batch.cluster import DEFAULT_PARTITION, DaskOutcomes, client_for

            client = stack.enter_context(client_for(dask))
            first: dict[int, dict[str, Any]] = {}
            for i in pending:
                first.setdefault(tx_of[i], rows[i])
            work = (work_dir or output.with_name(f".{output.name}.parts")) / (
                f"{run_id}-{spec.fingerprint}"
            )
            remote = DaskOutcomes(client, spec, first, work, partition or DEFAULT_PARTITION)
            stack.callback(remote.cancel)
            source = remote
        if on_progress:
            on_progress(resumed, len(rows))
        _record_lines(
            svc, run_id, rows, tx_of, pending, source, size, actor, rulebook, on_progress, on_line
        )
    if remote is not None:
        shutil.rmtree(remote.work, ignore_errors=True)  # every answer is recorded

    with svc.db.write() as session:
        count = session.execute(
            select(func.count()).select_from(BatchRowRow).where(BatchRowRow.run_id == run_id)
        ).scalar_one()
        run = session.get(BatchRunRow, run_id)
        assert run is not None
        run.status = "done"
        run.finished_at = run.finished_at or now()
    if count != len(rows):
        raise InputError(
            f"{len(rows) - count} line(s) have no result; run the batch again", loc=str(path)
        )
    # the input columns first, as given (renamed where they share a result column's name)
    rename = {c: f"{c} (input)" if c in RESULT_COLUMNS else c for c in columns}
    out_columns = [*rename.values(), *RESULT_COLUMNS]
    tally = _Tally()
    merged = (
        tally.add({**{rename[k]: v for k, v in rows[i].items()}, **result})
        for i, result in _results_in_order(svc, run_id)
    )
    write_rows(output, out_columns, merged)
    summary = _summary(run_id, path, output, operation, day, tally, resumed)
    summary["transactions"] = len(numbers_of)
    summary_path = output.with_name(output.name + ".summary.json")
    summary["summary_file"] = str(summary_path)
    tmp = summary_path.with_name(f".{summary_path.name}.tmp")
    tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
    tmp.replace(summary_path)
    return summary


class _Source(Protocol):
    spec: EngineSpec

    def get(self, txs: list[int]) -> dict[int, dict[str, Any]]: ...


class _Stale(Exception):
    """A judgement or a letter was recorded after the run read them."""


def _record_lines(
    svc: Services,
    run_id: str,
    rows: Sequence[dict[str, Any]],
    tx_of: Sequence[int],
    pending: Sequence[int],
    source: _Source,
    size: int,
    actor: str,
    rulebook: Rulebook,
    on_progress: Callable[[int, int], None] | None,
    on_line: Callable[[int], None] | None,
) -> None:
    """Record the pending lines, a chunk a transaction: each distinct transaction's answer
    once (its record and audit entry), each line's result row, one audit entry for the
    chunk's lines."""
    op = svc.operation(source.spec.operation)
    recorded: dict[int, dict[str, Any]] = {}  # transaction -> its lines' result columns
    templates: dict[int, tuple[dict[str, Any], tuple[str, str] | None]] = {}  # _line_output
    conflicts = 0
    start = 0
    while start < len(pending):
        block = pending[start : start + size]
        needed = sorted({tx_of[i] for i in block} - recorded.keys())
        computed = source.get(needed)
        new: dict[int, dict[str, Any]] = {}
        stored: list[str] = []
        try:
            with svc.db.write() as session:
                audit.lock_head(session)
                if audit.inputs_changed_since(session, source.spec.audit_seq):
                    raise _Stale
                lines: list[dict[str, Any]] = []
                for index in block:
                    tx = tx_of[index]
                    columns = recorded.get(tx) or new.get(tx)
                    if columns is None:
                        columns = new[tx] = _record(
                            svc, session, op, computed[tx], actor, rulebook, stored
                        )
                    lines.append(
                        {
                            "run_id": run_id,
                            "row_no": index,
                            "status": columns["status"],
                            "record_id": columns.get("record_id"),
                            "output": _line_output(columns, index + 1, templates),
                        }
                    )
                    if on_line:
                        on_line(index)
                # one statement for the chunk; a line another run committed first fails it
                session.execute(insert(BatchRowRow), lines)
                audit.append(
                    session,
                    actor=actor,
                    action="batch.lines",
                    subject=run_id,
                    payload={"lines": {str(r["row_no"]): sha256_text(r["output"]) for r in lines}},
                )
        except IntegrityError:
            # Another run of the same file (and options) committed some of these lines
            # first: its results stand, this chunk left no trace; carry on with the rest.
            conflicts += 1
            if conflicts > len(rows) + 10:
                raise InputError(
                    "another batch run of this file keeps committing the same lines; "
                    "wait for it to finish",
                    loc=str(run_id),
                ) from None
            done_lines = _done_lines(svc, run_id)
            pending = array("q", (i for i in pending[start:] if i not in done_lines))
            start = 0
            continue
        except _Stale:
            # computed without a judgement or letter recorded meanwhile: read them again and
            # compute what is not recorded yet here (the records made so far stand: each
            # was made under the judgements and letters logged before it)
            log.warning("judgements or letters changed during the batch; computing again")
            spec = _spec(svc, source.spec.operation, source.spec.day, rulebook, actor)
            source = _LocalOutcomes(spec, rows, tx_of)
            continue
        recorded.update(new)
        svc._archived.update(stored)  # committed: the service need not look them up again
        start += len(block)
        if on_progress:
            on_progress(len(rows) - (len(pending) - start), len(rows))


def _line_output(
    columns: dict[str, Any],
    line: int,
    templates: dict[int, tuple[dict[str, Any], tuple[str, str] | None]],
) -> str:
    """canonical({"line": line, **columns}): the lines of one transaction differ only in
    their number, so the text around it is made once per transaction (and checked). Each
    template holds its columns, so that an id is never taken for another's."""
    kept = templates.get(id(columns))
    if kept is None or kept[0] is not columns:
        template = None
        if "line" not in columns:
            parts = canonical({"line": 0, **columns}).split('"line":0', 1)
            if len(parts) == 2:
                template = (parts[0] + '"line":', parts[1])
                if template[0] + "17" + template[1] != canonical({"line": 17, **columns}):
                    template = None
        kept = templates[id(columns)] = (columns, template)
    template = kept[1]
    if template is None:
        return canonical({"line": line, **columns})
    return f"{template[0]}{line}{template[1]}"


def _record(
    svc: Services,
    session: Any,
    op: Any,
    done: dict[str, Any],
    actor: str,
    rulebook: Rulebook,
    stored: list[str],
) -> dict[str, Any]:
    """Record one computed transaction (its answer, as `Services.run_in` stores it, and the
    screening's writes); the result columns of its lines."""
    if done["status"] != "ok":
        return {k: done[k] for k in ("status", "error_code", "error_message")}
    row = svc._store(session, op, done["payload"], outcome_of(done), actor, rulebook, stored)
    writes = done["writes"]
    if writes["watch"] or writes["seen"]:
        repo = svc.screening(session, actor).repo
        rescreen = store_for(repo)
        for party in writes["watch"]:
            repo.watch(WatchedParty(**party))
        repo.record_seen([SeenHit(**h) for h in writes["seen"]])
        if rescreen is not None:  # its seen hits changed: the next re-screening is in full
            rescreen.forget([party["key"] for party in writes["watch"]])
    result = done["outcome"]["result"]
    record = {"id": row.id, "kind": row.kind, "summary": row.summary, "result": result}
    return {"status": "ok", **outcome_columns(record)}


def _spec(svc: Services, operation: str, day: str, rulebook: Rulebook, actor: str) -> EngineSpec:
    """What the run's answers rest on besides their lines, read in one transaction."""
    with svc.db.read() as session:
        seq = audit.head_seq(session)
        judgements = tuple(svc.screening(session, actor).repo.history())
        letters = tuple(letters_for(session))
    snapshots = tuple(s.id for s in svc.snapshots.active())
    return EngineSpec(
        operation=operation,
        day=day,
        home=str(svc.settings.home),
        snapshots=snapshots,
        rulebook_version=rulebook.version,
        judgements=judgements,
        letters=letters,
        audit_seq=seq,
    ).with_fingerprint()


class _LocalOutcomes:
    """Outcomes computed in this process, on demand."""

    def __init__(
        self, spec: EngineSpec, rows: Sequence[dict[str, Any]], tx_of: Sequence[int]
    ) -> None:
        self.spec = spec
        self.first: dict[int, int] = {}
        for i, tx in enumerate(tx_of):
            self.first.setdefault(tx, i)
        self.rows = rows

    def get(self, txs: list[int]) -> dict[int, dict[str, Any]]:
        engine = engine_for(self.spec)
        out = {}
        for tx in txs:
            # as a worker's result reads back: plain JSON values
            done = engine.outcome(self.rows[self.first[tx]], make_txn=transaction_of)
            out[tx] = json.loads(canonical(done))
        return out


def _start_run(
    svc: Services,
    run_id: str,
    path: Path,
    operation: str,
    options: dict[str, Any],
    as_of: str | None,
    total: int,
) -> str:
    """Create the run (once; a concurrent run of the same file may create it first) and
    return the day its lines are checked as of."""
    for _attempt in range(3):
        try:
            with svc.db.write() as session:
                run = session.get(BatchRunRow, run_id)
                if run is None:
                    run = BatchRunRow(
                        id=run_id,
                        file_name=path.name,
                        file_sha256=run_id,
                        operation=operation,
                        options=canonical(
                            {**options, "as_of_used": as_of or dt.date.today().isoformat()}
                        ),
                        total_rows=total,
                        status="running",
                        created_at=now(),
                        finished_at=None,
                    )
                    session.add(run)
                    session.flush()
                    audit.append(
                        session,
                        actor=SYSTEM_ACTOR,
                        action="batch.start",
                        subject=run_id,
                        payload={"sha256": audit.batch_run_hash(run)},
                    )
                return str(json.loads(run.options)["as_of_used"])
        except IntegrityError:
            continue
    raise InputError("cannot start the batch run; try again", loc=str(path))


SYSTEM_ACTOR = "batch"


def _done_lines(svc: Services, run_id: str) -> set[int]:
    with svc.db.read() as session:
        return set(
            session.execute(
                select(BatchRowRow.row_no).where(BatchRowRow.run_id == run_id)
            ).scalars()
        )


class _Tally:
    """The summary's counts, kept as the results file is written (line by line)."""

    def __init__(self) -> None:
        self.lines = 0
        self.status: Counter[str] = Counter()
        self.verdicts: Counter[str] = Counter()
        self.met = self.undetermined = self.hits = self.questions = 0
        self.error_lines: list[int] = []

    def add(self, row: dict[str, Any]) -> dict[str, Any]:
        self.lines += 1
        self.status[row["status"]] += 1
        for part in (row.get("verdicts") or "").split("; "):
            if part:
                self.verdicts[part] += 1
        self.met += bool(row.get("met"))
        self.undetermined += bool(row.get("undetermined"))
        self.hits += bool(row.get("listed_party_hits"))
        self.questions += bool(row.get("questions"))
        if row["status"] == "error" and len(self.error_lines) < 100:
            self.error_lines.append(row["line"])
        return row


def _results_in_order(svc: Services, run_id: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each line's stored result, in line order, a page at a time."""
    after = -1
    while True:
        with svc.db.read() as session:
            page = session.execute(
                select(BatchRowRow.row_no, BatchRowRow.output)
                .where(BatchRowRow.run_id == run_id, BatchRowRow.row_no > after)
                .order_by(BatchRowRow.row_no)
                .limit(_PAGE)
            ).all()
        for no, text in page:
            yield no, json.loads(text)
        if len(page) < _PAGE:
            return
        after = page[-1][0]


_PAGE = 50_000


def _summary(
    run_id: str,
    path: Path,
    output: Path,
    operation: str,
    day: str,
    tally: _Tally,
    resumed: int,
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "file": str(path),
        "output": str(output),
        "operation": operation,
        "as_of": day,
        "lines": tally.lines,
        "ok": tally.status.get("ok", 0),
        "errors": tally.status.get("error", 0),
        "resumed_after": resumed,
        "lines_with_met_entries": tally.met,
        "lines_with_undetermined_entries": tally.undetermined,
        "lines_with_listed_party_hits": tally.hits,
        "lines_with_questions": tally.questions,
        "verdicts": dict(sorted(tally.verdicts.items())),
        "error_lines": tally.error_lines,
    }
