"""What the web workspace needs beyond the shared documents: the coalition timeline and a
matrix restricted to some capabilities, computed off the request thread (a timeline over
every capability evaluates the matrix on each day the law changed and takes minutes), their
charts as SVG, and the capabilities a page offers.

The analyses run one at a time on one worker thread with one `Analyst` per rulebook
version: the analyst caches each product's outcome per law epoch, so a second timeline or a
matrix on a date already seen is quick, and the caches are never touched by two threads."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from chipcontrols.errors import ChipControlsError, InputError
from chipcontrols.rulebook.rulebook import load_rulebook

T = TypeVar("T")
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chipcontrols-analysis")
_LOCK = threading.Lock()
_ANALYSTS: dict[str, Any] = {}
_JOBS: dict[tuple[Any, ...], Future[Any]] = {}
_CHARTS: dict[tuple[Any, ...], bytes] = {}
_MAX_KEPT = 24


def _analyst() -> Any:
    """The shared analyst of the bundled rulebook (called on the worker thread only)."""
    from chipcontrols.scenario.coalition import Analyst

    version = load_rulebook().version
    found = _ANALYSTS.get(version)
    if found is None:
        _ANALYSTS.clear()
        found = _ANALYSTS[version] = Analyst(None)
    return found


def _submit(key: tuple[Any, ...], work: Callable[[], T]) -> Future[T]:
    with _LOCK:
        job = _JOBS.get(key)
        if job is not None:
            return job
        if len(_JOBS) >= _MAX_KEPT:
            for old in [k for k, f in _JOBS.items() if f.done()][: _MAX_KEPT // 2]:
                _JOBS.pop(old, None)
                _CHARTS.pop(old, None)
        job = _WORKER.submit(work)
        _JOBS[key] = job
        return job


def _result(key: tuple[Any, ...], job: Future[T], wait: float) -> T:
    """The job's result; a failed job is forgotten (asked again, it runs again)."""
    try:
        return job.result(timeout=wait)
    except TimeoutError:
        raise
    except BaseException:
        with _LOCK:
            if _JOBS.get(key) is job:
                _JOBS.pop(key, None)
        raise


def _plain(doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(doc, default=str))
    return out


# ------------------------------------------------------------------ what a page offers


def capabilities() -> list[dict[str, str]]:
    """The capabilities (classes of chips, tools and materials) in display order."""
    from chipcontrols.scenario.capabilities import load_capabilities

    return [
        {"id": c.id, "name": c.name, "group": c.group, "description": c.description}
        for c in load_capabilities().capabilities
    ]


def suppliers() -> list[dict[str, str]]:
    from chipcontrols.scenario.matrix import SUPPLIERS

    return [{"code": s.code, "name": s.name} for s in SUPPLIERS.values()]


# ------------------------------------------------------------------ requests


@dataclass(frozen=True)
class AnalysisRequest:
    """A checked request for a timeline (start..end) or a matrix (on `end`)."""

    destination: str
    start: dt.date
    end: dt.date
    step: str
    suppliers: tuple[str, ...]
    capabilities: tuple[str, ...]

    def key(self, what: str) -> tuple[Any, ...]:
        return (
            what,
            load_rulebook().version,
            self.destination,
            self.start,
            self.end,
            self.step,
            self.suppliers,
            self.capabilities,
        )


def analysis_request(
    destination: str,
    *,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    step: str | None = None,
    supplier_codes: str | Sequence[str] | None = None,
    capability_ids: Sequence[str] = (),
) -> AnalysisRequest:
    """Every field checked (an InputError names the one that is wrong)."""
    from chipcontrols.app_services.service import parse_as_of
    from chipcontrols.scenario.capabilities import load_capabilities
    from chipcontrols.scenario.matrix import parse_suppliers
    from chipcontrols.scenario.timeline import STEPS, TIMELINE_START

    code = (destination or "").strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise InputError("a destination is a country, e.g. China or CN", loc="destination")
    first = parse_as_of(start, loc="from") if start else TIMELINE_START
    last = parse_as_of(end, loc="to")
    if last < first:
        raise InputError(f"the last date ({last}) is before the first ({first})", loc="to")
    rulebook = load_rulebook()
    rulebook.check_date(first, loc="from")
    chosen = step or "quarter"
    if chosen not in STEPS:
        raise InputError(f"the step is one of {', '.join(STEPS)}", loc="step")
    codes = parse_suppliers(supplier_codes or None, loc="suppliers")
    vocabulary = load_capabilities()
    caps = tuple(dict.fromkeys(vocabulary.get(c, loc="capability").id for c in capability_ids))
    return AnalysisRequest(code, first, last, chosen, codes, caps)


