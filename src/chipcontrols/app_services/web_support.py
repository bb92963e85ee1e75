"""What the web workspace needs beyond the shared documents: the coalition timeline and a
matrix restricted to some capabilities, computed off the request thread (a timeline over
every capability evaluates the matrix on each day the law changed and takes minutes), their
charts as SVG, and the capabilities a page offers.

The analyses run one at a time on one worker thread with one `Analyst` per rulebook
version: the analyst caches each product's outcome per law epoch, so a second timeline or a
matrix on a date already seen is quick, and the caches are never touched by two threads."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from chipcontrols.errors import InputError
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
    from chipcontrols.scenario.coalition import SUPPLIERS

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
    from chipcontrols.scenario.coalition import parse_suppliers
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
