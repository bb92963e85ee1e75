"""The Consolidated Screening List (trade.gov): CSV (28 columns, or 29 with `_id`) and JSON.

Each row keeps its list (`source` -> EL, DPL, SDN, ...), the licence requirement and
policy, the Federal Register notice, the start and end dates, addresses and alt names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chipcontrols.errors import DataError
from chipcontrols.screening.lists.common import (
    ReadResult,
    clean,
    country_code,
    csv_rows,
    list_code,
    parse_citations,
    parse_date,
    read_text,
    slug,
    split_list,
    unique_ids,
)
from chipcontrols.screening.model import Address, Identifier, ListEntry

COLUMNS_2019 = [
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "title",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "standard_order",
    "license_requirement",
    "license_policy",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "remarks",
    "source_list_url",
    "alt_names",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
    "source_information_url",
    "ids",
]
COLUMNS_CURRENT = ["_id", *COLUMNS_2019]
REQUIRED = ("source", "name")

_SCHEMAS = {"individual": "Person", "entity": "Organization", "vessel": "Vessel"}
_SCHEMAS["aircraft"] = "Airplane"
_EXTRA_FIELDS = (
    "federal_register_notice",
    "title",
    "standard_order",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "dates_of_birth",
    "places_of_birth",
    "citizenships",
    "nationalities",
    "source_information_url",
)


def read_csl_csv(path: Path) -> ReadResult:
    text = read_text(path)
    rows = csv_rows(text, loc=str(path))
    try:
        _, header = next(rows)
    except StopIteration:
        raise DataError("empty file: no header, no rows", loc=str(path)) from None
    header = [h.strip() for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DataError(
            f"not a Consolidated Screening List CSV: no column {missing[0]!r}", loc=str(path)
        )
    layout = "current" if "_id" in header else "2019"
    entries: list[ListEntry] = []
    for line, row in rows:
        if [c.strip() for c in row] == header:
            continue  # a repeated header line (as in files joined from parts)
        if len(row) != len(header):
            raise DataError(
                f"row has {len(row)} cells, the header {len(header)}; the file may be truncated",
                loc=f"{path}:{line}",
            )
        entries.append(_entry(dict(zip(header, row, strict=True)), loc=f"{path}:{line}"))
    if not entries:
        raise DataError("no entries in file", loc=str(path))
    return ReadResult(f"csl_csv_{layout}", "csl", unique_ids(entries), str(path))


def read_csl_json(path: Path) -> ReadResult:
    text = read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"corrupt JSON ({exc.msg}); the file may be truncated", loc=f"{path}:{exc.lineno}"
        ) from None
    rows: Any = doc.get("results") if isinstance(doc, dict) else doc
    if not isinstance(rows, list):
        raise DataError("not a Consolidated Screening List JSON: no 'results' list", loc=str(path))
    entries: list[ListEntry] = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not row.get("name") or not row.get("source"):
            raise DataError("result without 'name' and 'source'", loc=f"{path}:results[{i}]")
        entries.append(_entry(_flatten_json(row), loc=f"{path}:results[{i}]"))
    if not entries:
        raise DataError("no entries in file", loc=str(path))
    return ReadResult("csl_json", "csl", unique_ids(entries), str(path))


def _flatten_json(row: dict[str, Any]) -> dict[str, Any]:
    """JSON results carry lists and address objects; bring them to the CSV cell shapes."""
    out: dict[str, Any] = dict(row)
    out["_id"] = row.get("_id") or row.get("id")
    for key in ("programs", "alt_names", "citizenships", "dates_of_birth", "nationalities"):
        if isinstance(row.get(key), list):
            out[key] = "; ".join(str(v) for v in row[key] if v)
    if isinstance(row.get("places_of_birth"), list):
        out["places_of_birth"] = "; ".join(str(v) for v in row["places_of_birth"] if v)
    addresses = row.get("addresses")
    if isinstance(addresses, list):
        out["addresses"] = addresses
    ids = row.get("ids")
    if isinstance(ids, list):
        out["ids"] = ids
    if isinstance(row.get("source"), dict):
        out["source"] = row["source"].get("full_name") or row["source"].get("code") or ""
    return out


def _addresses(raw: Any) -> tuple[Address, ...]:
    if isinstance(raw, list):  # JSON address objects
        out = []
        for a in raw:
            if not isinstance(a, dict):
                continue
            parts = [clean(a.get(k)) for k in ("address", "city", "state", "postal_code")]
            cc = country_code(clean(a.get("country")))
            full = ", ".join(p for p in [*parts, cc] if p)
            if full:
                out.append(
                    Address(
                        full=full,
                        city=clean(a.get("city")),
                        state=clean(a.get("state")),
                        postal_code=clean(a.get("postal_code")),
                        country=cc,
                    )
                )
        return tuple(out)
    result = []
    for part in split_list(clean(raw)):
        cc = country_code(part.rsplit(",", 1)[-1]) if "," in part or len(part) == 2 else None
        result.append(Address(full=part, country=cc))
    return tuple(result)


def _identifiers(raw: Any) -> tuple[Identifier, ...]:
    if isinstance(raw, list):
        return tuple(
            Identifier(
                type=str(i.get("type") or "id"),
                value=str(i.get("number") or ""),
                country=country_code(clean(i.get("country"))),
            )
            for i in raw
            if isinstance(i, dict) and i.get("number")
        )
    out = []
    for part in split_list(clean(raw)):
        bits = [b.strip() for b in part.split(",")]
        if len(bits) >= 3:  # "CN, 91110000..., Unified Social Credit Code (USCC)"
            out.append(Identifier(type=bits[-1], value=bits[1], country=country_code(bits[0])))
        else:
            out.append(Identifier(type="id", value=part))
    return tuple(out)


def _entry(row: dict[str, Any], *, loc: str) -> ListEntry:
    source = clean(row.get("source")) or ""
    code = list_code(source)
    name = clean(row.get("name"))
    if not name:
        raise DataError("row without a name", loc=loc)
    number = clean(row.get("entity_number"))
    rid = clean(row.get("_id"))
    addresses = _addresses(row.get("addresses"))
    start = parse_date(row.get("start_date"), loc=f"{loc}:start_date")
    end = parse_date(row.get("end_date"), loc=f"{loc}:end_date")
    if code == "DPL" and end is not None:
        end = end.fromordinal(end.toordinal() + 1)  # a denial order runs through its end date
    if rid:
        entry_id = f"csl:{code}:{rid}"
    elif number:
        entry_id = f"csl:{code}:{number}"
    else:
        entry_id = f"csl:{code}:{slug(name)}"
    countries = {a.country for a in addresses if a.country}
    for key in ("citizenships", "nationalities"):
        for c in split_list(clean(row.get(key))):
            cc = country_code(c)
            if cc:
                countries.add(cc)
    extra = {k: v for k in _EXTRA_FIELDS if (v := clean(row.get(k)))}
    return ListEntry(
        id=entry_id,
        list=code,
        list_name=source,
        schema=_SCHEMAS.get((clean(row.get("type")) or "").lower(), "LegalEntity"),
        name=name,
        aliases=tuple(a for a in split_list(clean(row.get("alt_names"))) if a != name),
        addresses=addresses,
        countries=tuple(sorted(countries)),
        programs=split_list(clean(row.get("programs"))),
        identifiers=_identifiers(row.get("ids")),
        licence_requirement=clean(row.get("license_requirement")),
        licence_review_policy=clean(row.get("license_policy")),
        citations=parse_citations(clean(row.get("federal_register_notice"))),
        listed_on=start,
        removed_on=end,
        remarks=clean(row.get("remarks")),
        source_url=clean(row.get("source_list_url")),
        extra=tuple(sorted(extra.items())),
    )
