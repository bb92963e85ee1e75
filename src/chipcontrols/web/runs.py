"""The pages of the longer workflows of the command line: a what-if scenario
(`chipcontrols scenario`), a file of order lines (`chipcontrols batch`), the kept parties
screened again (`chipcontrols rescreen`) and the official lists (`chipcontrols watch`, with
a list update imported from a file as `chipcontrols lists import` does).

The same roles as the API: anyone signed in computes a scenario (nothing is recorded); a
batch and a re-screening record answers, so they need the analyst role; importing a list
changes the lists every later answer is screened against, so it needs the admin role. Each
page's document is its JSON twin (`?format=json`), and the /v1 routes serve the same."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from chipcontrols.api.auth import check_csrf, services
from chipcontrols.app_services import Services, parse_as_of, web_support
from chipcontrols.errors import ChipControlsError, InputError, NotFoundError

ROLES = {"scenario": "viewer", "batch": "analyst", "rescreen": "analyst", "watch": "admin"}

# A batch from the browser runs while the page waits: a few hundred lines. Larger files are
# run with `chipcontrols batch` (resumable, on a Dask cluster if need be).
BATCH_TEXT_LIMIT = 300_000
BATCH_LINE_LIMIT = 500
_KEY = re.compile(r"^[0-9a-f]{24}$")
_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_ERROR_LOC = re.compile(r"^([A-Za-z_][A-Za-z0-9_.\[\]-]*): (.*)$", re.S)


# ------------------------------------------------------------------ batch (the service half)


def batch_home(svc: Services) -> Path:
    return svc.settings.home / "web-batch"


def _key(text: str, as_of: str | None) -> str:
    return hashlib.sha256(f"{as_of or ''}\0{text}".encode()).hexdigest()[:24]


def _write_once(path: Path, text: str) -> None:
    if path.exists():
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    os.replace(tmp, path)


def run_batch_text(
    svc: Services, *, actor: str, text: str, file_name: str | None, as_of: str | None
) -> dict[str, Any]:
    """Check every order line of a CSV file given as text (`chipcontrols batch`): the run is
    named by the file and the date, so the same file sent again carries on where an
    interrupted run stopped, and a finished one is answered from its results."""
    from chipcontrols.batch import run_batch

    if not isinstance(text, str) or not text.strip():
        raise InputError("choose the file of order lines, or paste its text", loc="orders_csv")
    if len(text) > BATCH_TEXT_LIMIT:
        raise InputError(
            f"the file is larger than {BATCH_TEXT_LIMIT:,} characters: split it, or run it "
            "with 'chipcontrols batch'",
            loc="orders_csv",
        )
    lines = sum(1 for line in text.splitlines()[1:] if line.strip())
    if lines > BATCH_LINE_LIMIT:
        raise InputError(
            f"the file has {lines} order lines; the browser runs at most {BATCH_LINE_LIMIT} at "
            "once: split it, or run it with 'chipcontrols batch'",
            loc="orders_csv",
        )
    day = (as_of or "").strip() or None
    if day is not None:
        parse_as_of(day, loc="as_of")
    name = _NAME.sub("_", Path(file_name or "orders.csv").name)[:80].strip("._") or "orders.csv"
    key = _key(text, day)
    folder = batch_home(svc) / key
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "orders.csv"
    _write_once(path, text)
    meta = folder / "upload.json"
    if not meta.exists():
        doc = {"file_name": name, "as_of": day, "uploaded_by": actor}
        doc["uploaded_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        _write_once(meta, json.dumps(doc))
    try:
        run_batch(svc, path, as_of=day, actor=actor)
    except ChipControlsError as exc:
        where = str(exc.loc or "")
        if where.startswith(str(path)):
            line = where[len(str(path)) :].lstrip(":")
            message = exc.message.replace(str(path), name).replace(
                "; see docs/service.md", " (the columns are listed with the form)"
            )
            if line:
                message = f"line {line}: {message}"
            raise type(exc)(message, loc="orders_csv") from None
        if where == "--as-of":
            raise type(exc)(exc.message, loc="as_of") from None
        raise
    return batch_document(svc, key)


def _read_results(path: Path) -> list[dict[str, Any]]:
    from chipcontrols.batch.io import read_rows

    _, rows = read_rows(path)
    return rows[:]


def batch_document(svc: Services, key: str) -> dict[str, Any]:
    """A finished run: the summary (counts per verdict), each bad line with its number,
    column and message, and where to download the results file."""
    if not _KEY.match(key or ""):
        raise InputError("not a batch run of this site", loc="run")
    folder = batch_home(svc) / key
    summary_file = folder / "orders.results.csv.summary.json"
    if not summary_file.is_file():
        raise NotFoundError("no finished batch run with this name", loc="run")
    summary = json.loads(summary_file.read_text("utf-8"))
    meta_file = folder / "upload.json"
    meta = json.loads(meta_file.read_text("utf-8")) if meta_file.is_file() else {}
    bad = []
    for row in _read_results(folder / "orders.results.csv"):
        if row.get("status") != "error":
            continue
        message = str(row.get("error_message") or "")
        field = None
        found = _ERROR_LOC.match(message)
        if found:
            field, message = found.group(1), found.group(2)
        bad.append(
            {
                "line": int(row.get("line") or 0),
                "line_id": row.get("line_id"),
                "field": field,
                "code": row.get("error_code"),
                "message": message,
            }
        )
    verdicts = []
    for part, count in (summary.get("verdicts") or {}).items():
        jurisdiction, _, verdict = str(part).partition(": ")
        verdicts.append({"jurisdiction": jurisdiction, "verdict": verdict, "lines": count})
    public = {k: v for k, v in summary.items() if k not in ("file", "output", "summary_file")}
    stem = Path(str(meta.get("file_name") or "orders.csv")).stem
    return {
        "run": key,
        "file_name": meta.get("file_name") or "orders.csv",
        "uploaded_at": meta.get("uploaded_at"),
        "summary": public,
        "verdicts": verdicts,
        "bad_lines": sorted(bad, key=lambda b: b["line"]),
        "download": f"/batch/{key}/results.csv",
        "api_download": f"/v1/batch/{key}/results",
        "download_name": f"{stem}.results.csv",
    }


def batch_results_file(svc: Services, key: str) -> tuple[Path, str]:
    doc = batch_document(svc, key)
    return batch_home(svc) / key / "orders.results.csv", str(doc["download_name"])


def recent_batches(svc: Services, limit: int = 10) -> list[dict[str, Any]]:
    folder = batch_home(svc)
    if not folder.is_dir():
        return []
    done = [p for p in folder.iterdir() if (p / "orders.results.csv.summary.json").is_file()]
    done.sort(key=lambda p: (p / "orders.results.csv.summary.json").stat().st_mtime, reverse=True)
    out = []
    for p in done[:limit]:
        try:
            doc = batch_document(svc, p.name)
        except ChipControlsError:
            continue
        out.append(
            {
                "run": doc["run"],
                "file_name": doc["file_name"],
                "uploaded_at": doc["uploaded_at"],
                "lines": doc["summary"].get("lines"),
                "errors": doc["summary"].get("errors"),
                "as_of": doc["summary"].get("as_of"),
            }
        )
    return out


# ------------------------------------------------------------------ pages


def build_router() -> APIRouter:
    from chipcontrols.web import pages

    router = APIRouter(include_in_schema=False)

    def _values(form: dict[str, Any], *skip: str) -> dict[str, Any]:
        return {k: v for k, v in form.items() if k != "csrf" and k not in skip}

    # ------------------------------------------------------------ scenario

    def _scenario_form(values: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "scenarios": web_support.bundled_scenarios(),
            "suppliers": web_support.suppliers(),
            "past_choices": list(web_support.PAST),
            "values": values or {},
            "report": None,
            "error": None,
            "role_needed": ROLES["scenario"],
        }

    def _scenario_args(get: Any) -> dict[str, Any]:
        from chipcontrols.web.forms import country

        suppliers = [s for s in get("supplier", many=True) if s]
        return {
            "scenario": get("scenario") or None,
            "scenario_text": get("scenario_text") or None,
            "as_of": get("as_of") or None,
            "destination": country(get("destination") or "CN", loc="destination") or "CN",
            "suppliers": suppliers or (get("suppliers") or None),
            "past": get("past") or "none",
        }

    @router.get("/scenario")
    def scenario_page(request: Request) -> Response:
        who = pages.user(request, ROLES["scenario"])
        qp = request.query_params

        def get(key: str, many: bool = False) -> Any:
            return qp.getlist(key) if many else qp.get(key)

        values: dict[str, Any] = {k: v for k, v in qp.items() if k != "format"}
        values["supplier"] = qp.getlist("supplier")
        data = _scenario_form(values)
        if qp.get("scenario"):
            data["report"] = web_support.scenario_report(services(request), **_scenario_args(get))
        return pages.page(request, "scenario.html", data, who)

    @router.post("/scenario")
    async def scenario_run(request: Request) -> Response:
        form = await pages._form(request)
        who = pages.user(request, ROLES["scenario"])
        check_csrf(request, pages._str(form, "csrf"))

        def get(key: str, many: bool = False) -> Any:
            return pages._list(form, key) if many else pages._str(form, key)

        values = _values(form)
        values["supplier"] = pages._list(form, "supplier")
        data = _scenario_form(values)
        try:
            data["report"] = web_support.scenario_report(services(request), **_scenario_args(get))
        except ChipControlsError as exc:
            if pages.wants_json(request):
                raise
            data["error"] = exc.to_dict()
            return pages.page(request, "scenario.html", data, who, status=exc.http_status)
        if pages.wants_json(request):
            return JSONResponse(data["report"])
        return pages.page(request, "scenario.html", data, who)

    # ------------------------------------------------------------ batch

    def _batch_data(request: Request, run: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "run": run,
            "recent": recent_batches(services(request)),
            "limits": {"characters": BATCH_TEXT_LIMIT, "lines": BATCH_LINE_LIMIT},
            "values": {},
            "error": None,
            "role_needed": ROLES["batch"],
        }

    @router.get("/batch")
    def batch_page(request: Request) -> Response:
        who = pages.user(request)
        key = request.query_params.get("run") or ""
        run = batch_document(services(request), key) if key else None
        return pages.page(request, "batch.html", _batch_data(request, run), who)

    @router.post("/batch")
    async def batch_run(request: Request) -> Response:
        form = await pages._form(request)
        who = pages.user(request, ROLES["batch"])
        check_csrf(request, pages._str(form, "csrf"))
        try:
            doc = run_batch_text(
                services(request),
                actor=who.actor,
                text=pages._str(form, "orders_csv"),
                file_name=pages._str(form, "file_name") or None,
                as_of=pages._str(form, "as_of") or None,
            )
        except ChipControlsError as exc:
            if pages.wants_json(request):
                raise
            data = _batch_data(request)
            data["error"] = exc.to_dict()
            data["values"] = _values(form)
            return pages.page(request, "batch.html", data, who, status=exc.http_status)
        if pages.wants_json(request):
            return JSONResponse(doc)
        return RedirectResponse(f"/batch?run={quote(doc['run'])}#summary", status_code=303)

    @router.get("/batch/{key}/results.csv")
    def batch_download(request: Request, key: str) -> Response:
        pages.user(request)
        path, name = batch_results_file(services(request), key)
        return FileResponse(path, media_type="text/csv; charset=utf-8", filename=name)

    # ------------------------------------------------------------ rescreen

    @router.get("/rescreen")
    def rescreen_page(request: Request) -> Response:
        who = pages.user(request)
        data = {**web_support.rescreen_status(services(request)), "error": None}
        data["role_needed"] = ROLES["rescreen"]
        return pages.page(request, "rescreen.html", data, who)

    @router.post("/rescreen")
    async def rescreen_run(request: Request) -> Response:
        form = await pages._form(request)
        who = pages.user(request, ROLES["rescreen"])
        check_csrf(request, pages._str(form, "csrf"))
        svc = services(request)
        try:
            data = web_support.rescreen(svc, actor=who.actor, as_of=pages._str(form, "as_of"))
        except ChipControlsError as exc:
            if pages.wants_json(request):
                raise
            data = {**web_support.rescreen_status(svc), "error": exc.to_dict()}
            data["role_needed"] = ROLES["rescreen"]
            data["values"] = _values(form)
            return pages.page(request, "rescreen.html", data, who, status=exc.http_status)
        data["error"] = None
        data["role_needed"] = ROLES["rescreen"]
        return pages.page(request, "rescreen.html", data, who)

    # ------------------------------------------------------------ watch

    @router.get("/watch")
    def watch_page(request: Request) -> Response:
        who = pages.user(request)
        data = {**web_support.watch_status(services(request)), "error": None}
        data["role_needed"] = ROLES["watch"]
        return pages.page(request, "watch.html", data, who)

    @router.post("/watch/import")
    async def watch_import(request: Request) -> Response:
        form = await pages._form(request)
        who = pages.user(request, ROLES["watch"])
        check_csrf(request, pages._str(form, "csrf"))
        svc = services(request)
        try:
            data = web_support.import_list(
                svc,
                actor=who.actor,
                content=pages._str(form, "list_text"),
                file_name=pages._str(form, "file_name") or None,
                input_format=pages._str(form, "input_format") or None,
                dataset=pages._str(form, "dataset") or None,
                as_of=pages._str(form, "as_of") or None,
            )
        except ChipControlsError as exc:
            if pages.wants_json(request):
                raise
            data = {**web_support.watch_status(svc), "error": exc.to_dict()}
            data["role_needed"] = ROLES["watch"]
            data["values"] = _values(form, "list_text")
            return pages.page(request, "watch.html", data, who, status=exc.http_status)
        data["error"] = None
        data["role_needed"] = ROLES["watch"]
        return pages.page(request, "watch.html", data, who)

    return router
