"""Web pages. Each handler asks the services for one document (`data`), then renders it
as HTML, or returns it as JSON for `?format=json` / `Accept: application/json`."""

from __future__ import annotations

import hmac
import json
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from chipcontrols import __version__
from chipcontrols.access import ForbiddenError, Principal
from chipcontrols.api.auth import (
    SESSION_COOKIE,
    authenticate,
    check_csrf,
    csrf_token,
    services,
)
from chipcontrols.app_services import Services
from chipcontrols.app_services.inputs import check_id, parse_int
from chipcontrols.app_services.operations import record_questions
from chipcontrols.app_services.workspace import filter_rules, search_records
from chipcontrols.catalog import load_catalog
from chipcontrols.errors import ChipControlsError, InputError
from chipcontrols.rulebook.rulebook import load_rulebook
from chipcontrols.web import textdiff, wording
from chipcontrols.web.forms import (
    END_USES,
    MAX_SLOTS,
    PARTY_ROLES,
    apply_answers,
    parameters_for,
    slots,
    throughput_answers,
    transaction_from_form,
)

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["tojson_pretty"] = lambda v: json.dumps(
    v, indent=2, ensure_ascii=False, default=str
)
templates.env.filters.update(wording.filters())
templates.env.globals["countries"] = wording.countries
templates.env.globals["question_words"] = wording.question
templates.env.globals["figures_for"] = parameters_for
templates.env.globals["any_prefixed"] = lambda values, prefix: any(
    str(k).startswith(prefix) and v for k, v in (values or {}).items()
)


def wants_json(request: Request) -> bool:
    if request.query_params.get("format") == "json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def user(request: Request, role: str = "viewer") -> Principal:
    principal = authenticate(request, cookie=True)
    if not principal.allows(role):
        raise ForbiddenError(f"this needs the {role} role; you have {principal.role}", loc="role")
    return principal


def page(
    request: Request,
    template: str,
    data: dict[str, Any],
    who: Principal | None,
    *,
    status: int = 200,
    **extra: Any,
) -> Response:
    if wants_json(request):
        return JSONResponse(data, status_code=status)
    session = request.cookies.get(SESSION_COOKIE)
    context = {
        "data": data,
        "me": who,
        "csrf": csrf_token(session) if session else "",
        "version": __version__,
        "path": request.url.path,
        **extra,
    }
    return templates.TemplateResponse(request, template, context, status_code=status)


LOGIN_COOKIE = "chipcontrols_login"


