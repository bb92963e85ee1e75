"""Security headers on every response: no sniffing, no framing, a strict Content Security
Policy on HTML, and no caching of anything answered to a caller who sent credentials."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chipcontrols.api.auth import SESSION_COOKIE

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        names = {k.lower() for k, _ in scope["headers"]}
        cookies = b";".join(v for k, v in scope["headers"] if k.lower() == b"cookie")
        credentials = (
            b"authorization" in names or b"x-api-key" in names or SESSION_COOKIE.encode() in cookies
        )

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in ALWAYS:
                    if name not in present:
                        headers.append((name, value))
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if ctype.startswith(b"text/html") and b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", CSP.encode()))
                if credentials or scope.get("path", "") == "/login":
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                    headers.append((b"vary", b"Cookie, Authorization"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
