"""A real server on 127.0.0.1 and headless Chromium (Debian's) driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chipcontrols.app_services import Services
from tests.servicekit import IN_CI, make_services

CHROMIUM = os.environ.get("CHIPCONTROLS_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not path:
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message + "; CI must run the browser tests", pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if IN_CI:
            pytest.fail("the playwright package is missing", pytrace=False)
        pytest.skip("the playwright package is missing")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=executable, args=ARGS)
        try:
            yield instance
        finally:
            instance.close()


@dataclass
class Server:
    url: str
    svc: Services
    key: str
    home: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    import uvicorn

    from chipcontrols.api.app import create_app

    home = tmp_path / "home"
    monkeypatch.setenv("CHIPCONTROLS_HOME", str(home))
    svc = make_services(home)
    key = svc.start()
    assert key is not None
    port = _free_port()
    config = uvicorn.Config(create_app(svc), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", svc, key, home)
    finally:
        instance.should_exit = True
        thread.join(timeout=15)
        svc.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(base_url=server.url)
    context.set_default_timeout(20_000)
    # a submission that runs a determination may take minutes on a busy CI machine
    context.set_default_navigation_timeout(300_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def sign_in(page: Any, server: Server, start: str = "/") -> None:
    page.goto(start)
    assert "/login" in page.url
    page.fill("input[name=api_key]", server.key)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url
