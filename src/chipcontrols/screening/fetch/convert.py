"""Converters from a published form that no list reader takes to one that a reader takes.

    eu_fsf_csv             EU Financial Sanctions Files CSV 1.1 (';', one row per name,
                           address, birth date, ... of an entity)      -> FollowTheMoney lines
    uk_sanctions_csv       UK Sanctions List CSV ("Report Date:" line, one row per name)
                                                                        -> FollowTheMoney lines
    ofac_consolidated_csv  OFAC's consolidated (non-SDN) legacy CSV files, read with the SDN
                           reader and re-labelled as the consolidated list -> FollowTheMoney
    ecfr_entity_list_xml   eCFR XML of 15 CFR 744 Supplement No. 4 (GPOTABLE rows)
                                                  -> the Entity List table (tab-separated)

Each takes the folder of downloaded files and returns (file to import, the list's own date
or None). Cells are read by column name, so columns a file adds are ignored and a missing
required column is a DataError (the file is not imported).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from chipcontrols.errors import DataError
from chipcontrols.screening.lists import read_list
from chipcontrols.screening.lists.common import clean, country_code, read_text
from chipcontrols.screening.model import Address, ListEntry

Converted = tuple[Path, dt.date | None]


def entries_to_ftm(entries: list[ListEntry], dataset: str, target: Path) -> Path:
    """Entries as FollowTheMoney JSON lines that `read_ftm` reads back."""
    with target.open("w", encoding="utf-8") as fh:
        for e in entries:
            props: dict[str, list[str]] = {"name": [e.name]}
            if e.aliases:
                props["alias"] = list(e.aliases)
            if e.countries:
                props["country"] = list(e.countries)
            if e.addresses:
                props["address"] = [a.full for a in e.addresses]
            if e.remarks:
                props["notes"] = [e.remarks]
            if e.source_url:
                props["sourceUrl"] = [e.source_url]
            sanction: dict[str, list[str]] = {"authority": [e.list_name]}
            if e.programs:
                sanction["program"] = list(e.programs)
            if e.listed_on:
                sanction["listingDate"] = [e.listed_on.isoformat()]
            if e.removed_on:
                sanction["endDate"] = [e.removed_on.isoformat()]
            obj = {
                "id": e.id,
                "schema": e.schema,
                "datasets": [dataset],
                "properties": {
                    **props,
                    "sanctions": [
                        {"schema": "Sanction", "id": f"{e.id}-s", "properties": sanction}
                    ],
                },
            }
            fh.write(json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n")
    return target


def _dict_rows(
    text: str, *, delimiter: str, loc: str, need: tuple[str, ...]
) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise DataError(f"corrupt CSV ({exc}); the file may be truncated", loc=loc) from None
    header = reader.fieldnames or []
    missing = [c for c in need if c not in header]
    if missing:
        raise DataError(f"no column {missing[0]!r}: not the expected file", loc=loc)
    width = len(header)
    for n, row in enumerate(rows, start=2):
        if None in row or any(v is None for v in row.values()):
            raise DataError(
                f"row has not {width} cells; the file may be truncated", loc=f"{loc}:{n}"
            )
    return rows


def _iso_date(text: str | None, fmts: tuple[str, ...]) -> dt.date | None:
    value = clean(text)
    if not value:
        return None
    for fmt in fmts:
        try:
            return dt.datetime.strptime(value[:10] if fmt == "%Y-%m-%d" else value, fmt).date()
        except ValueError:
            continue
    return None


# ------------------------------------------------------------------ EU FSF


EU_NEED = ("Entity_LogicalId", "NameAlias_WholeName")
EU_LIST = "EU Financial Sanctions (consolidated list) - European Commission"
EU_URL = "https://data.europa.eu/data/datasets/consolidated-list-of-persons-groups-and-entities-subject-to-eu-financial-sanctions"
_EU_SCHEMAS = {"person": "Person", "enterprise": "Organization"}


def eu_fsf_csv(folder: Path, files: list[str]) -> Converted:
    path = folder / files[0]
    rows = _dict_rows(read_text(path), delimiter=";", loc=str(path), need=EU_NEED)
    groups: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        lid = clean(r.get("Entity_LogicalId"))
        if lid:
            groups.setdefault(lid, []).append(r)
    entries = []
    for lid, grp in groups.items():
        names = list(dict.fromkeys(n for r in grp if (n := clean(r.get("NameAlias_WholeName")))))
        if not names:
            raise DataError(f"entity {lid} has no name", loc=str(path))
        countries = {
            cc
            for r in grp
            for key in ("Address_CountryIso2Code", "Citizenship_CountryIso2Code")
            if (cc := country_code(clean(r.get(key))))
        }
        addresses = []
        for r in grp:
            parts = [clean(r.get(k)) for k in ("Address_Street", "Address_City", "Address_ZipCode")]
            cc = country_code(clean(r.get("Address_CountryIso2Code")))
            full = ", ".join(p for p in [*parts, clean(r.get("Address_CountryDescription"))] if p)
            if full:
                addresses.append(Address(full=full, country=cc))
        dates = [
            d
            for r in grp
            if (d := _iso_date(r.get("Entity_Regulation_PublicationDate"), ("%Y-%m-%d",)))
            or (d := _iso_date(r.get("Entity_DesignationDate"), ("%Y-%m-%d",)))
        ]
        first = grp[0]
        programs = list(
            dict.fromkeys(p for r in grp if (p := clean(r.get("Entity_Regulation_Programme"))))
        )
        remarks = "; ".join(
            dict.fromkeys(
                t
                for r in grp
                for k in ("Entity_Regulation_NumberTitle", "Entity_Remark")
                if (t := clean(r.get(k)))
            )
        )
        kind = (clean(first.get("Entity_SubjectType_ClassificationCode")) or "").lower()
        entries.append(
            ListEntry(
                id=f"eu-fsf:{lid}",
                list="EU-FSF",
                list_name=EU_LIST,
                schema=_EU_SCHEMAS.get(kind, "LegalEntity"),
                name=names[0],
                aliases=tuple(names[1:]),
                addresses=tuple(dict.fromkeys(addresses)),
                countries=tuple(sorted(countries)),
                programs=tuple(programs),
                listed_on=min(dates) if dates else None,
                remarks=remarks or None,
                source_url=clean(first.get("Entity_Regulation_PublicationUrl")) or EU_URL,
            )
        )
    if not entries:
        raise DataError("no entities in file", loc=str(path))
    generated = _iso_date(rows[0].get("fileGenerationDate"), ("%Y-%m-%d", "%d/%m/%Y"))
    return entries_to_ftm(entries, "eu_fsf", folder / "eu_fsf.ftm.json"), generated


# ------------------------------------------------------------------ UK Sanctions List


UK_NEED = ("Unique ID", "Name 6", "Name type")
UK_LIST = "UK Sanctions List - Foreign, Commonwealth & Development Office"
UK_URL = "https://www.gov.uk/government/publications/the-uk-sanctions-list"
_UK_SCHEMAS = {"individual": "Person", "entity": "Organization", "ship": "Vessel"}
_REPORT_DATE = re.compile(r"^\ufeff?Report Date:\s*(.+?)\s*$", re.I)


def uk_sanctions_csv(folder: Path, files: list[str]) -> Converted:
    path = folder / files[0]
    text = read_text(path)
    first, _, rest = text.partition("\n")
    report = _REPORT_DATE.match(first.strip().strip('"').rstrip(","))
    if report:
        text = rest
    rows = _dict_rows(text, delimiter=",", loc=str(path), need=UK_NEED)
    groups: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        uid = clean(r.get("Unique ID"))
        if uid:
            groups.setdefault(uid, []).append(r)
    entries = []
    for uid, grp in groups.items():
        named = []
        for r in grp:
            parts = [clean(r.get(f"Name {i}")) for i in (1, 2, 3, 4, 5, 6)]
            full = " ".join(p for p in parts if p)
            if full:
                primary = (clean(r.get("Name type")) or "").lower() == "primary name"
                named.append((not primary, full))
        if not named:
            raise DataError(f"designation {uid} has no name", loc=str(path))
        named.sort(key=lambda p: p[0])  # the primary name first, the rest in file order
        names = list(dict.fromkeys(n for _, n in named))
        countries = {
            cc
            for r in grp
            for key in ("Address Country", "Nationality(/ies)")
            for part in (clean(r.get(key)) or "").split("|")
            if (cc := country_code(part.strip()))
        }
        addresses = []
        for r in grp:
            parts = [clean(r.get(f"Address Line {i}")) for i in range(1, 7)]
            parts += [clean(r.get("Address Postal Code")), clean(r.get("Address Country"))]
            full = ", ".join(p for p in parts if p)
            if full:
                addresses.append(
                    Address(full=full, country=country_code(clean(r.get("Address Country"))))
                )
        first_row = grp[0]
        designated = [
            d for r in grp if (d := _iso_date(r.get("Date Designated"), ("%d/%m/%Y", "%Y-%m-%d")))
        ]
        kind = (clean(first_row.get("Designation Type")) or "").lower()
        remarks = "; ".join(
            t for k in ("Sanctions Imposed", "Other Information") if (t := clean(first_row.get(k)))
        )
        entries.append(
            ListEntry(
                id=f"uk-sl:{uid}",
                list="UK-SL",
                list_name=UK_LIST,
                schema=_UK_SCHEMAS.get(kind, "LegalEntity"),
                name=names[0],
                aliases=tuple(names[1:]),
                addresses=tuple(dict.fromkeys(addresses)),
                countries=tuple(sorted(countries)),
                programs=tuple(dict.fromkeys(p for r in grp if (p := clean(r.get("Regime Name"))))),
                listed_on=min(designated) if designated else None,
                remarks=remarks or None,
                source_url=UK_URL,
            )
        )
    if not entries:
        raise DataError("no designations in file", loc=str(path))
    as_of = _iso_date(report.group(1), ("%d-%b-%Y", "%d/%m/%Y")) if report else None
    return entries_to_ftm(entries, "uk_sanctions_list", folder / "uk_sl.ftm.json"), as_of


# ------------------------------------------------------------------ OFAC consolidated


OFAC_CONS_LIST = "OFAC Consolidated Sanctions List (non-SDN) - Treasury Department"
OFAC_CONS_URL = "https://ofac.treasury.gov/consolidated-sanctions-list-non-sdn-lists"


def ofac_consolidated_csv(folder: Path, files: list[str]) -> Converted:
    """The non-SDN files have the SDN files' columns; read them with the SDN reader and
    name the consolidated list (not SDN) as the list and its source."""
    from dataclasses import replace

    result = read_list(folder / files[0], "ofac_sdn")
    entries = [
        replace(
            e,
            id="ofac-cons:" + e.id.split(":", 1)[1],
            list="OFAC-CONS",
            list_name=OFAC_CONS_LIST,
            source_url=OFAC_CONS_URL,
        )
        for e in result.entries
    ]
    return entries_to_ftm(entries, "ofac_consolidated", folder / "ofac_cons.ftm.json"), None


# ------------------------------------------------------------------ eCFR Entity List


EL_HEADER = [
    "Country",
    "Entity",
    "License requirement",
    "License review policy",
    "Federal Register citation",
]


def _cell_text(el: ET.Element) -> str:
    parts: list[str] = []

    def walk(node: ET.Element) -> None:
        if node.tag == "SU":  # a footnote mark in the licence requirement column
            parts.append(f" [fn {''.join(node.itertext()).strip()}] ")
        else:
            if node.text:
                parts.append(node.text)
            for child in node:
                walk(child)
        if node is not el and node.tail:
            parts.append(node.tail)

    walk(el)
    return " ".join("".join(parts).split())


def ecfr_entity_list_xml(folder: Path, files: list[str]) -> Converted:
    path = folder / files[0]
    try:
        root = ET.fromstring(path.read_bytes())
    except ET.ParseError as exc:
        raise DataError(f"corrupt XML ({exc}); the file may be truncated", loc=str(path)) from None
    tables = [t for t in root.iter("GPOTABLE")]
    if not tables:
        raise DataError("no GPOTABLE in the eCFR XML: not Supplement No. 4", loc=str(path))
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(EL_HEADER)
    count = 0
    for table in tables:
        for row in table.iter("ROW"):
            cells = [_cell_text(e) for e in row.findall("ENT")]
            cells = (cells + [""] * 5)[:5]
            if not cells[1]:
                continue
            writer.writerow(cells)
            count += 1
    if not count:
        raise DataError("no Entity List rows in the eCFR XML", loc=str(path))
    target = folder / "entity_list.tsv"
    target.write_text(out.getvalue(), "utf-8")
    return target, None


CONVERTERS: dict[str, Callable[[Path, list[str]], Converted]] = {
    "eu_fsf_csv": eu_fsf_csv,
    "uk_sanctions_csv": uk_sanctions_csv,
    "ofac_consolidated_csv": ofac_consolidated_csv,
    "ecfr_entity_list_xml": ecfr_entity_list_xml,
}


def convert(name: str | None, folder: Path, files: list[str]) -> Converted:
    if name is None:
        return folder / files[0], None
    func = CONVERTERS.get(name)
    if func is None:
        raise DataError(f"unknown converter {name!r}", loc="official_lists.yaml")
    return func(folder, files)


__all__ = ["CONVERTERS", "convert", "entries_to_ftm"]