# ------------------------------------------------------------------ timeline


def _timeline(req: AnalysisRequest) -> tuple[Any, dict[str, Any]]:
    from chipcontrols.scenario.timeline import timeline

    result = timeline(
        _analyst(),
        req.destination,
        req.start,
        req.end,
        suppliers=req.suppliers,
        capabilities=list(req.capabilities) or None,
        step=req.step,
    )
    return result, _plain(result.to_dict())


def timeline_status(req: AnalysisRequest, *, wait: float = 0.0) -> dict[str, Any]:
    """{"status": "computing"} while the timeline is computed (started on the first call),
    then {"status": "done", "timeline": the `chipcontrols timeline` document}. An error in
    the request is raised."""
    key = req.key("timeline")
    job = _submit(key, lambda: _timeline(req))
    if not job.done() and wait <= 0:
        return {"status": "computing"}
    try:
        _, doc = _result(key, job, wait)
    except TimeoutError:
        return {"status": "computing"}
    return {"status": "done", "timeline": doc}


def timeline_chart(req: AnalysisRequest, *, wait: float = 600.0) -> bytes:
    """The timeline chart (`chipcontrols timeline --chart X.svg`) as SVG."""
    from chipcontrols.scenario.charts import timeline_chart as draw_chart

    key = req.key("timeline")
    result, _ = _result(key, _submit(key, lambda: _timeline(req)), wait)
    return _chart(key, lambda path: draw_chart(result, path), wait)


def _chart(key: tuple[Any, ...], draw: Callable[[Path], object], wait: float) -> bytes:
    """The SVG a scenario chart function draws for a computed result, cached per request."""
    with _LOCK:
        cached = _CHARTS.get(key)
    if cached is not None:
        return cached

    def render() -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "chart.svg"
            draw(path)
            return path.read_bytes()

    svg = _WORKER.submit(render).result(timeout=wait)
    with _LOCK:
        _CHARTS[key] = svg
    return svg


# ------------------------------------------------------------------ matrix on one date


def _matrix(req: AnalysisRequest) -> tuple[Any, dict[str, Any]]:
    matrix = _analyst().matrix(
        req.destination,
        req.end,
        suppliers=req.suppliers,
        capabilities=list(req.capabilities) or None,
    )
    return matrix, _plain(matrix.to_dict(detail=True))


def matrix(req: AnalysisRequest, *, wait: float = 600.0) -> dict[str, Any]:
    """The coalition matrix on `req.end` for the chosen capabilities (all when none), with
    the products behind each cell."""
    key = req.key("matrix")
    _, doc = _result(key, _submit(key, lambda: _matrix(req)), wait)
    out: dict[str, Any] = doc
    return out


def matrix_chart(req: AnalysisRequest, *, wait: float = 600.0) -> bytes:
    """The matrix as a heatmap (`chipcontrols coalition --chart X.svg`), SVG."""
    from chipcontrols.scenario.charts import heatmap

    key = req.key("matrix")
    found, _ = _result(key, _submit(key, lambda: _matrix(req)), wait)
    return _chart(key, lambda path: heatmap(found, path), wait)


# ------------------------------------------------------------------ what-if scenarios

SCENARIO_TEXT_LIMIT = 200_000
PAST = ("none", "stored", "example")


def scenarios_dir() -> Path | None:
    """The bundled scenario files (`examples/scenarios` of a source checkout), if present."""
    import chipcontrols

    found = Path(chipcontrols.__file__).resolve().parents[2] / "examples" / "scenarios"
    return found if found.is_dir() else None


def _scenario_files() -> dict[str, Path]:
    folder = scenarios_dir()
    if folder is None:
        return {}
    out = {}
    for path in sorted(folder.glob("*.y*ml")):
        if path.stem in ("assumptions-example", "past-determinations"):
            continue  # facts and past answers, not scenarios
        out[path.stem] = path
    return out


