"""`chipcontrols batch`: order lines checked one by one through the service, committed in
chunks, resumable.

A run is named by the hash of the file and its options. Each chunk of lines is one
database transaction holding the lines' records, their audit entries and the run's
per-line results; an interrupted run loses at most the chunk in flight, which leaves
no trace, and the next start with the same file carries on from the first line not
committed. The results file is written from the database, in line order, at the end,
and replaced atomically.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from chipcontrols.app_services import Services, parse_as_of
from chipcontrols.batch.io import file_format, read_rows, write_rows
from chipcontrols.errors import ChipControlsError, InputError
from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook
from chipcontrols.storage import audit
from chipcontrols.storage.canonical import canonical, now, sha256_text
from chipcontrols.storage.models import BatchRowRow, BatchRunRow

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
ITEM_COLUMNS = ("product", "kind")
LINE_COLUMNS = (
    "line_id",
    "product",
    "kind",
    "name",
    "export_from",
    "destination",
    "made_in",
    "us_content_pct",
    "end_user",
    "end_user_country",
    "end_use",
    "as_of",
)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def _param_value(value: Any, kind: str) -> Any:
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        return text
    if kind == "set":
        return [p.strip() for p in str(value).split(";") if p.strip()]
    if kind == "number" and isinstance(value, str):
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            return value  # a quantity with its unit; the item parser checks it
    return value


def transaction_of(row: dict[str, Any], rulebook: Rulebook) -> dict[str, Any]:
    """The transaction an order line describes."""
    product = _text(row.get("product"))
    if product:
        item: dict[str, Any] = {"product": product}
    elif _text(row.get("kind")):
        item = {"kind": _text(row.get("kind"))}
        if _text(row.get("name")):
            item["name"] = _text(row.get("name"))
        for column, value in row.items():
            if column in LINE_COLUMNS:  # the line's own columns, not the item's parameters
                continue
            param = rulebook.parameters.get(column)
            if param is None or value is None or (param.derived and column != "tpp"):
                continue
            item[column] = _param_value(value, param.type)
    else:
        raise InputError("the line names no product and no kind", loc="product")
    line: dict[str, Any] = {"item": item}
    if _text(row.get("made_in")):
        line["made_in"] = _text(row.get("made_in"))
    if row.get("us_content_pct") is not None:
        line["us_content_pct"] = _param_value(row["us_content_pct"], "number")
    txn: dict[str, Any] = {
        "kind": "transaction",
        "export_from": _text(row.get("export_from")),
        "destination": _text(row.get("destination")),
        "items": [line],
        "parties": [],
        "end_uses": [u.strip() for u in (_text(row.get("end_use")) or "").split(";") if u.strip()],
    }
    for key in ("export_from", "destination"):
        if not txn[key]:
            raise InputError(f"{key} is empty", loc=key)
    if _text(row.get("end_user")):
        txn["parties"].append(
            {
                "role": "end_user",
                "name": _text(row.get("end_user")),
                "country": _text(row.get("end_user_country")) or txn["destination"],
            }
        )
    return txn


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
) -> dict[str, Any]:
    """Check every order line of `path`; returns the summary (also written beside the output).

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
    operation = svc.check_kind()
    options = {"as_of": as_of, "operation": operation}
    run_id = run_id_of(path, options)
    size = chunk or svc.settings.batch_chunk
    rulebook = load_rulebook()

    day = _start_run(svc, run_id, path, operation, options, as_of, len(rows))
    done_lines = _done_lines(svc, run_id)
    resumed = len(done_lines)
    pending = [i for i in range(len(rows)) if i not in done_lines]
    if on_progress:
        on_progress(resumed, len(rows))
    conflicts = 0
    while pending:
        block, rest = pending[:size], pending[size:]
        try:
            with svc.db.write() as session:
                added: list[BatchRowRow] = []
                for index in block:
                    out = _check_line(
                        svc, session, rows[index], index, rulebook, day, operation, actor
                    )
                    text = canonical(out)
                    added.append(
                        BatchRowRow(
                            run_id=run_id,
                            row_no=index,
                            status=out["status"],
                            record_id=out.get("record_id"),
                            output=text,
                        )
                    )
                    session.add(added[-1])
                    session.flush()  # a line another run committed first fails here
                    if on_line:
                        on_line(index)
                audit.append(
                    session,
                    actor=actor,
                    action="batch.lines",
                    subject=run_id,
                    payload={"lines": {str(r.row_no): sha256_text(r.output) for r in added}},
                )
        except IntegrityError:
            # Another run of the same file (and options) committed some of these lines
            # first: its results stand, this chunk left no trace; carry on with the rest.
            conflicts += 1
            if conflicts > len(rows) + 10:
                raise InputError(
                    "another batch run of this file keeps committing the same lines; "
                    "wait for it to finish",
                    loc=str(path),
                ) from None
            done_lines = _done_lines(svc, run_id)
            pending = [i for i in pending if i not in done_lines]
            continue
        pending = rest
        if on_progress:
            on_progress(len(rows) - len(pending), len(rows))

    with svc.db.write() as session:
        stored = session.execute(
            select(BatchRowRow).where(BatchRowRow.run_id == run_id).order_by(BatchRowRow.row_no)
        ).scalars()
        results = {r.row_no: json.loads(r.output) for r in stored}
        run = session.get(BatchRunRow, run_id)
        assert run is not None
        run.status = "done"
        run.finished_at = run.finished_at or now()
    if len(results) != len(rows):
        raise InputError(
            f"{len(rows) - len(results)} line(s) have no result; run the batch again", loc=str(path)
        )
    # the input columns first, as given (renamed where they share a result column's name)
    rename = {c: f"{c} (input)" if c in RESULT_COLUMNS else c for c in columns}
    out_columns = [*rename.values(), *RESULT_COLUMNS]
    merged = [
        {**{rename[k]: v for k, v in rows[i].items()}, **results[i]} for i in range(len(rows))
    ]
    write_rows(output, out_columns, merged)
    summary = _summary(run_id, path, output, operation, day, merged, resumed)
    summary_path = output.with_name(output.name + ".summary.json")
    summary["summary_file"] = str(summary_path)
    tmp = summary_path.with_name(f".{summary_path.name}.tmp")
    tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
    tmp.replace(summary_path)
    return summary


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


