"""Canonical JSON and hashes: the same document always gives the same bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from typing import Any


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def plain(data: Any) -> Any:
    """The document as plain JSON values (dates and sets become text and lists)."""
    return json.loads(canonical(data))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def now() -> str:
    """Now, UTC, to the microsecond, in a fixed-width form that sorts as text."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}"