def bundled_scenarios() -> list[dict[str, Any]]:
    """The bundled scenarios: id (the file name), name and description from the file."""
    from chipcontrols.rulebook.yamlio import load_yaml_file

    out = []
    for sid, path in _scenario_files().items():
        try:
            raw = load_yaml_file(path)
        except Exception:  # a broken example is left off the list, not the page
            continue
        if isinstance(raw, dict):
            out.append(
                {
                    "id": sid,
                    "name": str(raw.get("name") or sid),
                    "description": " ".join(str(raw.get("description") or "").split()),
                }
            )
    return out


def _example_determinations() -> list[Any]:
    from chipcontrols.scenario.whatif import load_determinations

    folder = scenarios_dir()
    path = folder / "past-determinations.yaml" if folder else None
    if path is None or not path.is_file():
        raise InputError("no example file of past determinations is installed", loc="past")
    return load_determinations(path)


def _stored_determinations(svc: Any, limit: int = 1000) -> list[Any]:
    """The determinations recorded in this service's database, newest first (as
    `chipcontrols scenario --stored` reads them from the configured database)."""
    from chipcontrols.scenario.whatif import parse_determinations
    from chipcontrols.storage.records import list_records, record_dict

    found: list[dict[str, Any]] = []
    with svc.db.read() as session:
        offset = 0
        while len(found) < limit:
            _, rows = list_records(
                session, kind="determination", limit=min(200, limit - len(found)), offset=offset
            )
            if not rows:
                break
            found.extend(record_dict(r) for r in rows)
            offset += len(rows)
    return parse_determinations(found, loc="database") if found else []


def scenario_report(
    svc: Any,
    *,
    scenario: str | None = None,
    scenario_text: str | None = None,
    as_of: str | dt.date | None = None,
    destination: str | None = None,
    suppliers: str | Sequence[str] | None = None,
    past: str | None = None,
    wait: float = 900.0,
) -> dict[str, Any]:
    """`chipcontrols scenario`: what a bundled scenario (`scenario`, its id) or one given as
    YAML text (`scenario_text`) would change on a date for a destination: the law in force,
    the catalog products' statuses, the coalition's gaps, and past determinations re-run
    (`past`: none, stored in this database, or the example file). Computed on the analysis
    thread; the same request is answered from memory."""
    from chipcontrols.app_services.service import parse_as_of
    from chipcontrols.rulebook.yamlio import load_yaml_text
    from chipcontrols.scenario.matrix import parse_suppliers
    from chipcontrols.scenario.overlay import ScenarioError, load_scenario, parse_scenario
    from chipcontrols.scenario.whatif import what_if

    chosen = (scenario or "").strip()
    text = scenario_text or ""
    if chosen and text.strip():
        raise InputError("choose a bundled scenario or give your own, not both", loc="scenario")
    if not chosen and not text.strip():
        raise InputError("choose a scenario, or give a scenario file", loc="scenario")
    if text.strip():
        if len(text) > SCENARIO_TEXT_LIMIT:
            raise InputError(f"at most {SCENARIO_TEXT_LIMIT} characters", loc="scenario_text")
        try:
            raw = load_yaml_text(text, loc="scenario_text", error=ScenarioError)
        except ChipControlsError as exc:
            raise ScenarioError(exc.message, loc=exc.loc or "scenario_text") from None
        if not isinstance(raw, dict):
            raise ScenarioError(
                "a scenario is a mapping (name:, description:, changes:)", loc="scenario_text"
            )
        loaded = parse_scenario(raw, file="scenario_text")
        source_key: str = hashlib.sha256(text.encode()).hexdigest()
    else:
        path = _scenario_files().get(chosen)
        if path is None:
            known = ", ".join(_scenario_files()) or "none installed"
            raise InputError(f"no bundled scenario {chosen!r} (known: {known})", loc="scenario")
        loaded = load_scenario(path)
        source_key = loaded.rulebook.version
    day = parse_as_of(as_of, loc="as_of")
    code = (destination or "CN").strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise InputError("a destination is a country, e.g. China or CN", loc="destination")
    codes = parse_suppliers(suppliers or None, loc="suppliers")
    which = past or "none"
    if which not in PAST:
        raise InputError(f"past determinations: one of {', '.join(PAST)}", loc="past")
    records: list[Any] = []
    if which == "stored":
        records = _stored_determinations(svc)
    elif which == "example":
        records = _example_determinations()
    loaded.rulebook.check_date(day, loc="as_of")
    key = (
        "scenario",
        load_rulebook().version,
        source_key,
        day,
        code,
        tuple(codes),
        tuple((r.id, r.as_of) for r in records),
    )

    def work() -> dict[str, Any]:
        report = what_if(loaded, day, destination=code, suppliers=codes, determinations=records)
        return _plain(report.to_dict())

    doc: dict[str, Any] = _result(key, _submit(key, work), wait)
    return {**doc, "past": which}


