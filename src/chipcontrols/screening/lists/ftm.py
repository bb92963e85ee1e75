"""FollowTheMoney JSON lines, as OpenSanctions exports them (one entity per line).

Matchable entities (Person, Organization, Company, LegalEntity, Vessel, Airplane) become
entries. Sanction entities, flat (`entity` -> target id) or nested under a target's
`sanctions` property, give programs, listing and end dates and the authority.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from chipcontrols.errors import DataError
from chipcontrols.screening.lists.common import ReadResult, country_code, read_text
from chipcontrols.screening.model import Address, Identifier, ListEntry

MATCHABLE = ("Person", "Organization", "Company", "LegalEntity", "PublicBody", "Vessel", "Airplane")
_ID_PROPS = (
    "registrationNumber",
    "taxNumber",
    "innCode",
    "ogrnCode",
    "leiCode",
    "swiftBic",
    "imoNumber",
    "idNumber",
    "passportNumber",
    "uscCode",
)


def _props(entity: dict[str, Any], name: str) -> list[Any]:
    values = entity.get("properties", {}).get(name, [])
    return values if isinstance(values, list) else [values]


def _date(values: list[Any]) -> dt.date | None:
    dates = []
    for v in values:
        text = str(v)
        try:
            if len(text) >= 10:
                dates.append(dt.date.fromisoformat(text[:10]))
            elif len(text) == 7:
                dates.append(dt.date.fromisoformat(text + "-01"))
            elif len(text) == 4:
                dates.append(dt.date(int(text), 1, 1))
        except ValueError:
            continue
    return min(dates) if dates else None


def read_ftm(path: Path) -> ReadResult:
    text = read_text(path)
    entities: list[dict[str, Any]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(
                f"corrupt JSON line ({exc.msg}); the file may be truncated", loc=f"{path}:{n}"
            ) from None
        if not isinstance(obj, dict) or "schema" not in obj or "id" not in obj:
            raise DataError("not a FollowTheMoney entity (no id/schema)", loc=f"{path}:{n}")
        if not isinstance(obj.get("properties", {}), dict):
            raise DataError("'properties' is not an object", loc=f"{path}:{n}")
        entities.append(obj)
    sanctions: dict[str, list[dict[str, Any]]] = {}
    addresses: dict[str, dict[str, Any]] = {}
    for obj in entities:
        if obj["schema"] == "Sanction":
            for target in _props(obj, "entity"):
                tid = target if isinstance(target, str) else target.get("id")
                if tid:
                    sanctions.setdefault(str(tid), []).append(obj)
        elif obj["schema"] == "Address":
            addresses[str(obj["id"])] = obj
    entries = []
    datasets: set[str] = set()
    for obj in entities:
        if obj["schema"] not in MATCHABLE:
            continue
        entries.append(_entry(obj, sanctions.get(str(obj["id"]), []), addresses))
        datasets.update(obj.get("datasets", []))
    if not entries:
        raise DataError("no matchable entities in file", loc=str(path))
    dataset = sorted(datasets)[0] if len(datasets) == 1 else "ftm"
    return ReadResult("ftm_jsonl", dataset, entries, str(path))


def _entry(
    obj: dict[str, Any], flat: list[dict[str, Any]], addresses: dict[str, dict[str, Any]]
) -> ListEntry:
    names = [str(n) for n in _props(obj, "name")]
    if not names:
        names = [str(obj.get("caption") or obj["id"])]
    aliases = [str(a) for a in (*_props(obj, "alias"), *_props(obj, "previousName"))]
    aliases.extend(names[1:])
    nested = [s for s in _props(obj, "sanctions") if isinstance(s, dict)]
    sanction_objs = flat + nested
    countries = set()
    for prop in ("country", "jurisdiction", "nationality", "citizenship", "mainCountry"):
        for c in _props(obj, prop):
            cc = country_code(str(c))
            if cc:
                countries.add(cc)
    addrs: list[Address] = []
    for a in _props(obj, "address"):
        addrs.append(Address(full=str(a)))
    for a in _props(obj, "addressEntity"):
        ent = a if isinstance(a, dict) else addresses.get(str(a))
        if ent:
            full = _props(ent, "full") or _props(ent, "street")
            cc = country_code(str((_props(ent, "country") or [""])[0]))
            if full:
                addrs.append(Address(full=str(full[0]), country=cc))
    programs: list[str] = []
    listed = []
    ends = []
    authority = None
    for s in sanction_objs:
        programs.extend(str(p) for p in (*_props(s, "program"), *_props(s, "programId")))
        d = _date([*_props(s, "listingDate"), *_props(s, "startDate")])
        if d:
            listed.append(d)
        ends.append(_date(_props(s, "endDate")))
        authority = authority or next(iter(_props(s, "authority")), None)
    removed = None
    if ends and all(ends):
        removed = max(e for e in ends if e)
    identifiers = tuple(Identifier(type=p, value=str(v)) for p in _ID_PROPS for v in _props(obj, p))
    datasets = obj.get("datasets") or ["ftm"]
    extra = (
        {"topics": ",".join(str(t) for t in _props(obj, "topics"))} if _props(obj, "topics") else {}
    )
    return ListEntry(
        id=str(obj["id"]),
        list=str(datasets[0]),
        list_name=str(authority or datasets[0]),
        schema=str(obj["schema"]),
        name=names[0],
        aliases=tuple(dict.fromkeys(a for a in aliases if a != names[0])),
        addresses=tuple(addrs),
        countries=tuple(sorted(countries)),
        programs=tuple(dict.fromkeys(programs)),
        identifiers=identifiers,
        listed_on=min(listed) if listed else _date(_props(obj, "createdAt")),
        removed_on=removed,
        remarks=next((str(n) for n in _props(obj, "notes")), None),
        source_url=next((str(u) for u in _props(obj, "sourceUrl")), None),
        extra=tuple(sorted(extra.items())),
    )
