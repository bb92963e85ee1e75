"""Readers for the copies of official lists in the forms public projects publish them.

    parsed_json      {"list_id", "source_file", "extracted", "entities": [{name, aliases, country,
                     address, effective_date, federal_register, notes}]}: BIS Entity List, MEU
                     List, Denied Persons List, OFAC NS-CMIC List
    dod_1260h        DoD section 1260H list CSV (Name, Clean Name, Alias, Previous Name,
                     Parent Name, Start date, End date)
    eu_833_annex     EU Regulation 833/2014 annexes CSV (FtM-style columns); Annex IV rows only
    meti_eul         Japan METI End User List CSV (country, name, name_native_script,
                     concern_codes)
    cn_countermeasures  China's counter-measure lists CSV (MOFCOM Unreliable Entity List and
                     export-control lists, MFA counter-sanctions, ...)

Dates: an entry counts on D when listed on or before D and not removed on or before D. The
listing date is the entry's own effective date where the data gives one, else the first
dated Federal Register citation (or the list's start date). `effective_dates` maps a
citation to the date its rule took effect where that is earlier than its publication
(law/screening/_fr_effective_dates.yaml, read by `fr_dates`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path

from chipcontrols.errors import DataError
from chipcontrols.screening.lists.common import (
    ReadResult,
    clean,
    country_code,
    csv_rows,
    parse_citations,
    parse_date,
    read_text,
    slug,
    split_list,
    trailing_country,
    unique_ids,
)
from chipcontrols.screening.lists.law import RestrictedList, restricted_list
from chipcontrols.screening.model import Address, Citation, ListEntry

# The `list_id` of a parsed list file -> its dataset; each list's code, name and url are law
# data (law/screening/_lists.yaml).
_PARSED_DATASETS = {
    "bis-entity-list": "bis_entity_list",
    "bis-meu": "bis_meu",
    "bis-dpl": "bis_dpl",
    "ofac-nscmic": "ofac_ns_cmic",
}


def _code(law: RestrictedList) -> str:
    if law.code is None:
        raise DataError(f"the law names no code for list {law.dataset!r}", loc=law.dataset)
    return law.code


def _parsed_list(list_id: str) -> tuple[str, str, str, str]:
    """(dataset, list code, list name, source url) of a parsed list file's `list_id`."""
    dataset = _PARSED_DATASETS[list_id]
    law = restricted_list(dataset)
    if law.url is None:
        raise DataError(f"the law names no url for list {dataset!r}", loc=list_id)
    return dataset, _code(law), law.name, law.url


_FOOTNOTE_RE = re.compile(r"(?<=[)\.R])\s*([1-5])\s*$")
_EXPIRES_RE = re.compile(r"Expires:\s*(\d{4}-\d{2}-\d{2})")
_ADDRESS_SPLIT_RE = re.compile(r";\s*(?:and\s+)?|\s+and\s+(?=(?:No\.|\d|Room|Building|Floor))")


def _listing(
    citations: tuple[Citation, ...],
    effective: dt.date | None,
    effective_dates: Mapping[str, dt.date],
) -> tuple[dt.date | None, tuple[dt.date, ...]]:
    """(listing date, amendment dates): the effective date where known, else the first cite."""
    dates = sorted({effective_dates.get(c.cite, c.date) for c in citations if c.date})
    if effective is not None:
        return effective, tuple(d for d in dates if d > effective)
    return (dates[0] if dates else None), tuple(dates[1:])


def _addresses(text: str | None, country: str | None) -> tuple[Address, ...]:
    if not text:
        return ()
    out = []
    for part in _ADDRESS_SPLIT_RE.split(text):
        part = clean(part)
        if part and len(part) > 2:
            out.append(Address(full=part, country=trailing_country(part) or country))
    return tuple(out)


