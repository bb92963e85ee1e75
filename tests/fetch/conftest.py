"""Local servers for the fetch tests: an HTTP server serving recorded list copies (and
receiving webhooks), and a minimal SMTP server. No test touches the network."""

from __future__ import annotations

import hashlib
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from chipcontrols.screening.fetch.http import Fetcher

RECORDED = Path(__file__).parent / "recorded"


@dataclass
class Route:
    body: bytes
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    truncate_to: int | None = None  # announce the full length, send only this many bytes
    fail_times: int = 0  # answer 503 this many times first


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class LocalHTTP:
    url: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def serve(self, path: str, body: bytes | str, **kw: Any) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(data, **kw)
        return self.url + path

    def serve_file(self, path: str, name: str, **kw: Any) -> str:
        return self.serve(path, (RECORDED / name).read_bytes(), **kw)

    def got(self, method: str, path: str | None = None) -> list[Request]:
        return [r for r in self.requests if r.method == method and (path is None or r.path == path)]


def _handler(state: LocalHTTP) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _record(self) -> Request:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            req = Request(self.command, self.path, dict(self.headers.items()), body)
            state.requests.append(req)
            return req

        def do_POST(self) -> None:  # the webhook receiver
            self._record()
            route = state.routes.get(self.path)
            status = route.status if route else 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            self._record()
            route = state.routes.get(self.path)
            if route is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if route.fail_times > 0:
                route.fail_times -= 1
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if route.etag and self.headers.get("If-None-Match") == route.etag:
                self.send_response(304)
                self.send_header("ETag", route.etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(route.status)
            self.send_header("Content-Length", str(len(route.body)))
            if route.etag:
                self.send_header("ETag", route.etag)
            if route.last_modified:
                self.send_header("Last-Modified", route.last_modified)
            if route.truncate_to is not None:
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(route.body[: route.truncate_to])
                self.wfile.flush()
                self.close_connection = True
                return
            self.end_headers()
            self.wfile.write(route.body)

    return Handler


@pytest.fixture
def http_server() -> Iterator[LocalHTTP]:
    state = LocalHTTP(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class LocalSMTP:
    host: str
    port: int
    messages: list[dict[str, Any]] = field(default_factory=list)


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    store: LocalSMTP

    def _say(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self._say("220 localhost test SMTP")
        sender, rcpts = "", []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            cmd = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = cmd[:4].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250 localhost")
            elif verb == "MAIL":
                sender = cmd.split(":", 1)[1].strip()
                self._say("250 OK")
            elif verb == "RCPT":
                rcpts.append(cmd.split(":", 1)[1].strip())
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    line = self.rfile.readline().decode("utf-8", "replace")
                    if line in (".\r\n", ".\n", ""):
                        break
                    lines.append(line[1:] if line.startswith("..") else line)
                self.store.messages.append(
                    {"from": sender, "to": list(rcpts), "data": "".join(lines)}
                )
                rcpts = []
                self._say("250 OK queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            elif verb in ("RSET", "NOOP"):
                self._say("250 OK")
            else:
                self._say("502 not implemented")


@pytest.fixture
def smtp_server() -> Iterator[LocalSMTP]:
    store = LocalSMTP("127.0.0.1", 0)
    handler = type("H", (_SMTPHandler,), {"store": store})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    store.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield store
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    sleeps: list[float] = []
    with Fetcher(attempts=3, backoff=0.01, timeout=10, sleep=sleeps.append) as f:
        f.sleeps = sleeps  # type: ignore[attr-defined]
        yield f


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