# ------------------------------------------------------------------ re-screening and lists


def _rescreen_into(svc: Any, actor: str, day: dt.date, alert: dict[str, Any]) -> None:
    """The re-screening a `chipcontrols watch` pass runs after a list changed: the kept
    parties against the active snapshots (only new, changed or removed hits), the parties
    with new hits screened once more as a recorded screening (their hits join the review
    queue) and their recorded orders determined again."""
    from chipcontrols.screening.fetch import watch

    watch._rescreen(svc, actor, day, alert)


def _empty_alert(day: dt.date) -> dict[str, Any]:
    return {
        "checked_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "as_of": day.isoformat(),
        "lists": [],
        "parties": [],
        "removed": [],
        "determinations": [],
        "review_items": [],
        "errors": [],
    }


def last_rescreen(svc: Any) -> dict[str, Any] | None:
    """What the last re-screening used and when it ran (None before the first)."""
    from chipcontrols.screening.rescreen import store_for

    with svc.db.read() as session:
        store = store_for(svc.screening(session, "web").repo)
        state = store.last_run() if store is not None else None
        return state.to_dict() if state is not None else None


def rescreen_status(svc: Any) -> dict[str, Any]:
    """The re-screening page before a run: the last run, the active snapshots, the number
    of kept parties."""
    with svc.db.read() as session:
        kept = len(svc.screening(session, "web").repo.watched())
    return {
        "last_run": last_rescreen(svc),
        "active": svc.snapshots.active_ids(),
        "kept_parties": kept,
        "review_queue": len(svc.review_queue()["hits"]),
        "result": None,
    }


def rescreen(svc: Any, *, actor: str, as_of: str | dt.date | None = None) -> dict[str, Any]:
    """Screen the kept parties again against the active snapshots (`chipcontrols rescreen`)
    and record what a watch pass records (see `_rescreen_into`)."""
    from chipcontrols.app_services.service import parse_as_of

    day = parse_as_of(as_of, loc="as_of")
    alert = _empty_alert(day)
    _rescreen_into(svc, actor, day, alert)
    return {**rescreen_status(svc), "result": alert}


LIST_TEXT_LIMIT = 900_000
LIST_FORMATS = (
    "auto",
    "csl_json",
    "csl_csv",
    "ofac_sdn",
    "bis_dpl",
    "ftm",
    "entity_list",
)
_DATASET = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def watch_status(svc: Any) -> dict[str, Any]:
    """The configured list sources (CHIPCONTROLS_WATCH_SOURCES) and every known one, the
    last fetch of each (kept beside the snapshots), the active snapshot of each dataset and
    the latest snapshot stored in the database for it, and the last re-screening."""
    from sqlalchemy import select

    from chipcontrols.screening.fetch.sources import load_sources
    from chipcontrols.screening.fetch.update import load_state
    from chipcontrols.storage.models import ListSnapshotRow

    settings = svc.settings
    configured = [s.strip() for s in (settings.watch_sources or "").split(",") if s.strip()]
    error = None
    try:
        known = load_sources(settings.watch_urls)
    except ChipControlsError as exc:
        known, error = load_sources(None), exc.to_dict()
    state = load_state(svc.snapshots)
    active = svc.snapshots.active_ids()
    stored: dict[str, dict[str, Any]] = {}
    with svc.db.read() as session:
        rows = session.execute(
            select(ListSnapshotRow).order_by(ListSnapshotRow.created_at.desc())
        ).scalars()
        for row in rows:
            stored.setdefault(
                row.dataset,
                {
                    "id": row.id,
                    "as_of": row.as_of,
                    "entries": row.entries,
                    "stored_at": row.created_at,
                },
            )
    sources = []
    for name, src in known.items():
        fetched = state.get(name) or {}
        sources.append(
            {
                "name": name,
                "title": src.title,
                "dataset": src.dataset,
                "format": src.format,
                "configured": name in configured,
                "urls": [f.url for f in src.files],
                "last_fetch": {
                    "checked_at": fetched.get("checked_at"),
                    "checked_on": fetched.get("checked_on"),
                    "snapshot": fetched.get("snapshot"),
                }
                if fetched
                else None,
            }
        )
    sources.sort(key=lambda s: (not s["configured"], s["name"]))
    datasets = sorted(set(active) | set(stored))
    lists = [
        {
            "dataset": d,
            "active": active.get(d),
            "latest_stored": stored.get(d),
        }
        for d in datasets
    ]
    return {
        "configured": configured,
        "every": settings.watch_every,
        "notify": settings.watch_notify,
        "sources": sources,
        "sources_error": error,
        "lists": lists,
        "formats": list(LIST_FORMATS),
        "last_rescreen": last_rescreen(svc),
        "result": None,
    }


