"""Who is calling: an API key (Authorization: Bearer, or X-API-Key) or a web session
cookie; and whether the caller's role allows the route."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from fastapi import Depends, Request

from chipcontrols.access import AuthError, ForbiddenError, Principal
from chipcontrols.app_services import Services

SESSION_COOKIE = "chipcontrols_session"


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


def _token(request: Request, *, cookie: bool) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise AuthError("use 'Authorization: Bearer <API key>'", loc="headers.authorization")
        return value.strip()
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    if cookie:
        return request.cookies.get(SESSION_COOKIE)
    return None


def csrf_token(session_token: str) -> str:
    return hashlib.sha256(f"csrf:{session_token}".encode()).hexdigest()[:32]


def check_csrf(request: Request, supplied: str | None) -> None:
    """Cookie-authenticated writes must carry the page's token (header or form field)."""
    if request.headers.get("authorization") or request.headers.get("x-api-key"):
        return
    session = request.cookies.get(SESSION_COOKIE) or ""
    token = supplied or request.headers.get("x-csrf-token") or ""
    if not session or not hmac.compare_digest(token, csrf_token(session)):
        raise ForbiddenError(
            "the form is stale or came from another site; reload the page", loc="csrf"
        )


def authenticate(request: Request, *, cookie: bool) -> Principal:
    token = _token(request, cookie=cookie)
    if not token:
        raise AuthError(
            "an API key is required: send 'Authorization: Bearer <key>'",
            loc="headers.authorization",
        )
    principal = services(request).authenticate(token)
    request.state.principal = principal
    return principal


def require(role: str, *, cookie: bool = False) -> Callable[[Request], Principal]:
    """A dependency: the caller, if their role is `role` or above."""

    def dependency(request: Request) -> Principal:
        principal = authenticate(request, cookie=cookie)
        if not principal.allows(role):
            raise ForbiddenError(
                f"this needs the {role} role; your key has {principal.role}", loc="role"
            )
        return principal

    return dependency


Viewer = Depends(require("viewer"))
Analyst = Depends(require("analyst"))
Admin = Depends(require("admin"))
