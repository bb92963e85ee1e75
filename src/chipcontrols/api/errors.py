"""One error shape for every failure: {"error": {code, message, loc, ctx}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from chipcontrols.errors import ChipControlsError

log = logging.getLogger("chipcontrols.api")


class PayloadTooLarge(ChipControlsError):
    code = "payload_too_large"
    http_status = 413


class UnsupportedMediaType(ChipControlsError):
    code = "unsupported_media_type"
    http_status = 415


class MalformedBody(ChipControlsError):
    code = "malformed_json"
    http_status = 400


class ErrorDetail(BaseModel):
    code: str
    message: str
    loc: str | None = None
    ctx: dict[str, Any] = {}


class ErrorResponse(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in (
        (400, "Malformed JSON"),
        (401, "No valid API key"),
        (403, "The key's role does not allow this"),
        (404, "Not found"),
        (413, "Body larger than the limit"),
        (415, "Body is not application/json"),
        (422, "Invalid input"),
    )
}

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def error_body(code: str, message: str, loc: str | None = None, ctx: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "loc": loc, "ctx": ctx or {}}}


def _loc(parts: tuple[Any, ...] | list[Any]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def validation_error(exc: RequestValidationError) -> tuple[int, dict[str, Any]]:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        first = next(e for e in errors if e.get("type") == "json_invalid")
        detail = (first.get("ctx") or {}).get("error", "")
        return 400, error_body(
            "malformed_json",
            f"the body is not valid JSON{': ' + str(detail) if detail else ''}",
            "body",
        )
    simple = [
        {"loc": _loc(e.get("loc", ())), "message": str(e.get("msg", "")), "type": e.get("type")}
        for e in errors[:20]
    ]
    first = simple[0] if simple else {"loc": None, "message": "invalid input"}
    return 422, error_body("invalid_input", str(first["message"]), first["loc"], {"errors": simple})


def install(app: FastAPI, *, html: Any = None) -> None:
    """Register the handlers. `html(request, status, body)` renders web pages' errors."""

    def respond(request: Request, status: int, body: dict[str, Any]) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if html is not None and wants_html(request):
            response: Response = html(request, status, body)
            return response
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(ChipControlsError)
    async def _domain(request: Request, exc: ChipControlsError) -> Response:
        status = exc.http_status if 400 <= exc.http_status < 600 else 400
        if status >= 500:
            log.error("service error %s: %s", exc.code, exc.message)
        return respond(request, status, {"error": exc.to_dict()})

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        status, body = validation_error(exc)
        return respond(request, status, body)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 404:
            message = f"no such path {request.url.path!r}"
        if exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        return respond(request, exc.status_code, error_body(code, message, None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return respond(
            request,
            500,
            error_body("internal_error", "unexpected error; it has been logged", None),
        )


def wants_html(request: Request) -> bool:
    if request.url.path.startswith("/v1") or request.query_params.get("format") == "json":
        return False
    if request.headers.get("hx-request"):
        return True
    accept = request.headers.get("accept", "")
    return "text/html" in accept
