from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from chipcontrols.app_services import Services
from tests.servicekit import sqlite_svc

__all__ = ["sqlite_svc"]

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@dataclass
class Api:
    client: TestClient
    svc: Services
    keys: dict[str, str]

    def headers(self, role: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"} if role else {}


@pytest.fixture
def api(sqlite_svc: Services) -> Iterator[Api]:
    from chipcontrols.api.app import create_app

    keys = {"admin": sqlite_svc.admin_key}  # type: ignore[attr-defined]
    for role in ("viewer", "analyst"):
        keys[role] = sqlite_svc.create_user(f"{role}1", role, actor="test")["api_key"]
    with TestClient(create_app(sqlite_svc), raise_server_exceptions=False) as client:
        yield Api(client, sqlite_svc, keys)