def check_login_origin(request: Request, supplied: str) -> None:
    """Login CSRF: a sign-in posted from another site is refused. Browsers name the page
    that posted (Origin, Sec-Fetch-Site); a browser's sign-in must also carry the token
    the login page set in a same-site cookie. A client that is not a browser (no Origin)
    signs in with its key alone, as it would call the API."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise ForbiddenError("sign in from this site's login page", loc="csrf")
    origin = request.headers.get("origin")
    if origin is None:
        return
    host = request.headers.get("host", "")
    if origin == "null" or urlparse(origin).netloc != host:
        raise ForbiddenError("sign in from this site's login page", loc="csrf")
    cookie = request.cookies.get(LOGIN_COOKIE) or ""
    if not cookie or not hmac.compare_digest(cookie, supplied or ""):
        raise ForbiddenError(
            "the sign-in form is stale or came from another site; reload the page", loc="csrf"
        )


def _safe_next(raw: str | None) -> str:
    if not raw:
        return "/"
    parsed = urlparse(raw)
    if parsed.scheme or parsed.netloc or not raw.startswith("/") or raw.startswith("//"):
        return "/"
    return raw


async def _form(request: Request) -> dict[str, Any]:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            raise InputError(
                "the body is not valid JSON", loc="body", code="malformed_json"
            ) from None
        if not isinstance(body, dict):
            raise InputError("the body is a JSON object", loc="body")
        return body
    form = await request.form()
    out: dict[str, Any] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str):
            raise InputError("file uploads are not taken here", loc=key)
        if key in out:
            existing = out[key]
            out[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            out[key] = value
    return out


def _str(form: dict[str, Any], key: str) -> str:
    value = form.get(key)
    if isinstance(value, list):
        value = value[-1] if value else ""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError("expected text", loc=key)
    return value


def _list(form: dict[str, Any], key: str) -> list[str]:
    value = form.get(key)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [v for v in items if isinstance(v, str)]


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/login")
    def login_page(request: Request) -> Response:
        token = secrets.token_urlsafe(24)
        response = page(
            request,
            "login.html",
            {"next": _safe_next(request.query_params.get("next"))},
            None,
            login_token=token,
        )
        response.set_cookie(
            LOGIN_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            max_age=3600,
            path="/login",
            secure=request.url.scheme == "https",
        )
        return response

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await _form(request)
        check_login_origin(request, _str(form, "login_token"))
        svc: Services = services(request)
        key = _str(form, "api_key").strip()
        nxt = _safe_next(_str(form, "next"))
        try:
            principal, token = svc.sign_in(key)
        except ChipControlsError as exc:
            if wants_json(request):
                raise
            return page(
                request,
                "login.html",
                {"next": nxt, "error": exc.message},
                None,
                status=exc.http_status,
                login_token=request.cookies.get(LOGIN_COOKIE, ""),
            )
        response: Response
        if wants_json(request):
            response = JSONResponse(principal.to_dict())
        else:
            response = RedirectResponse(nxt, status_code=303)
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        response.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            max_age=svc.settings.session_hours * 3600,
            secure=request.url.scheme == "https",
        )
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        form = await _form(request)
        who = user(request)
        check_csrf(request, _str(form, "csrf"))
        services(request).sign_out(who)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @router.get("/")
    def home(request: Request) -> Response:
        who = user(request)
        svc = services(request)
        data = {
            "user": who.to_dict(),
            "operations": svc.operations(),
            "recent": svc.records(limit=10)["records"],
            "review_queue": len(svc.review_queue()["hits"]),
            "rulebook_version": load_rulebook().version,
        }
        return page(request, "home.html", data, who)

    # ------------------------------------------------------------ check a transaction

    @router.get("/check")
    def check_form(request: Request) -> Response:
        who = user(request)
        return page(request, "check.html", _check_form_data(services(request)), who)

    @router.post("/check")
    async def check(request: Request) -> Response:
        form = await _form(request)
        who = user(request, "analyst")
        check_csrf(request, _str(form, "csrf"))
        svc = services(request)
        try:
            if isinstance(form.get("transaction"), dict):
                txn = form["transaction"]
            else:
                fields = {k: _str(form, k) for k in form if k != "end_use"}
                txn = transaction_from_form(fields, _list(form, "end_use"))
            record = svc.check(txn, as_of=_str(form, "as_of") or None, actor=who.actor)
        except ChipControlsError as exc:
            if wants_json(request):
                raise
            data = _check_form_data(svc, form)
            data["error"] = exc.to_dict()
            return page(request, "check.html", data, who, status=exc.http_status)
        return _after_record(request, record)

    def _slot(request: Request, what: str) -> Response:
        who = user(request)
        n = parse_int(request.query_params.get("n"), loc="n", default=0, high=MAX_SLOTS * 4)
        data = _check_form_data(services(request))
        return page(
            request, "_slot.html", data, who, i=n, v={}, focus=True, what=what, n=n + 1, oob=True
        )

    @router.get("/check/line")
    def check_line(request: Request) -> Response:
        """One more order line for the check form (htmx), and the next "add" button."""
        return _slot(request, "line")

    @router.get("/check/party")
    def check_party(request: Request) -> Response:
        return _slot(request, "party")

    @router.get("/check/figures")
    def check_figures(request: Request) -> Response:
        """The figures of the kind chosen on an order line (htmx)."""
        who = user(request)
        i = parse_int(request.query_params.get("line"), loc="line", default=0, high=MAX_SLOTS * 4)
        kind = request.query_params.get(f"line-{i}-kind") or ""
        if kind and kind not in load_rulebook().kinds:
            raise InputError(f"unknown kind of item {kind!r}", loc="kind")
        data = {"kind": kind, "parameters": parameters_for(kind)}
        return page(request, "_figures_slot.html", data, who, i=i, kind=kind, v={})

    @router.get("/check/removed")
    def check_removed(request: Request) -> Response:
        user(request)
        return Response("", media_type="text/html")

    @router.post("/records/{record_id}/answers")
    async def answer(request: Request, record_id: str) -> Response:
        form = await _form(request)
        who = user(request, "analyst")
        check_csrf(request, _str(form, "csrf"))
        svc = services(request)
        record = svc.record(record_id)
        questions = questions_of(record)
        txn = record["input"].get("transaction")
        if not isinstance(txn, dict) or not questions:
            raise InputError("this record asks no questions", loc="record_id")
        answers = {k: _str(form, k) for k in form if k.startswith("q:")}
        questions = [*questions, *throughput_answers(questions, answers)]
        catalog = load_catalog()
        filled, _ = apply_answers(txn, questions, answers, catalog.lookup)
        new = svc.check(filled, as_of=record["as_of"], actor=who.actor)
        if wants_json(request):
            return JSONResponse(new)
        # the new record, with the answer it replaces beside it
        target = f"/records/{quote(new['id'])}?previous={quote(record['id'])}"
        return RedirectResponse(target, status_code=303)

    # ------------------------------------------------------------ records

    @router.get("/records")
    def records(request: Request) -> Response:
        who = user(request)
        offset = parse_int(request.query_params.get("offset"), loc="offset", default=0)
        data = search_records(services(request), request.query_params, limit=50, offset=offset)
        return page(request, "records.html", data, who)

    def _record_page(request: Request, record_id: str, template: str) -> Response:
        who = user(request)
        svc = services(request)
        data = svc.record(record_id)
        audit_entries = svc.audit_entries(subject=data["id"], limit=5)["entries"]
        before = request.query_params.get("previous") or ""
        changes = None
        if re.fullmatch(r"rec-[0-9a-f]{16}", before) and before != data["id"]:
            changes = answer_changes(svc.record(before), data)
        return page(
            request,
            template,
            data,
            who,
            questions=questions_of(data),
            audit=audit_entries,
            changes=changes,
        )

    @router.get("/records/{record_id}")
    def record(request: Request, record_id: str) -> Response:
        return _record_page(request, record_id, "record.html")

    @router.get("/records/{record_id}/print")
    def record_print(request: Request, record_id: str) -> Response:
        return _record_page(request, record_id, "print.html")

    @router.post("/records/{record_id}/replay")
    async def replay(request: Request, record_id: str) -> Response:
        form = await _form(request)
        who = user(request)
        check_csrf(request, _str(form, "csrf"))
        data = services(request).replay(record_id)
        return page(request, "replay.html", data, who)

    # ------------------------------------------------------------ screening review

    @router.get("/review")
    def review(request: Request) -> Response:
        who = user(request)
        svc = services(request)
        data = {**svc.review_queue(), "judgements": svc.judgements()["judgements"][:20]}
        return page(request, "review.html", data, who)

    @router.post("/review/{hit_id}")
    async def decide(request: Request, hit_id: int) -> Response:
        form = await _form(request)
        who = user(request, "analyst")
        check_csrf(request, _str(form, "csrf"))
        check_id(hit_id, loc="hit_id")
        judgement = services(request).judge_hit(
            hit_id,
            decision=_str(form, "decision"),
            reason=_str(form, "reason"),
            principal=who,
        )
        if wants_json(request):
            return JSONResponse(judgement)
        if request.headers.get("hx-request"):
            return page(request, "_judged.html", judgement, who)
        return RedirectResponse("/review", status_code=303)

    # ------------------------------------------------------------ law

    @router.get("/rules")
    def rules(request: Request) -> Response:
        who = user(request)
        as_of = request.query_params.get("as_of") or None
        data = services(request).rules(
            as_of, jurisdiction=request.query_params.get("jurisdiction") or None
        )
        data = filter_rules(data, request.query_params.get("q"))
        data["jurisdiction"] = request.query_params.get("jurisdiction") or None
        return page(request, "rules.html", data, who)

    @router.get("/rules/diff")
    def rules_diff(request: Request) -> Response:
        who = user(request)
        qp = request.query_params
        rulebook = load_rulebook()
        jurisdiction = qp.get("jurisdiction") or None
        if not qp.get("from") or not qp.get("to"):
            data: dict[str, Any] = {
                "from": qp.get("from")
                or (rulebook.earliest.isoformat() if rulebook.earliest else ""),
                "to": qp.get("to") or "",
                "rulebook_version": rulebook.version,
                "changes": None,
            }
        else:
            data = services(request).rules_diff(qp["from"], qp["to"], jurisdiction=jurisdiction)
            q = (qp.get("q") or "").strip().lower()[:200]
            if q:
                data["changes"] = [
                    c
                    for c in data["changes"]
                    if q in str(c.get("entry", "")).lower()
                    or q in str(c.get("id", "")).lower()
                    or any(
                        q in str((c.get(side) or {}).get("citation", "")).lower()
                        for side in ("old", "new")
                    )
                ]
            data["q"] = q or None
        data["jurisdiction"] = jurisdiction
        data["jurisdictions"] = sorted({e.jurisdiction for e in rulebook.entries.values()})
        return page(request, "rules_diff.html", data, who, text_sides=textdiff.sides)

    @router.get("/rules/{rule_id}")
    def rule(request: Request, rule_id: str) -> Response:
        who = user(request)
        data = services(request).rule(rule_id, request.query_params.get("as_of") or None)
        return page(request, "rule.html", data, who)

    # ------------------------------------------------------------ lists

    @router.get("/lists")
    def lists(request: Request) -> Response:
        who = user(request)
        return page(request, "lists.html", services(request).lists(), who)

    @router.get("/lists/{snapshot_id}")
    def snapshot(request: Request, snapshot_id: str) -> Response:
        who = user(request)
        q = request.query_params.get("q") or None
        if q is not None and len(q) > 200:
            raise InputError("at most 200 characters", loc="q")
        offset = parse_int(request.query_params.get("offset"), loc="offset", default=0)
        data = services(request).snapshot(snapshot_id, q=q, limit=100, offset=offset)
        return page(request, "snapshot.html", data, who, q=q or "")

    # ------------------------------------------------------------ audit

    @router.get("/audit")
    def audit(request: Request) -> Response:
        who = user(request)
        svc = services(request)
        before_raw = request.query_params.get("before")
        before = parse_int(before_raw, loc="before", default=0, low=1) if before_raw else None
        full = request.query_params.get("verify") == "full"
        data = {
            "verification": svc.audit_verify() if full else svc.audit_verify_recent(),
            **svc.audit_entries(limit=100, before=before),
        }
        return page(request, "audit.html", data, who)

    return router


def _check_form_data(svc: Services, form: dict[str, Any] | None = None) -> dict[str, Any]:
    """The check form's choices; with the values of a form sent back (after an error), its
    order lines and parties as they were."""
    form = form or {}
    try:
        lines = slots(form, "line") or [0]
        parties = slots(form, "party") or [0]
    except ChipControlsError:
        lines, parties = [0], [0]
    values = {k: v for k, v in form.items() if k != "csrf" and isinstance(v, str)}
    if form and "line-0-kind" not in form and not slots(form, "line"):
        # the one-line form: shown in the first slots
        for flat, slot in (
            ("product", "line-0-product"),
            ("kind", "line-0-kind"),
            ("item_name", "line-0-name"),
            ("made_in", "line-0-made_in"),
            ("end_user", "party-0-name"),
            ("end_user_country", "party-0-country"),
        ):
            if flat in values:
                values[slot] = values[flat]
    return {
        "products": [p.name for p in load_catalog().products],
        "kinds": sorted(
            k for k in load_rulebook().kinds if k not in ("shipment", "informed_shipment")
        ),
        "end_uses": list(END_USES),
        "roles": [r for r in PARTY_ROLES if r != "exporter"],
        "mode": "determination" if "determination" in svc.operations() else "check",
        "lines": lines,
        "parties": parties,
        "next_line": max(lines) + 1,
        "next_party": max(parties) + 1,
        "values": values,
        "chosen_end_uses": _list(form, "end_use"),
        "error": None,
    }


def answer_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What answering the questions changed: each verdict (per jurisdiction or regime) and,
    for a check, each entry's status per order line, before and after."""
    rows: list[dict[str, Any]] = []

    def verdicts(rec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
        found = (rec.get("result") or {}).get("verdicts") or []
        return {(str(v.get("jurisdiction") or ""), str(v.get("regime") or "")): v for v in found}

    before, after = verdicts(old), verdicts(new)
    for key in [*before, *(k for k in after if k not in before)]:
        a, b = before.get(key) or {}, after.get(key) or {}
        rows.append(
            {
                "jurisdiction": key[0],
                "regime": (b or a).get("title") or key[1],
                "before": a.get("verdict"),
                "before_policy": a.get("review_policy"),
                "after": b.get("verdict"),
                "after_policy": b.get("review_policy"),
            }
        )
    if not rows:  # a check without verdicts: the classification of each line
        old_items = (old.get("result") or {}).get("items") or []
        new_items = (new.get("result") or {}).get("items") or []
        for i, (a_item, b_item) in enumerate(zip(old_items, new_items, strict=False)):
            a_status = {e["id"]: e for e in a_item.get("entries") or []}
            for e in b_item.get("entries") or []:
                was = a_status.get(e["id"], {}).get("status")
                if was != e.get("status"):
                    rows.append(
                        {
                            "jurisdiction": e.get("jurisdiction"),
                            "regime": f"line {i + 1}: {e.get('entry')}",
                            "before": was,
                            "after": e.get("status"),
                        }
                    )
    return {"previous": old["id"], "previous_summary": old.get("summary"), "rows": rows}


def questions_of(record: dict[str, Any]) -> list[dict[str, Any]]:
    return record_questions(load_rulebook(), record)


def _after_record(request: Request, record: dict[str, Any]) -> Response:
    if wants_json(request):
        return JSONResponse(record)
    return RedirectResponse(f"/records/{quote(record['id'])}", status_code=303)


def mount(app: FastAPI) -> Any:
    """Add the pages and static files; returns the renderer of errors as pages."""
    from chipcontrols.web.admin import build_router as admin_router
    from chipcontrols.web.analysis import build_router as analysis_router
    from chipcontrols.web.runs import build_router as runs_router
    from chipcontrols.web.workspace import build_router as workspace_router

    app.include_router(build_router())
    app.include_router(workspace_router())
    app.include_router(analysis_router())
    app.include_router(admin_router())
    app.include_router(runs_router())
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def render_error(request: Request, status: int, body: dict[str, Any]) -> Response:
        if status == 401:
            target = quote(
                request.url.path + (f"?{request.url.query}" if request.url.query else "")
            )
            return RedirectResponse(f"/login?next={target}", status_code=303)
        session = request.cookies.get(SESSION_COOKIE)
        who = getattr(request.state, "principal", None)
        return templates.TemplateResponse(
            request,
            "_error.html" if request.headers.get("hx-request") else "error.html",
            {
                "data": body,
                "error": body["error"],
                "me": who,
                "csrf": csrf_token(session) if session else "",
                "version": __version__,
                "path": request.url.path,
            },
            status_code=status,
        )

    return render_error
