"""Listed entries as FollowTheMoney-compatible records, plus the fields that decide a licence."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from chipcontrols.errors import DataError

SCHEMAS = ("LegalEntity", "Organization", "Company", "Person", "Vessel", "Airplane", "Address")


@dataclass(frozen=True, slots=True)
class Address:
    full: str
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None  # ISO 3166 alpha-2

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in _asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Address:
        return cls(
            full=str(raw["full"]),
            city=raw.get("city"),
            state=raw.get("state"),
            postal_code=raw.get("postal_code"),
            country=raw.get("country"),
        )


@dataclass(frozen=True, slots=True)
class Citation:
    """A Federal Register (or other gazette) citation of a listing or an amendment."""

    cite: str
    date: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"cite": self.cite, "date": self.date.isoformat() if self.date else None}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Citation:
        return cls(cite=str(raw["cite"]), date=_date(raw.get("date")))


@dataclass(frozen=True, slots=True)
class Identifier:
    type: str
    value: str
    country: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in _asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Identifier:
        return cls(type=str(raw["type"]), value=str(raw["value"]), country=raw.get("country"))


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One listed party as published: names, places, and the list's own legal terms.

    `listed_on` / `amended_on` / `removed_on` date the entry; an entry counts on a date D
    when listed_on <= D (or unknown) and D < removed_on (or not removed).
    """

    id: str
    list: str  # short code: EL, SDN, DPL, UVL, MEU, ISN, ... or an FtM dataset name
    list_name: str
    schema: str
    name: str
    aliases: tuple[str, ...] = ()
    addresses: tuple[Address, ...] = ()
    countries: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    licence_requirement: str | None = None
    licence_review_policy: str | None = None
    footnotes: tuple[int, ...] = ()
    citations: tuple[Citation, ...] = ()
    listed_on: dt.date | None = None
    amended_on: tuple[dt.date, ...] = ()
    removed_on: dt.date | None = None
    remarks: str | None = None
    source_url: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def in_force(self, on: dt.date) -> bool:
        if self.listed_on is not None and on < self.listed_on:
            return False
        return not (self.removed_on is not None and on >= self.removed_on)

    def all_names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "list": self.list,
            "list_name": self.list_name,
            "schema": self.schema,
            "name": self.name,
            "aliases": list(self.aliases),
            "addresses": [a.to_dict() for a in self.addresses],
            "countries": list(self.countries),
            "programs": list(self.programs),
            "identifiers": [i.to_dict() for i in self.identifiers],
            "licence_requirement": self.licence_requirement,
            "licence_review_policy": self.licence_review_policy,
            "footnotes": list(self.footnotes),
            "citations": [c.to_dict() for c in self.citations],
            "listed_on": _iso(self.listed_on),
            "amended_on": [d.isoformat() for d in self.amended_on],
            "removed_on": _iso(self.removed_on),
            "remarks": self.remarks,
            "source_url": self.source_url,
            "extra": dict(self.extra),
        }
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ListEntry:
        try:
            return cls(
                id=str(raw["id"]),
                list=str(raw["list"]),
                list_name=str(raw["list_name"]),
                schema=str(raw["schema"]),
                name=str(raw["name"]),
                aliases=tuple(str(a) for a in raw.get("aliases", ())),
                addresses=tuple(Address.from_dict(a) for a in raw.get("addresses", ())),
                countries=tuple(str(c) for c in raw.get("countries", ())),
                programs=tuple(str(p) for p in raw.get("programs", ())),
                identifiers=tuple(Identifier.from_dict(i) for i in raw.get("identifiers", ())),
                licence_requirement=raw.get("licence_requirement"),
                licence_review_policy=raw.get("licence_review_policy"),
                footnotes=tuple(int(f) for f in raw.get("footnotes", ())),
                citations=tuple(Citation.from_dict(c) for c in raw.get("citations", ())),
                listed_on=_date(raw.get("listed_on")),
                amended_on=tuple(d for d in (_date(x) for x in raw.get("amended_on", ())) if d),
                removed_on=_date(raw.get("removed_on")),
                remarks=raw.get("remarks"),
                source_url=raw.get("source_url"),
                extra=tuple(sorted((str(k), str(v)) for k, v in raw.get("extra", {}).items())),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"malformed list entry: {exc}", loc=str(raw.get("id", "?"))) from None

    def content_hash(self) -> str:
        """Hash of everything the entry says; a judgement on a hit is tied to it."""
        return "e-" + sha256_json(self.to_dict())[:20]


def sha256_json(data: Any) -> str:
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _asdict(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _date(raw: Any) -> dt.date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    return dt.date.fromisoformat(str(raw)[:10])
