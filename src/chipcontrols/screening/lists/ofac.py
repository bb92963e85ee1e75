"""OFAC's legacy SDN files: sdn.csv with add.csv, alt.csv and sdn_comments.csv beside it.

The files have no header. sdn.csv: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign,
Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks. add.csv: ent_num, Add_num, Address,
City/State/Province/Postal Code, Country, Add_remarks. alt.csv: ent_num, alt_num, alt_type,
alt_name, alt_remarks. sdn_comments.csv: ent_num, the rest of a long Remarks cell.
"""

from __future__ import annotations

import re
from pathlib import Path

from chipcontrols.errors import DataError
from chipcontrols.screening.lists.common import (
    ReadResult,
    clean,
    country_code,
    csv_rows,
    read_text,
)
from chipcontrols.screening.model import Address, ListEntry

LIST_NAME = "Specially Designated Nationals (SDN) - Treasury Department"
SOURCE_URL = "https://sanctionslist.ofac.treas.gov/Home/SdnList"
_SCHEMAS = {"individual": "Person", "vessel": "Vessel", "aircraft": "Airplane"}
_NATIONALITY_RE = re.compile(r"(?:Nationality|Citizen|nationality country)\s+([A-Za-z ,.'-]+?)[;.]")


def _rows(path: Path, width: int) -> list[tuple[int, list[str]]]:
    text = read_text(path).rstrip("\x1a\r\n ")
    out = []
    for line, row in csv_rows(text, loc=str(path)):
        if row == ["\x1a"]:
            continue
        if len(row) != width:
            raise DataError(
                f"row has {len(row)} cells, expected {width}; the file may be truncated "
                "or not an OFAC legacy CSV",
                loc=f"{path}:{line}",
            )
        if not row[0].strip().isdigit():
            raise DataError("first cell is not an OFAC entity number", loc=f"{path}:{line}")
        out.append((line, row))
    return out


def read_sdn(path: Path) -> ReadResult:
    if path.name.lower() in ("add.csv", "alt.csv", "sdn_comments.csv"):
        raise DataError(
            "import sdn.csv; add.csv, alt.csv and sdn_comments.csv are read from beside it",
            loc=str(path),
        )
    rows = _rows(path, 12)
    if not rows:
        raise DataError("no entries in file", loc=str(path))
    folder = path.parent
    addresses: dict[str, list[Address]] = {}
    aliases: dict[str, list[str]] = {}
    comments: dict[str, str] = {}
    warnings: list[str] = []
    add_path = _sibling(folder, "add.csv")
    alt_path = _sibling(folder, "alt.csv")
    com_path = _sibling(folder, "sdn_comments.csv")
    if add_path:
        for _, row in _rows(add_path, 6):
            parts = [clean(row[2]), clean(row[3]), clean(row[4])]
            full = ", ".join(p for p in parts if p)
            if full:
                addresses.setdefault(row[0].strip(), []).append(
                    Address(full=full, country=country_code(clean(row[4])))
                )
    else:
        warnings.append("add.csv not found beside sdn.csv: no addresses")
    if alt_path:
        for _, row in _rows(alt_path, 5):
            name = clean(row[3])
            if name:
                aliases.setdefault(row[0].strip(), []).append(name)
    else:
        warnings.append("alt.csv not found beside sdn.csv: no aliases")
    if com_path:
        for _, row in _rows(com_path, 2):
            comments[row[0].strip()] = row[1]
    entries = []
    for _, row in rows:
        num = row[0].strip()
        name = clean(row[1])
        if not name:
            raise DataError("entry without a name", loc=f"{path}:ent_num {num}")
        remarks = (row[11] or "") + comments.get(num, "")
        remarks_text = clean(remarks)
        addrs = tuple(addresses.get(num, ()))
        countries = {a.country for a in addrs if a.country}
        for m in _NATIONALITY_RE.finditer(remarks_text or ""):
            cc = country_code(m.group(1))
            if cc:
                countries.add(cc)
        programs = tuple(p.strip(" []") for p in (clean(row[3]) or "").split("] [") if p.strip())
        extra = {
            k: v
            for k, v in zip(
                ("title", "call_sign", "vessel_type", "tonnage", "grt", "vessel_flag", "owner"),
                (clean(c) for c in row[4:11]),
                strict=True,
            )
            if v
        }
        entries.append(
            ListEntry(
                id=f"ofac-sdn:{num}",
                list="SDN",
                list_name=LIST_NAME,
                schema=_SCHEMAS.get((clean(row[2]) or "").lower(), "Organization"),
                name=name,
                aliases=tuple(a for a in aliases.get(num, ()) if a != name),
                addresses=addrs,
                countries=tuple(sorted(countries)),
                programs=programs,
                remarks=remarks_text,
                source_url=SOURCE_URL,
                extra=tuple(sorted(extra.items())),
            )
        )
    ids = [e.id for e in entries]
    if len(set(ids)) != len(ids):
        raise DataError("the same ent_num appears twice", loc=str(path))
    return ReadResult("ofac_sdn_csv", "ofac_sdn", entries, str(path), warnings=warnings)


def _sibling(folder: Path, name: str) -> Path | None:
    for candidate in (folder / name, folder / name.upper()):
        if candidate.is_file():
            return candidate
    return None
