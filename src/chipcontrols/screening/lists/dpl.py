"""The BIS Denied Persons List text file (tab-separated, quoted, with a header row).

A denial order counts from its Effective_Date through its Expiration_Date.
"""

from __future__ import annotations

import datetime as dt
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
    unique_ids,
)
from chipcontrols.screening.model import Address, ListEntry

LIST_NAME = "Denied Persons List (DPL) - Bureau of Industry and Security"
SOURCE_URL = "https://www.bis.doc.gov/index.php/policy-guidance/lists-of-parties-of-concern/denied-persons-list"
HEADER = (
    "Name",
    "Street_Address",
    "City",
    "State",
    "Country",
    "Postal_Code",
    "Effective_Date",
    "Expiration_Date",
    "Standard_Order",
    "Last_Update",
    "Action",
    "FR_Citation",
)


def read_dpl(path: Path) -> ReadResult:
    text = read_text(path)
    rows = csv_rows(text, loc=str(path), delimiter="\t")
    try:
        _, header = next(rows)
    except StopIteration:
        raise DataError("empty file: no header, no rows", loc=str(path)) from None
    header = [h.strip() for h in header]
    if tuple(header[:2]) != HEADER[:2] or "Effective_Date" not in header:
        raise DataError("not a Denied Persons List file: header differs", loc=str(path))
    entries = []
    for line, row in rows:
        if len(row) != len(header):
            raise DataError(
                f"row has {len(row)} cells, the header {len(header)}; the file may be truncated",
                loc=f"{path}:{line}",
            )
        cells = dict(zip(header, row, strict=True))
        loc = f"{path}:{line}"
        name = clean(cells.get("Name"))
        if not name:
            raise DataError("row without a name", loc=loc)
        cc = country_code(clean(cells.get("Country")))
        parts = [clean(cells.get(k)) for k in ("Street_Address", "City", "State", "Postal_Code")]
        full = ", ".join(p for p in [*parts, cc] if p)
        address = Address(
            full=full,
            city=clean(cells.get("City")),
            state=clean(cells.get("State")),
            postal_code=clean(cells.get("Postal_Code")),
            country=cc,
        )
        effective = parse_date(cells.get("Effective_Date"), loc=f"{loc}:Effective_Date")
        expires = parse_date(cells.get("Expiration_Date"), loc=f"{loc}:Expiration_Date")
        updated = parse_date(cells.get("Last_Update"), loc=f"{loc}:Last_Update")
        extra = {
            k.lower(): v
            for k in ("Standard_Order", "Action", "FR_Citation")
            if (v := clean(cells[k]))
        }
        entries.append(
            ListEntry(
                id=f"bis-dpl:{slug(name)}:{effective.isoformat() if effective else 'undated'}",
                list="DPL",
                list_name=LIST_NAME,
                schema="LegalEntity",
                name=name,
                addresses=(address,) if full else (),
                countries=(cc,) if cc else (),
                licence_requirement="Denial of export privileges (see the denial order)",
                citations=parse_citations(clean(cells.get("FR_Citation"))),
                listed_on=effective,
                amended_on=(updated,) if updated and updated != effective else (),
                removed_on=expires + dt.timedelta(days=1) if expires else None,
                source_url=SOURCE_URL,
                extra=tuple(sorted(extra.items())),
            )
        )
    if not entries:
        raise DataError("no entries in file", loc=str(path))
    return ReadResult("bis_dpl_txt", "bis_dpl", unique_ids(entries), str(path))