def _check_line(
    svc: Services,
    session: Any,
    row: dict[str, Any],
    index: int,
    rulebook: Rulebook,
    day: str,
    operation: str,
    actor: str,
) -> dict[str, Any]:
    """One order line checked inside the chunk's transaction (in a savepoint, so that a
    bad line leaves no trace but its error): its result columns."""
    out: dict[str, Any] = {"line": index + 1, "status": "ok"}
    try:
        line_day = _text(row.get("as_of")) or day
        txn = transaction_of(row, rulebook)
        with session.begin_nested():
            record = svc.run_in(
                session, operation, {"transaction": txn}, as_of=line_day, actor=actor
            )
        out.update(outcome_columns(record))
    except ChipControlsError as exc:
        out.update(
            status="error",
            error_code=exc.code,
            error_message=(f"{exc.loc}: " if exc.loc else "") + exc.message[:2000],
        )
    except (IntegrityError, OperationalError):
        raise  # another run's line, or the database went away: not this line's fault
    except Exception as exc:  # a cell no check foresaw: this line fails, the rest go on
        log.exception("batch line %d failed", index + 1)
        out.update(
            status="error",
            error_code="invalid_input",
            error_message=f"this line could not be checked ({type(exc).__name__})",
        )
    return out


def _summary(
    run_id: str,
    path: Path,
    output: Path,
    operation: str,
    day: str,
    rows: list[dict[str, Any]],
    resumed: int,
) -> dict[str, Any]:
    status = Counter(r["status"] for r in rows)
    verdicts: Counter[str] = Counter()
    for r in rows:
        for part in (r.get("verdicts") or "").split("; "):
            if part:
                verdicts[part] += 1
    return {
        "run_id": run_id,
        "file": str(path),
        "output": str(output),
        "operation": operation,
        "as_of": day,
        "lines": len(rows),
        "ok": status.get("ok", 0),
        "errors": status.get("error", 0),
        "resumed_after": resumed,
        "lines_with_met_entries": sum(1 for r in rows if r.get("met")),
        "lines_with_undetermined_entries": sum(1 for r in rows if r.get("undetermined")),
        "lines_with_listed_party_hits": sum(1 for r in rows if r.get("listed_party_hits")),
        "lines_with_questions": sum(1 for r in rows if r.get("questions")),
        "verdicts": dict(sorted(verdicts.items())),
        "error_lines": [r["line"] for r in rows if r["status"] == "error"][:100],
    }
