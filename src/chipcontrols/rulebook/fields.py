"""Strict readers for the fields of law files: each error names the key and the fix.

Shared by every law loader (rule and list files, the investment-screening regimes).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar

from chipcontrols.errors import LawError


def keys(raw: Any, *, loc: str, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    if not isinstance(raw, Mapping):
        raise LawError("expected a mapping", loc=loc)
    unknown = set(raw) - set(required) - set(optional)
    if unknown:
        allowed = ", ".join((*required, *optional))
        raise LawError(f"unknown key(s) {sorted(map(str, unknown))}; allowed: {allowed}", loc=loc)
    for key in required:
        if key not in raw or raw[key] is None:
            raise LawError(f"missing required key '{key}'", loc=loc)


def string(raw: Any, *, loc: str, pattern: re.Pattern[str] | None = None) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise LawError("expected a non-empty string", loc=loc)
    if pattern and not pattern.match(raw):
        raise LawError(f"{raw!r} does not match {pattern.pattern}", loc=loc)
    return raw.strip()


def opt_string(raw: Any, *, loc: str) -> str | None:
    return None if raw is None else string(raw, loc=loc)


def date(raw: Any, *, loc: str) -> dt.date:
    if isinstance(raw, dt.datetime):
        raise LawError("expected a date YYYY-MM-DD, not a timestamp", loc=loc)
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    raise LawError(f"bad date {raw!r}; write YYYY-MM-DD", loc=loc)


def choice(raw: Any, choices: tuple[str, ...], *, loc: str) -> str:
    if raw not in choices:
        raise LawError(f"{raw!r} is not one of {', '.join(choices)}", loc=loc)
    return str(raw)


def number(raw: Any, *, loc: str) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise LawError("expected a number", loc=loc)
    return float(raw)


def string_list(raw: Any, *, loc: str, pattern: re.Pattern[str] | None = None) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise LawError("expected a non-empty list of strings", loc=loc)
    return tuple(string(v, loc=f"{loc}[{i}]", pattern=pattern) for i, v in enumerate(raw))


class Dated(Protocol):
    @property
    def effective(self) -> dt.date: ...

    @property
    def status(self) -> str: ...


V = TypeVar("V", bound=Dated)


def in_force_at(versions: Sequence[V], as_of: dt.date) -> V | None:
    """The version in force on `as_of`: the latest in force or removed effective on or before
    it, ignoring announced ones; None before the first version or after a removal."""
    current: V | None = None
    for version in versions:
        if version.effective > as_of:
            break
        if version.status != "announced":
            current = version
    if current is None or current.status == "removed":
        return None
    return current
