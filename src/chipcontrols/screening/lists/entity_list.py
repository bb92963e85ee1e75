"""The BIS Entity List (15 CFR part 744, Supplement No. 4).

Two shapes: rows as YAML/JSON (`name`, `aliases`, `addresses`, `country`,
`license_requirement`, `license_review_policy`, `federal_register: [{cite, date}]`,
`footnote`), as in our bundled snapshot; and a table with the official text's columns
(Country | Entity | License requirement | License review policy | Federal Register
citation) as CSV or tab-separated text, where the Entity cell holds the name, the a.k.a.
list and the addresses as printed.

The first dated citation is the listing date; later ones are amendments. A row may carry
`removed: {cite, date}`.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from chipcontrols.errors import DataError
from chipcontrols.rulebook.yamlio import load_yaml_text
from chipcontrols.screening.lists.common import (
    ReadResult,
    clean,
    country_code,
    csv_rows,
    parse_citations,
    read_text,
    slug,
    trailing_country,
    unique_ids,
)
from chipcontrols.screening.model import Address, Citation, ListEntry

LIST_NAME = "Entity List (EL) - Bureau of Industry and Security"
SOURCE_URL = (
    "https://www.ecfr.gov/current/title-15/subtitle-B/chapter-VII/subchapter-C/part-744/"
    "appendix-Supplement%20No.%204%20to%20Part%20744"
)
_ROW_KEYS = {
    "name",
    "aliases",
    "addresses",
    "country",
    "license_requirement",
    "license_review_policy",
    "federal_register",
    "footnote",
    "tags",
    "source",
    "transcription_note",
    "country_note",
    "affiliated_entities_listed_in_same_entry",
    "name_verified",
    "removed",
}
_ABBREV = {"co", "ltd", "inc", "corp", "no", "st", "rd", "ave", "tech", "mfg", "intl", "dr", "jr"}
_ADDRESS_START = re.compile(r"(?:\d|No\.|Room|Rm\.|Building|Bldg|Floor|Flat|Unit|Block|Suite|Zone)")
_LEGAL_PART = re.compile(r"^(?:Ltd|Limited|Inc|LLC|L\.L\.C|Co\b|Corp|GmbH|S\.A)")
_AKA_PAREN = re.compile(r"\s*\(a\.k\.a\.?,?\s*(?P<aka>[^)]*)\)")
_AKA_LIST = re.compile(
    r"^(?P<name>.+?),?\s+a\.k\.a\.,?\s+(?:the following\s+[\w-]+\s+alias(?:es)?:\s*)?(?P<rest>.*)$",
    re.S,
)


def read_entity_list(path: Path) -> ReadResult:
    text = read_text(path)
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        return _from_rows(path, text)
    return _from_table(path, text)


# ------------------------------------------------------------------ rows (YAML / JSON)


def _from_rows(path: Path, text: str) -> ReadResult:
    doc = load_yaml_text(text, loc=str(path), error=DataError)
    rows: Any = doc.get("entries") if isinstance(doc, dict) else doc
    if not isinstance(rows, list) or not rows:
        raise DataError("not Entity List rows: expected a list of entries", loc=str(path))
    entries: list[ListEntry] = []
    for i, row in enumerate(rows):
        loc = f"{path}:[{i}]"
        if not isinstance(row, dict) or not isinstance(row.get("name"), str):
            raise DataError("entry without a name", loc=loc)
        unknown = set(row) - _ROW_KEYS
        if unknown:
            raise DataError(f"unknown key {sorted(unknown)[0]!r} in Entity List row", loc=loc)
        entries.extend(_row_entries(row, loc))
    return ReadResult("bis_entity_list_rows", "bis_entity_list", unique_ids(entries), str(path))


def _citations(raw: Any, loc: str) -> tuple[Citation, ...]:
    out = []
    for c in raw or []:
        if not isinstance(c, dict) or "cite" not in c:
            raise DataError("federal_register items need 'cite' (and 'date')", loc=loc)
        try:
            date = dt.date.fromisoformat(str(c["date"])) if c.get("date") else None
        except ValueError:
            raise DataError(f"bad date {c.get('date')!r}", loc=loc) from None
        out.append(Citation(cite=str(c["cite"]), date=date))
    return tuple(out)


def _row_entries(row: dict[str, Any], loc: str) -> list[ListEntry]:
    cc = country_code(row.get("country"))
    cites = _citations(row.get("federal_register"), loc)
    removed = _citations([row["removed"]], loc) if row.get("removed") else ()
    addresses = tuple(_address(a, cc) for a in row.get("addresses") or [] if clean(a))
    extra: dict[str, str] = {}
    for key in ("tags",):
        if row.get(key):
            extra[key] = ",".join(str(t) for t in row[key])
    for key in ("source", "transcription_note", "country_note"):
        if row.get(key):
            extra[key] = str(row[key])
    if row.get("name_verified") is False:
        extra["name_verified"] = "false"
    try:
        footnotes = tuple(int(f) for f in row.get("footnote") or [])
    except (TypeError, ValueError):
        raise DataError("footnote must be a list of numbers", loc=loc) from None
    base = _entry(
        name=str(row["name"]),
        aliases=tuple(str(a) for a in row.get("aliases") or []),
        addresses=addresses,
        country=cc,
        requirement=clean(row.get("license_requirement")),
        policy=clean(row.get("license_review_policy")),
        footnotes=footnotes,
        citations=cites,
        removed=removed[0].date if removed else None,
        extra=extra,
    )
    out = [base]
    for n, text in enumerate(row.get("affiliated_entities_listed_in_same_entry") or [], start=1):
        name, aliases, addrs = parse_entity_cell(str(text))
        out.append(
            _entry(
                name=name,
                aliases=aliases,
                addresses=tuple(_address(a, cc) for a in addrs),
                country=cc,
                requirement=base.licence_requirement,
                policy=base.licence_review_policy,
                footnotes=footnotes,
                citations=cites,
                removed=base.removed_on,
                extra={**extra, "listed_in_entry_of": base.name},
                entry_id=f"{base.id}/affiliate-{n}",
            )
        )
    return out


def _address(raw: Any, default_country: str | None) -> Address:
    text = clean(raw) or ""
    return Address(full=text, country=trailing_country(text) or default_country)


def _entry(
    *,
    name: str,
    aliases: tuple[str, ...],
    addresses: tuple[Address, ...],
    country: str | None,
    requirement: str | None,
    policy: str | None,
    footnotes: tuple[int, ...],
    citations: tuple[Citation, ...],
    removed: dt.date | None,
    extra: dict[str, str],
    entry_id: str | None = None,
) -> ListEntry:
    dates = sorted({c.date for c in citations if c.date})
    countries = {a.country for a in addresses if a.country}
    if country:
        countries.add(country)
    return ListEntry(
        id=entry_id or f"bis-el:{country or 'xx'}:{slug(name)}",
        list="EL",
        list_name=LIST_NAME,
        schema="LegalEntity",
        name=name,
        aliases=tuple(a for a in aliases if a and a != name),
        addresses=addresses,
        countries=tuple(sorted(countries)),
        licence_requirement=requirement,
        licence_review_policy=policy,
        footnotes=footnotes,
        citations=citations,
        listed_on=dates[0] if dates else None,
        amended_on=tuple(dates[1:]),
        removed_on=removed,
        source_url=SOURCE_URL,
        extra=tuple(sorted(extra.items())),
    )


# ------------------------------------------------------------------ the official table


def parse_entity_cell(text: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Split an Entity cell into name, aliases and addresses, as the text prints them.

    'Name, a.k.a., the following two aliases: -A; and -B. Address; and Address.'
    'Name (a.k.a. A; B; and C), Address.'   'Name, Address.'
    """
    text = " ".join(text.split())
    aliases: list[str] = []
    m = _AKA_LIST.match(text)
    if m and not _AKA_PAREN.search(m.group("name")):
        name = m.group("name").strip()
        items = re.split(r";\s*(?:and\s+)?(?=[-\u2013\u2014])", m.group("rest"))
        for item in items[:-1]:
            aliases.append(item.strip(" -\u2013\u2014;"))
        last, address = _split_alias_tail(items[-1].strip(" -\u2013\u2014"))
        aliases.append(last)
        rest = address
    else:
        paren = _AKA_PAREN.search(text)
        if paren:
            aka = paren.group("aka")
            aliases.extend(a.strip() for a in re.split(r";\s*(?:and\s+)?", aka) if a.strip())
            name = text[: paren.start()].strip(" ,")
            rest = text[paren.end() :].strip(" ,")
        else:
            parts = text.split(", ")
            taken = 1
            while taken < len(parts) and _LEGAL_PART.match(parts[taken]):
                taken += 1
            name = ", ".join(parts[:taken])
            rest = ", ".join(parts[taken:])
    rest = rest.strip()
    if rest.lower().startswith("to include"):
        rest = ""
    addresses = tuple(
        a.strip(" .;") + ""
        for a in re.split(r";\s+and\s+|;\s+(?=[A-Z0-9])", rest)
        if a.strip(" .;")
    )
    name = name.rstrip(" ,")
    return name, tuple(_end(a) for a in aliases if a.strip()), addresses


