"""The restricted-party lists as the law names them (`law/screening/_lists.yaml`): each list's
code and name as its entries carry them, where it is published, and the bundled copies of it
with the publication each reproduces. The file is part of the rulebook's version (content hash),
so a change of a list's name or citation is a new rulebook version. Read once (cached)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from chipcontrols.errors import LawError
from chipcontrols.rulebook import fields
from chipcontrols.rulebook.rulebook import LAW_DIR
from chipcontrols.rulebook.yamlio import load_yaml_file

LISTS_FILE = Path("screening") / "_lists.yaml"


@dataclass(frozen=True)
class Copy:
    """One bundled copy of a list: its file, the date of its text and what it reproduces."""

    file: str
    as_of: dt.date
    active: bool
    publication: str
    url: str
    completeness: str
    chip_rows: bool = False


@dataclass(frozen=True)
class RestrictedList:
    dataset: str
    name: str
    code: str | None
    url: str | None
    copies: tuple[Copy, ...]


def _bool(raw: object, *, loc: str) -> bool:
    if not isinstance(raw, bool):
        raise LawError("must be true or false", loc=loc)
    return raw


def parse_lists(raw: object, *, loc: str) -> dict[str, RestrictedList]:
    fields.keys(raw, loc=loc, required=("lists",), optional=())
    assert isinstance(raw, dict)
    body = raw["lists"]
    if not isinstance(body, dict) or not body:
        raise LawError("'lists' must be a non-empty mapping", loc=f"{loc}:lists")
    out: dict[str, RestrictedList] = {}
    for dataset, spec in body.items():
        here = f"{loc}:lists.{dataset}"
        fields.keys(spec, loc=here, required=("name", "copies"), optional=("code", "url"))
        copies: list[Copy] = []
        if not isinstance(spec["copies"], list) or not spec["copies"]:
            raise LawError("'copies' must be a non-empty list", loc=f"{here}.copies")
        for i, c in enumerate(spec["copies"]):
            cloc = f"{here}.copies[{i}]"
            fields.keys(
                c,
                loc=cloc,
                required=("file", "as_of", "active", "publication", "url", "completeness"),
                optional=("chip_rows",),
            )
            copies.append(
                Copy(
                    file=fields.string(c["file"], loc=f"{cloc}.file"),
                    as_of=fields.date(c["as_of"], loc=f"{cloc}.as_of"),
                    active=_bool(c["active"], loc=f"{cloc}.active"),
                    publication=fields.string(c["publication"], loc=f"{cloc}.publication"),
                    url=fields.string(c["url"], loc=f"{cloc}.url"),
                    completeness=fields.string(c["completeness"], loc=f"{cloc}.completeness"),
                    chip_rows=_bool(c.get("chip_rows", False), loc=f"{cloc}.chip_rows"),
                )
            )
        out[str(dataset)] = RestrictedList(
            dataset=str(dataset),
            name=fields.string(spec["name"], loc=f"{here}.name"),
            code=fields.opt_string(spec.get("code"), loc=f"{here}.code"),
            url=fields.opt_string(spec.get("url"), loc=f"{here}.url"),
            copies=tuple(copies),
        )
    return out


@cache
def restricted_lists(root: Path = LAW_DIR) -> dict[str, RestrictedList]:
    """The lists of `law/screening/_lists.yaml`, by dataset."""
    path = root / LISTS_FILE
    return parse_lists(
        load_yaml_file(path, error=LawError, trusted=True), loc=LISTS_FILE.as_posix()
    )


def restricted_list(dataset: str) -> RestrictedList:
    try:
        return restricted_lists()[dataset]
    except KeyError:
        raise LawError(f"no list {dataset!r}", loc=LISTS_FILE.as_posix()) from None