def read_parsed_json(
    path: Path, effective_dates: Mapping[str, dt.date] | None = None
) -> ReadResult:
    """BIS / OFAC lists as parsed into {list_id, entities: [...]} JSON."""
    try:
        doc = json.loads(read_text(path))
        list_id = str(doc["list_id"])
        rows = doc["entities"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise DataError("not a parsed list file ({list_id, entities})", loc=str(path)) from None
    if list_id not in _PARSED_DATASETS or not isinstance(rows, list):
        raise DataError(f"unknown list_id {list_id!r}", loc=str(path))
    dataset, code, list_name, url = _parsed_list(list_id)
    eff = effective_dates or {}
    entries: list[ListEntry] = []
    for i, row in enumerate(rows):
        loc = f"{path}:entities[{i}]"
        name = clean(row.get("name"))
        if not name:
            raise DataError("entry without a name", loc=loc)
        cc = country_code(row.get("country"))
        notes = clean(row.get("notes"))
        cites = parse_citations(row.get("federal_register"))
        effective = parse_date(row.get("effective_date"), loc=loc)
        listed, amended = _listing(cites, effective, eff)
        requirement = None
        footnotes: tuple[int, ...] = ()
        removed = None
        extra: dict[str, str] = {}
        if code == "EL" and notes:
            m = _FOOTNOTE_RE.search(notes)
            if m:
                footnotes = (int(m.group(1)),)
                notes = notes[: m.start()].rstrip()
            requirement, notes = notes, None
        elif code == "DPL" and notes:
            m = _EXPIRES_RE.search(notes)
            if m:
                # a denial order runs through its expiration date: removed the day after
                removed = dt.date.fromisoformat(m.group(1)) + dt.timedelta(days=1)
        if row.get("country") and not cc:
            extra["country_as_printed"] = str(row["country"])
        addresses = _addresses(clean(row.get("address")), cc)
        countries = {a.country for a in addresses if a.country} | ({cc} if cc else set())
        entries.append(
            ListEntry(
                id=f"{_ID_PREFIX[code]}:{cc or 'xx'}:{slug(name)}",
                list=code,
                list_name=list_name,
                schema="LegalEntity",
                name=name,
                aliases=tuple(a for a in (clean(x) for x in row.get("aliases") or []) if a),
                addresses=addresses,
                countries=tuple(sorted(countries)),
                licence_requirement=requirement,
                footnotes=footnotes,
                citations=cites,
                listed_on=listed,
                amended_on=amended,
                removed_on=removed,
                remarks=notes,
                source_url=url,
                extra=tuple(sorted(extra.items())),
            )
        )
    extracted = None
    try:
        extracted = dt.date.fromisoformat(str(doc.get("extracted")))
    except ValueError:
        extracted = None
    return ReadResult("parsed_json", dataset, unique_ids(entries), str(path), extracted)


_ID_PREFIX = {"EL": "bis-el", "MEU": "bis-meu", "DPL": "bis-dpl", "CMIC": "ofac-cmic"}


def _csv_dicts(path: Path) -> list[tuple[int, dict[str, str]]]:
    text = read_text(path)
    rows = csv_rows(text, loc=str(path))
    header: list[str] | None = None
    out = []
    for line, row in rows:
        if header is None:
            header = [h.strip() for h in row]
            continue
        if row == header:
            continue
        if len(row) != len(header):
            raise DataError(
                f"row has {len(row)} cells, the header {len(header)}", loc=f"{path}:{line}"
            )
        out.append((line, dict(zip(header, row, strict=True))))
    if header is None:
        raise DataError("empty CSV file", loc=str(path))
    return out


def _need(header_row: dict[str, str], cols: tuple[str, ...], path: Path) -> None:
    missing = [c for c in cols if c not in header_row]
    if missing:
        raise DataError(f"missing column {missing[0]!r}", loc=str(path))


def read_dod_1260h(path: Path) -> ReadResult:
    """DoD 'Chinese military companies' (NDAA FY2021 s. 1260H)."""
    rows = _csv_dicts(path)
    if rows:
        _need(rows[0][1], ("Name", "Clean Name", "Alias", "Start date", "End date"), path)
    law = restricted_list("dod_1260h")
    entries = []
    for line, r in rows:
        loc = f"{path}:{line}"
        name = clean(r.get("Clean Name")) or clean(r["Name"])
        if not name:
            raise DataError("row without a name", loc=loc)
        aliases = [clean(r.get("Name", "").rstrip("*"))]
        aliases += list(split_list(r.get("Alias"))) + list(split_list(r.get("Previous Name")))
        extra = {}
        if clean(r.get("Parent Name")):
            extra["parent"] = str(clean(r.get("Parent Name")))
        if clean(r.get("Note")):
            extra["note"] = str(clean(r.get("Note")))
        entries.append(
            ListEntry(
                id=f"dod-1260h:{slug(name)}",
                list=_code(law),
                list_name=law.name,
                schema="Company",
                name=name,
                aliases=tuple(dict.fromkeys(a for a in aliases if a and a != name)),
                countries=("CN",),
                listed_on=parse_date(r.get("Start date"), loc=loc),
                removed_on=parse_date(r.get("End date"), loc=loc),
                source_url=clean(r.get("Source Url")),
                extra=tuple(sorted(extra.items())),
            )
        )
    return ReadResult("dod_1260h", "dod_1260h", unique_ids(entries), str(path))


def _eu_date(value: str | None, loc: str) -> dt.date | None:
    text = clean(value)
    if not text:
        return None
    try:
        d, m, y = (int(p) for p in text.split("."))
        return dt.date(y, m, d)
    except ValueError:
        return parse_date(text, loc=loc)


def read_eu_833_annex_iv(path: Path) -> ReadResult:
    """EU Regulation 833/2014 Annex IV (dual-use and advanced-technology end users)."""
    rows = _csv_dicts(path)
    if rows:
        _need(rows[0][1], ("annex", "recordId", "name", "alias", "startDate", "address"), path)
    law = restricted_list("eu_833_annex_iv")
    entries = []
    for line, r in rows:
        if r["annex"].strip() != "IV":
            continue
        loc = f"{path}:{line}"
        name = clean(r["name"])
        if not name:
            raise DataError("row without a name", loc=loc)
        aliases = [*split_list(r.get("alias")), *split_list(r.get("previousName"))]
        aliases += list(split_list(r.get("weakAlias")))
        addresses = tuple(
            Address(full=a, country=trailing_country(a)) for a in split_list(r.get("address"))
        )
        countries = {a.country for a in addresses if a.country}
        cc = country_code(r.get("country"))
        if cc:
            countries.add(cc)
        entries.append(
            ListEntry(
                id=f"eu-833-iv:{r['recordId'].strip()}:{slug(name)[:40]}",
                list=_code(law),
                list_name=law.name,
                schema=clean(r.get("schema")) or "LegalEntity",
                name=name,
                aliases=tuple(dict.fromkeys(a for a in aliases if a != name)),
                addresses=addresses,
                countries=tuple(sorted(countries)),
                listed_on=_eu_date(r.get("startDate"), loc),
                remarks=clean(r.get("notes")),
                source_url=law.url,
            )
        )
    return ReadResult("eu_833_annex", "eu_833_annex_iv", unique_ids(entries), str(path))


METI_CONCERNS = {
    "B": "biological weapons",
    "C": "chemical weapons",
    "M": "missiles",
    "N": "nuclear weapons",
    "CW": "conventional weapons",
}


def read_meti_eul(path: Path) -> ReadResult:
    """Japan METI End User List: English name, name in native script, concern codes."""
    rows = _csv_dicts(path)
    if rows:
        _need(rows[0][1], ("country", "name", "name_native_script", "concern_codes"), path)
    law = restricted_list("jp_meti_eul")
    entries = []
    for line, r in rows:
        loc = f"{path}:{line}"
        name = clean(r["name"])
        if not name:
            raise DataError("row without a name", loc=loc)
        native = clean(r.get("name_native_script"))
        cc = country_code(r.get("country"))
        codes = [c.strip() for c in (r.get("concern_codes") or "").split(",") if c.strip()]
        entries.append(
            ListEntry(
                id=f"jp-meti-eul:{cc or 'xx'}:{slug(name)}",
                list=_code(law),
                list_name=law.name,
                schema="LegalEntity",
                name=name,
                aliases=(native,) if native and native != name else (),
                countries=(cc,) if cc else (),
                programs=tuple(codes),
                remarks="concerns: " + ", ".join(METI_CONCERNS.get(c, c) for c in codes)
                if codes
                else None,
                source_url=law.url,
            )
        )
    return ReadResult("meti_eul", "jp_meti_eul", unique_ids(entries), str(path))


CN_RISK_NOTE = (
    "a Chinese measure: dealing with this party is a risk for a buyer or seller in China "
    "(Chinese law may prohibit or restrict the transaction there); it is not a US or EU "
    "licence requirement"
)


def _cn_list_code(body: str, name: str) -> tuple[str, str]:
    low = name.lower()
    if name == "UEL":
        return "CN-UEL", "Unreliable Entity List - Ministry of Commerce (China)"
    if "export control" in low and "watch" in low:
        return "CN-ECWL", "Export Control Watch List - Ministry of Commerce (China)"
    if "export control" in low:
        return "CN-ECCL", "Export Control Control List - Ministry of Commerce (China)"
    label = f"{name or 'counter-measures'} - {body or 'China'}"
    return "CN-CM", f"Counter-measures (China): {label}"


def _cn_date(value: str | None, loc: str) -> dt.date | None:
    text = clean(value)
    if not text:
        return None
    try:
        d, m, y = (int(p) for p in text.split("."))
    except ValueError:
        return parse_date(text, loc=loc)
    if y < 100:
        y += 2000
    return dt.date(y, m, d)


def read_cn_countermeasures(path: Path) -> ReadResult:
    """China's counter-measure lists (MOFCOM UEL and export-control lists, MFA, TAO)."""
    rows = _csv_dicts(path)
    if rows:
        _need(rows[0][1], ("Type", "Name", "Alias", "Chinese name", "Body", "List", "Date"), path)
    entries = []
    for line, r in rows:
        loc = f"{path}:{line}"
        name = clean(r["Name"]) or clean(r.get("Chinese name"))
        if not name:
            raise DataError("row without a name", loc=loc)
        code, list_name = _cn_list_code(clean(r.get("Body")) or "", clean(r.get("List")) or "")
        aliases = [*split_list(r.get("Alias")), clean(r.get("Chinese name"))]
        cc = country_code(r.get("Country"))
        schema = {"Company": "Company", "Person": "Person"}.get(r["Type"].strip(), "Organization")
        entries.append(
            ListEntry(
                id=f"cn-cm:{code.lower()}:{slug(name)}",
                list=code,
                list_name=list_name,
                schema=schema,
                name=name,
                aliases=tuple(dict.fromkeys(a for a in aliases if a and a != name)),
                addresses=tuple(Address(full=a) for a in split_list(r.get("Address"))),
                countries=(cc,) if cc else (),
                listed_on=_cn_date(r.get("Date"), loc),
                removed_on=_cn_date(r.get("End date"), loc),
                remarks=clean(r.get("Summary")),
                source_url=clean(r.get("Source URL")),
                extra=(("risk", CN_RISK_NOTE), ("body", clean(r.get("Body")) or "")),
            )
        )
    return ReadResult("cn_countermeasures", "cn_countermeasures", unique_ids(entries), str(path))
