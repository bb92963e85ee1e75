"""Request limits, applied before any handler runs: body size and content type."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chipcontrols.api.errors import error_body
from chipcontrols.app_services.inputs import check_document
from chipcontrols.errors import InputError

JSON_TYPES = ("application/json",)
FORM_TYPES = ("application/x-www-form-urlencoded",)


class RequestLimits:
    """413 for a body over `max_bytes` (declared or streamed); 415 for a body of the wrong
    type: JSON under /v1, form data or JSON on the web pages; 422 for a NUL in the path or
    query, and for a JSON body holding a value no answer can rest on (NaN, Infinity, an
    integer beyond 64 bits, a lone surrogate, a NUL; see app_services.inputs); 400 for JSON
    nested too deeply to parse."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if b"\x00" in unquote_to_bytes(scope.get("query_string", b"")) or "\x00" in scope.get(
            "path", ""
        ):
            await _reply(
                send,
                422,
                error_body(
                    "invalid_input", "the URL may not contain a NUL character (%00)", "query"
                ),
            )
            return
        length = headers.get("content-length")
        if length is not None:
            if not length.strip().isdigit():
                await _reply(send, 400, error_body("bad_request", "bad Content-Length", "headers"))
                return
            if int(length) > self.max_bytes:
                await _too_large(send, self.max_bytes)
                return
        has_body = (length is not None and int(length) > 0) or "transfer-encoding" in headers
        if has_body and scope["method"] in ("POST", "PUT", "PATCH"):
            ctype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            allowed = JSON_TYPES if scope["path"].startswith("/v1") else FORM_TYPES + JSON_TYPES
            if ctype not in allowed:
                await _reply(
                    send,
                    415,
                    error_body(
                        "unsupported_media_type",
                        f"send the body as {' or '.join(allowed)}"
                        + (f", not {ctype}" if ctype else ""),
                        "headers.content-type",
                    ),
                )
                return
        if not has_body:
            await self.app(scope, receive, send)
            return
        # Read the whole body first (it is at most max_bytes): a body that grows past the
        # limit is refused before any handler sees a byte of it.
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await _too_large(send, self.max_bytes)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        ctype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if ctype in JSON_TYPES and body:
            problem = _json_problem(body)
            if problem is not None:
                await _reply(send, problem[0], problem[1])
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _json_problem(body: bytes) -> tuple[int, dict[str, Any]] | None:
    """(status, error body) for a JSON body that parses to values nothing can use; None
    when it is fine or malformed (the handler reports malformed JSON itself)."""
    try:
        doc = json.loads(body)
    except RecursionError:
        return 400, error_body("malformed_json", "the JSON is nested too deeply", "body")
    except ValueError:
        return None
    try:
        check_document(doc, loc="body")
    except InputError as exc:
        return 422, {"error": exc.to_dict()}
    except RecursionError:
        return 400, error_body("malformed_json", "the JSON is nested too deeply", "body")
    return None


async def _too_large(send: Send, limit: int) -> None:
    await _reply(
        send,
        413,
        error_body(
            "payload_too_large", f"the body is larger than {limit} bytes", "body", {"limit": limit}
        ),
    )


async def _reply(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