def import_list(
    svc: Any,
    *,
    actor: str,
    content: str,
    file_name: str | None = None,
    input_format: str | None = None,
    dataset: str | None = None,
    as_of: str | dt.date | None = None,
) -> dict[str, Any]:
    """A list update given as a file's text, imported as `chipcontrols lists import` does
    (a new immutable snapshot, made active), then the kept parties screened again as a
    watch pass does after a fetch: who is hit, which orders were determined again."""
    from chipcontrols.app_services.service import parse_as_of
    from chipcontrols.screening.fetch.update import FetchResult
    from chipcontrols.screening.lists.snapshots import build_snapshot, diff_snapshots

    if not isinstance(content, str) or not content.strip():
        raise InputError("choose the list file, or paste its text", loc="list_text")
    if len(content) > LIST_TEXT_LIMIT:
        raise InputError(
            f"at most {LIST_TEXT_LIMIT} characters: import a larger file with "
            "'chipcontrols lists import'",
            loc="list_text",
        )
    fmt = (input_format or "auto").strip() or "auto"
    if fmt not in LIST_FORMATS:
        raise InputError(f"the format is one of {', '.join(LIST_FORMATS)}", loc="input_format")
    name = (dataset or "").strip() or None
    if name is not None and not _DATASET.match(name):
        raise InputError("a dataset name uses letters, digits, '_' and '-'", loc="dataset")
    day = parse_as_of(as_of, loc="as_of") if as_of else None
    base = _FILE_NAME.sub("_", Path(file_name or "list.txt").name)[:80].strip("._") or "list"
    suffix = Path(base).suffix.lower()
    if suffix not in (".json", ".jsonl", ".csv", ".tsv", ".txt", ".yaml", ".yml", ".xml"):
        base += ".txt"
    with tempfile.TemporaryDirectory(prefix="chipcontrols-list-") as tmp:
        path = Path(tmp) / base
        path.write_text(content, "utf-8")
        try:
            snap = svc.snapshots.import_file(path, fmt=fmt, dataset=name, as_of=day, activate=False)
        except ChipControlsError as exc:
            if exc.loc in (str(path), "--format", "--dataset"):
                loc = {"--format": "input_format", "--dataset": "dataset"}.get(exc.loc, "list_text")
                raise type(exc)(exc.message.replace(str(path), base), loc=loc) from None
            raise
    previous_id = svc.snapshots.active_ids().get(snap.dataset)
    previous = svc.snapshots.load(previous_id) if previous_id else None
    empty = build_snapshot([], dataset=snap.dataset, as_of=snap.as_of, source={})
    diff = diff_snapshots(previous or empty, snap)
    changed = bool(diff.added or diff.removed or diff.changed)
    if previous is None or previous.id != snap.id:
        svc.snapshots.set_active(snap.dataset, snap.id)
    result = FetchResult(
        source="upload",
        dataset=snap.dataset,
        status="updated" if changed else "unchanged",
        snapshot=snap.id,
        previous=previous.id if previous else None,
        diff=diff,
        files=[{"name": base, "status": "uploaded", "bytes": len(content.encode())}],
    )
    screened_as_of = day or dt.date.today()
    alert = _empty_alert(screened_as_of)
    alert["lists"] = [result.to_dict()]
    alert["imported"] = snap.info()
    if changed:
        _rescreen_into(svc, actor, screened_as_of, alert)
    return {**watch_status(svc), "result": alert}
