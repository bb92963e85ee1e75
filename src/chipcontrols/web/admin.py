"""Administration pages (users, API keys, web sessions) and the company's BIS letters. The
same roles as the API: managing users, keys and sessions needs the admin role; recording or
revoking a letter needs the analyst role; anyone signed in reads the letters."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from chipcontrols.access import ROLES
from chipcontrols.api.auth import check_csrf, services
from chipcontrols.app_services import letters as letter_service
from chipcontrols.determination.company_letters import letter_bases, letter_basis_titles
from chipcontrols.errors import ChipControlsError, InputError
from chipcontrols.web import wording
from chipcontrols.web.forms import text

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
REVIEW_POLICIES = (
    "presumption_of_denial",
    "case_by_case",
    "presumption_of_approval",
    "denial",
    "approval",
)


def _checked_id(value: str, loc: str) -> str:
    if not _ID.match(value):
        raise InputError("not a known identifier", loc=loc)
    return value


def _split(raw: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,\n;]", raw or "") if p.strip()]


def letter_from_form(get: Any) -> dict[str, Any]:
    """A letter document (as `chipcontrols letters add` reads it) from the form's fields."""
    doc: dict[str, Any] = {
        "exporters": _split(get("exporters")),
        "products": _split(get("products")),
        "destinations": _split(get("destinations")),
        "basis": get("basis") or "",
        "effective": get("effective") or "",
        "reference": (get("reference") or "").strip(),
        "headquarters": get("headquarters") in ("on", "true", "yes"),
    }
    for key in ("ends", "review_policy"):
        if get(key):
            doc[key] = get(key)
    body = text(get("text"), loc="text", limit=4000)
    if body:
        doc["text"] = body
    return doc


def build_router() -> APIRouter:
    from chipcontrols.web import pages

    router = APIRouter(include_in_schema=False)

    # ------------------------------------------------------------ users, keys, sessions

    def _admin_data(request: Request) -> dict[str, Any]:
        svc = services(request)
        listing = svc.users()
        return {
            "users": listing["users"],
            "keys": listing["keys"],
            "sessions": svc.sessions()["sessions"],
            "roles": [{"id": r, "words": wording.role(r)} for r in ROLES],
            "created": None,
            "error": None,
        }

    @router.get("/admin")
    def admin(request: Request) -> Response:
        who = pages.user(request, "admin")
        return pages.page(request, "admin.html", _admin_data(request), who)

    async def _admin_post(request: Request, work: Any) -> Response:
        form = await pages._form(request)
        who = pages.user(request, "admin")
        check_csrf(request, pages._str(form, "csrf"))
        try:
            created = work(services(request), form, who)
        except ChipControlsError as exc:
            if pages.wants_json(request):
                raise
            data = _admin_data(request)
            data["error"] = exc.to_dict()
            data["values"] = {k: v for k, v in form.items() if k != "csrf"}
            return pages.page(request, "admin.html", data, who, status=exc.http_status)
        if pages.wants_json(request):
            return JSONResponse(created)
        if created.get("api_key"):  # shown once, on this page only
            data = _admin_data(request)
            data["created"] = created
            return pages.page(request, "admin.html", data, who)
        return RedirectResponse("/admin", status_code=303)

    @router.post("/admin/users")
    async def create_user(request: Request) -> Response:
        def work(svc: Any, form: dict[str, Any], who: Any) -> dict[str, Any]:
            role = pages._str(form, "role")
            if role not in ROLES:
                raise InputError(f"the role is one of {', '.join(ROLES)}", loc="role")
            name = text(pages._str(form, "name"), loc="name", limit=100) or ""
            out: dict[str, Any] = svc.create_user(name, role, actor=who.actor)
            return out

        return await _admin_post(request, work)

    @router.post("/admin/keys")
    async def create_key(request: Request) -> Response:
        def work(svc: Any, form: dict[str, Any], who: Any) -> dict[str, Any]:
            name = text(pages._str(form, "user"), loc="user", limit=100) or ""
            label = text(pages._str(form, "label"), loc="label", limit=200) or "made on the web"
            out: dict[str, Any] = svc.create_key(name, label=label, actor=who.actor)
            return out

        return await _admin_post(request, work)

    @router.post("/admin/keys/{key_id}/revoke")
    async def revoke_key(request: Request, key_id: str) -> Response:
        def work(svc: Any, form: dict[str, Any], who: Any) -> dict[str, Any]:
            out: dict[str, Any] = svc.revoke_key(_checked_id(key_id, "key_id"), actor=who.actor)
            return out

        return await _admin_post(request, work)

    @router.post("/admin/sessions/{session_id}/revoke")
    async def revoke_session(request: Request, session_id: str) -> Response:
        def work(svc: Any, form: dict[str, Any], who: Any) -> dict[str, Any]:
            out: dict[str, Any] = svc.revoke_key(
                _checked_id(session_id, "session_id"), actor=who.actor, kind="session"
            )
            return out

        return await _admin_post(request, work)

    # ------------------------------------------------------------ letters

    def _letters_data(request: Request, include_revoked: bool) -> dict[str, Any]:
        found = letter_service.list_letters(services(request), include_revoked=include_revoked)
        titles = letter_basis_titles()
        return {
            **found,
            "include_revoked": include_revoked,
            "bases": [
                {"id": b, "words": f"{w}: {titles[b]}" if b in titles else w}
                for b, w in letter_bases().items()
            ],
            "review_policies": [{"id": p, "words": wording.policy(p)} for p in REVIEW_POLICIES],
            "values": {},
            "error": None,
        }

    @router.get("/letters")
    def letters(request: Request) -> Response:
        who = pages.user(request)
        revoked = request.query_params.get("revoked") in ("1", "true", "on")
        return pages.page(request, "letters.html", _letters_data(request, revoked), who)

    @router.post("/letters")
    async def add_letter(request: Request) -> Response:
        form = await pages._form(request)
        who = pages.user(request, "analyst")
        check_csrf(request, pages._str(form, "csrf"))
        svc = services(request)
        try:
            doc = (
                form["letter"]
                if isinstance(form.get("letter"), dict)
                else letter_from_form(lambda k: pages._str(form, k))
            )
            made = letter_service.add_letter(svc, doc, actor=who.actor)
        except ChipControlsError as exc:
            if pages.wants_json(request):
                raise
            data = _letters_data(request, False)
            data["error"] = exc.to_dict()
            data["values"] = {k: v for k, v in form.items() if k != "csrf"}
            return pages.page(request, "letters.html", data, who, status=exc.http_status)
        if pages.wants_json(request):
            return JSONResponse(made, status_code=201)
        return RedirectResponse(f"/letters#letter-{quote(made['id'])}", status_code=303)

    @router.post("/letters/{letter_id}/revoke")
    async def revoke_letter(request: Request, letter_id: str) -> Response:
        form = await pages._form(request)
        who = pages.user(request, "analyst")
        check_csrf(request, pages._str(form, "csrf"))
        reason = text(pages._str(form, "reason"), loc="reason", limit=1000)
        if not reason:
            raise InputError("say why the letter no longer applies", loc="reason")
        done = letter_service.revoke_letter(
            services(request), _checked_id(letter_id, "letter_id"), reason=reason, actor=who.actor
        )
        if pages.wants_json(request):
            return JSONResponse(done)
        return RedirectResponse("/letters?revoked=1", status_code=303)

    return router