def _end(text: str) -> str:
    """Drop a sentence's final period, not the period of 'Ltd.' or 'Co.'."""
    text = text.strip()
    word = text.rsplit(" ", 1)[-1].rstrip(".").lower()
    return text if word in _ABBREV else text.rstrip(".")


def _split_alias_tail(item: str) -> tuple[str, str]:
    """The last alias runs into the first address: split at the '. ' that ends the alias."""
    for m in re.finditer(r"\.\s+", item):
        before = item[: m.start()]
        after = item[m.end() :]
        word = before.rsplit(" ", 1)[-1].strip(",").lower()
        if word not in _ABBREV or _ADDRESS_START.match(after):
            return before.strip(), after.strip()
    return item.rstrip(". "), ""


def _from_table(path: Path, text: str) -> ReadResult:
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") >= first.count(",") else ","
    rows = csv_rows(text, loc=str(path), delimiter=delimiter)
    try:
        _, header = next(rows)
    except StopIteration:
        raise DataError("empty file: no header, no rows", loc=str(path)) from None
    cols = {h.strip().lower(): i for i, h in enumerate(header)}
    if "entity" not in cols or not any(k.startswith("licen") for k in cols):
        raise DataError(
            "not an Entity List table: need columns Country, Entity, License requirement, "
            "License review policy, Federal Register citation",
            loc=str(path),
        )

    def col(row: list[str], *names: str) -> str | None:
        for n in names:
            if n in cols and cols[n] < len(row):
                return clean(row[cols[n]])
        return None

    country: str | None = None
    entries = []
    for line, row in rows:
        if len(row) != len(header):
            raise DataError(
                f"row has {len(row)} cells, the header {len(header)}; the file may be truncated",
                loc=f"{path}:{line}",
            )
        country = col(row, "country") or country
        cell = col(row, "entity")
        if not cell:
            raise DataError("row without an Entity cell", loc=f"{path}:{line}")
        cc = country_code(country)
        name, aliases, addrs = parse_entity_cell(cell)
        cite_text = col(row, "federal register citation", "federal_register_citation")
        requirement = col(row, "license requirement", "licence requirement")
        footnotes = tuple(sorted({int(n) for n in re.findall(r"\[fn (\d)\]", requirement or "")}))
        entries.append(
            _entry(
                name=name,
                aliases=aliases,
                addresses=tuple(_address(a, cc) for a in addrs),
                country=cc,
                requirement=requirement,
                policy=col(row, "license review policy", "licence review policy"),
                footnotes=footnotes,
                citations=parse_citations(cite_text),
                removed=None,
                extra={"country_heading": country or ""},
            )
        )
    if not entries:
        raise DataError("no entries in file", loc=str(path))
    return ReadResult("bis_entity_list_table", "bis_entity_list", unique_ids(entries), str(path))
