"""The effective dates of Federal Register rules that changed the Entity List before their
publication date (`law/screening/_fr_effective_dates.yaml`). The Entity List prints each
entry's citation and publication date; an entry counts from its rule's effective date where that
is earlier. The file is part of the rulebook's version (content hash), read strictly, once."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

from chipcontrols.errors import LawError
from chipcontrols.rulebook import fields
from chipcontrols.rulebook.rulebook import LAW_DIR
from chipcontrols.rulebook.yamlio import load_yaml_file

FR_DATES_FILE = Path("screening") / "_fr_effective_dates.yaml"


def parse_effective_dates(raw: Any, *, loc: str) -> dict[str, dt.date]:
    """{Federal Register citation: the date its rule took effect}; unknown or missing keys,
    bad dates and a citation given twice are errors."""
    fields.keys(raw, loc=loc, required=("rules",), optional=())
    rules = raw["rules"]
    if not isinstance(rules, list) or not rules:
        raise LawError("'rules' must be a non-empty list", loc=f"{loc}:rules")
    out: dict[str, dt.date] = {}
    for i, rule in enumerate(rules):
        here = f"{loc}:rules[{i}]"
        fields.keys(
            rule,
            loc=here,
            required=("rule", "published", "effective", "cites", "source"),
            optional=("confidence",),
        )
        fields.string(rule["rule"], loc=f"{here}.rule")
        fields.date(rule["published"], loc=f"{here}.published")
        effective = fields.date(rule["effective"], loc=f"{here}.effective")
        source = rule["source"]
        fields.keys(
            source, loc=f"{here}.source", required=("citation", "url"), optional=("text", "note")
        )
        fields.string(source["citation"], loc=f"{here}.source.citation")
        fields.string(source["url"], loc=f"{here}.source.url")
        if rule.get("confidence") is not None:
            fields.choice(rule["confidence"], ("high", "medium", "low"), loc=f"{here}.confidence")
        for cite in fields.string_list(rule["cites"], loc=f"{here}.cites"):
            if cite in out:
                raise LawError(f"citation {cite!r} is given twice", loc=f"{here}.cites")
            out[cite] = effective
    return out


@cache
def fr_effective_dates(root: Path = LAW_DIR) -> dict[str, dt.date]:
    """{Federal Register citation: effective date} of `law/screening/_fr_effective_dates.yaml`."""
    raw = load_yaml_file(root / FR_DATES_FILE, error=LawError, trusted=True)
    return parse_effective_dates(raw, loc=FR_DATES_FILE.as_posix())
