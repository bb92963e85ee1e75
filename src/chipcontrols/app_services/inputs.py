"""Checks every document a user gives (API body, web form, CLI file, batch line) passes
before any engine or database sees it: the values JSON and YAML can carry but no answer
can rest on, each refused as bad input naming where it is.

- a number that is not finite (NaN, Infinity; YAML .nan, .inf; a decimal beyond float
  range), or an integer beyond 64 bits;
- text with a NUL character or a lone surrogate (neither can be stored or hashed);
- a name longer than MAX_NAME characters, any text longer than MAX_TEXT;
- nesting deeper than MAX_DEPTH, or a document of more than MAX_NODES values (an alias
  bomb read from YAML is refused here before anything expands it).

The walk visits each container once per path and counts every visit, so a document whose
parts are shared (YAML aliases) is counted as it would be expanded, and a cycle (a
recursive alias) is refused by the depth limit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from chipcontrols.errors import InputError

INT_LIMIT = 2**63  # integers are 64-bit signed everywhere they may be stored
ID_MAX = 2**31 - 1  # database ids (INTEGER on PostgreSQL)
MAX_DEPTH = 64
MAX_NODES = 200_000
MAX_NAME = 500
MAX_TEXT = 20_000
NAME_KEYS = frozenset({"name", "product", "user", "label", "aliases", "exporters"})


def _path(loc: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{loc}[{key}]"
    return f"{loc}.{key}" if loc else str(key)


def check_text(text: str, *, loc: str, limit: int = MAX_TEXT) -> str:
    """Text that can be stored and hashed: no NUL, no lone surrogate, within `limit`."""
    if "\x00" in text:
        raise InputError("text may not contain a NUL character", loc=loc)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            "text contains a lone surrogate (an unpaired \\ud800-\\udfff escape); "
            "send valid Unicode",
            loc=loc,
        ) from None
    if len(text) > limit:
        raise InputError(f"text is longer than {limit} characters", loc=loc)
    return text


def check_number(value: int | float, *, loc: str) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if not -INT_LIMIT <= value < INT_LIMIT:
            raise InputError("the integer is out of range (beyond 64 bits)", loc=loc)
        return
    if not math.isfinite(value):
        raise InputError(
            "expected a finite number (NaN and Infinity are not numbers here; "
            "leave the field out when it is unknown)",
            loc=loc,
        )


def check_document(doc: Any, *, loc: str = "body") -> Any:
    """Raise InputError at the first value no answer can rest on; return `doc` unchanged."""
    budget = [MAX_NODES]

    def walk(value: Any, where: str, depth: int, name: bool) -> None:
        budget[0] -= 1
        if budget[0] < 0:
            raise InputError(
                f"the document has more than {MAX_NODES} values (are YAML aliases expanding it?)",
                loc=loc,
            )
        if isinstance(value, str):
            check_text(value, loc=where, limit=MAX_NAME if name else MAX_TEXT)
        elif isinstance(value, int | float):
            check_number(value, loc=where)
        elif isinstance(value, Mapping | list | tuple):
            if depth >= MAX_DEPTH:
                raise InputError(
                    f"the document is nested deeper than {MAX_DEPTH} levels (or refers to itself)",
                    loc=where,
                )
            if isinstance(value, Mapping):
                for key, item in value.items():
                    if isinstance(key, str):
                        check_text(key, loc=where, limit=MAX_NAME)
                    elif isinstance(key, int | float):
                        check_number(key, loc=where)
                    walk(item, _path(where, key), depth + 1, str(key) in NAME_KEYS)
            else:
                for i, item in enumerate(value):
                    walk(item, _path(where, i), depth + 1, name)

    walk(doc, loc, 0, False)
    return doc


def check_id(value: int, *, loc: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ID_MAX:
        raise InputError(f"an id is a whole number from 1 to {ID_MAX}", loc=loc)
    return value


def parse_int(raw: str | None, *, loc: str, default: int, low: int = 0, high: int = ID_MAX) -> int:
    """A whole number from a query string, within [low, high]."""
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip()
    if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 20:
        raise InputError(f"{loc} is a whole number from {low} to {high}", loc=loc)
    value = int(text)
    if not low <= value <= high:
        raise InputError(f"{loc} is a whole number from {low} to {high}", loc=loc)
    return value


JURISDICTION_ALIASES = {"UK": "GB"}


def check_jurisdictions(raw: list[str] | tuple[str, ...], known: set[str], *, loc: str) -> set[str]:
    """The jurisdiction codes asked for, each one the rulebook has entries for ('UK' is read
    as 'GB'); an unknown code is an error naming the valid ones, never an empty answer."""
    out = set()
    for code in raw:
        text = str(code).strip().upper()
        text = JURISDICTION_ALIASES.get(text, text)
        if text not in known:
            raise InputError(
                f"unknown jurisdiction {str(code)[:20]!r}; use one of: {', '.join(sorted(known))}"
                + (" (UK is read as GB)" if "GB" in known else ""),
                loc=loc,
            )
        out.add(text)
    return out


def rulebook_jurisdictions(rulebook: Any) -> set[str]:
    """The jurisdictions a rulebook has entries for."""
    return (
        {str(e.jurisdiction) for e in rulebook.entries.values()}
        if isinstance(rulebook.entries, Mapping)
        else {str(e.jurisdiction) for e in rulebook.entries}
    )
