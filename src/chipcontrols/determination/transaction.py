"""The transaction file: items, parties with roles, route, end uses; checked strictly."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pycountry

from chipcontrols.catalog import Catalog, load_catalog
from chipcontrols.errors import InputError
from chipcontrols.model.items import Item, parse_item
from chipcontrols.rulebook.rulebook import Rulebook
from chipcontrols.screening.ownership import parse_owners

ROLES = ("exporter", "purchaser", "intermediate_consignee", "ultimate_consignee", "end_user")
TRANSFERS = ("export", "reexport", "in_country", "deemed_export", "deemed_reexport")
END_USES = (
    "advanced_node_ic_production",
    "ic_production_node_unknown",
    "advanced_node_ic_design",
    "supercomputer",
    "sme_production",
    "datacenter",
    "military",
    "none_of_these",
)
_TXN_KEYS = {
    "kind",
    "name",
    "export_from",
    "destination",
    "transfer",
    "items",
    "parties",
    "end_uses",
    "exporter_us_person",
    "certifications",
    "date",
    "notes",
    "reference",
    "destination_region",
    "ukraine_government_deployment",
    "end_user_majority_owned_by_d5_macau_hq",
    "foreign_same_function_item_available",
    "design_ic_production_country",
}
_LINE_KEYS = {
    "item",
    "made_in",
    "us_content_pct",
    "us_direct_product",
    "contains_us_ic",
    "hts_code",
    "ecad_tcad",
    "quantity",
    "value",
    "currency",
    "notes",
}
_PARTY_KEYS = {
    "owners",
    "role",
    "name",
    "country",
    "headquarters",
    "ultimate_parent_country",
    "address",
    "aliases",
    "id",
    "notes",
}
_CERT_KEYS = {"supp2_748_dd"}


@lru_cache(maxsize=1024)
def _is_country(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def country_code(raw: Any, *, loc: str) -> str:
    """An ISO 3166 alpha-2 code (upper case), or an InputError naming the field."""
    if not isinstance(raw, str) or not raw.strip():
        raise InputError("expected an ISO 3166 alpha-2 country code such as CN or NL", loc=loc)
    code = raw.strip().upper()
    if not _is_country(code):
        hint = ""
        try:
            found = pycountry.countries.lookup(raw.strip())
            hint = f"; did you mean {found.alpha_2} ({found.name})?"
        except LookupError:
            pass
        raise InputError(f"{raw!r} is not an ISO 3166 alpha-2 country code{hint}", loc=loc)
    return code


@dataclass
class Party:
    role: str
    name: str
    country: str
    headquarters: str | None = None
    ultimate_parent_country: str | None = None
    address: str | None = None
    aliases: tuple[str, ...] = ()
    owners: list[Any] = field(default_factory=list)  # screening OwnerNode trees


@dataclass
class Line:
    item: Item
    made_in: str | None
    us_content_pct: float | None
    us_direct_product: bool | None
    contains_us_ic: bool | None
    quantity: float | None = None
    hts_code: str | None = None  # digits only, at least 6
    ecad_tcad: bool | None = None  # the software is ECAD or TCAD software (744.23(a)(2)(iii))
    value: float | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Transaction:
    export_from: str
    destination: str
    transfer: str
    lines: list[Line]
    parties: list[Party]
    end_uses: frozenset[str] | None
    exporter_us_person: bool | None
    certifications: dict[str, bool]
    raw: Mapping[str, Any]
    destination_region: str | None = None
    ukraine_government_deployment: bool | None = None
    end_user_majority_owned_by_d5_macau_hq: bool | None = None
    foreign_same_function_item_available: bool | None = None
    design_ic_production_country: str | None = None

    def parties_in(self, *roles: str) -> list[Party]:
        return [p for p in self.parties if p.role in roles]


def _bool(raw: Any, *, loc: str) -> bool | None:
    if raw is None:
        return None
    if not isinstance(raw, bool):
        raise InputError(f"expected true or false, got {raw!r}", loc=loc)
    return raw


def _number(raw: Any, *, loc: str, low: float = 0, high: float | None = None) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InputError(f"expected a number, got {raw!r}", loc=loc)
    try:
        value = float(raw)
    except OverflowError:
        raise InputError("the number is too large; give a finite number", loc=loc) from None
    if not math.isfinite(value):
        raise InputError(f"expected a finite number, got {raw!r}", loc=loc)
    if value < low or (high is not None and value > high):
        bound = f"from {low:g} to {high:g}" if high is not None else f"at least {low:g}"
        raise InputError(f"{value:g} is out of range; give a number {bound}", loc=loc)
    return value


def _unknown(raw: Mapping[str, Any], allowed: set[str], *, loc: str) -> None:
    if raw.keys() <= allowed:
        return
    extra = sorted(str(k) for k in set(raw) - allowed)
    if extra:
        raise InputError(
            f"unknown field(s) {extra}; allowed: {', '.join(sorted(allowed))}", loc=loc
        )


def parse_transaction(
    raw: Any, rulebook: Rulebook, *, catalog: Catalog | None = None, loc: str = "transaction"
) -> Transaction:
    if not isinstance(raw, Mapping):
        raise InputError(
            "a transaction is a mapping (see the README's transaction format)", loc=loc
        )
    _unknown(raw, _TXN_KEYS, loc=loc)
    if raw.get("kind", "transaction") != "transaction":
        raise InputError("'kind' must be 'transaction'", loc=f"{loc}.kind")
    for key in ("export_from", "destination", "items"):
        if raw.get(key) is None:
            raise InputError(f"missing '{key}'", loc=f"{loc}.{key}")
    export_from = country_code(raw["export_from"], loc=f"{loc}.export_from")
    destination = country_code(raw["destination"], loc=f"{loc}.destination")
    transfer = raw.get("transfer", "export")
    if transfer not in TRANSFERS:
        raise InputError(
            f"{transfer!r} is not one of {', '.join(TRANSFERS)}", loc=f"{loc}.transfer"
        )
    if transfer == "in_country" and export_from != destination:
        raise InputError(
            "an in-country transfer has the same export_from and destination", loc=f"{loc}.transfer"
        )
    cat = catalog or load_catalog()
    items = raw["items"]
    if not isinstance(items, list) or not items:
        raise InputError("'items' must be a non-empty list", loc=f"{loc}.items")
    lines = [_parse_line(r, rulebook, cat, loc=f"{loc}.items[{i}]") for i, r in enumerate(items)]
    parties_raw = raw.get("parties") or []
    if not isinstance(parties_raw, list):
        raise InputError("'parties' must be a list", loc=f"{loc}.parties")
    parties = [_parse_party(p, loc=f"{loc}.parties[{i}]") for i, p in enumerate(parties_raw)]
    end_users = [p for p in parties if p.role == "end_user"]
    if len({p.country for p in end_users}) > 1:
        raise InputError(
            "the end user is given in two countries "
            f"({', '.join(sorted({p.country for p in end_users}))}); one transaction has one "
            "destination - split it into one transaction per end user country",
            loc=f"{loc}.parties",
        )
    for p in parties:
        if (
            p.role in ("end_user", "ultimate_consignee")
            and p.country != destination
            and transfer in ("export", "reexport")
        ):
            raise InputError(
                f"the {p.role.replace('_', ' ')} {p.name!r} is in {p.country} but the destination "
                f"is {destination}; correct one of them",
                loc=f"{loc}.parties",
            )
    end_uses = raw.get("end_uses")
    uses: frozenset[str] | None = None
    if end_uses is not None:
        if not isinstance(end_uses, list) or not all(isinstance(u, str) for u in end_uses):
            raise InputError("'end_uses' must be a list of end-use names", loc=f"{loc}.end_uses")
        bad = [u for u in end_uses if u not in END_USES]
        if bad:
            raise InputError(
                f"unknown end use(s) {bad}; use: {', '.join(END_USES)}", loc=f"{loc}.end_uses"
            )
        if "none_of_these" in end_uses and len(end_uses) > 1:
            raise InputError(
                "'none_of_these' cannot be combined with other end uses", loc=f"{loc}.end_uses"
            )
        uses = frozenset(end_uses)
    certs_raw = raw.get("certifications") or {}
    if not isinstance(certs_raw, Mapping):
        raise InputError("'certifications' must be a mapping", loc=f"{loc}.certifications")
    _unknown(certs_raw, _CERT_KEYS, loc=f"{loc}.certifications")
    certs = {
        k: b
        for k, v in certs_raw.items()
        if (b := _bool(v, loc=f"{loc}.certifications.{k}")) is not None
    }
    return Transaction(
        export_from=export_from,
        destination=destination,
        transfer=transfer,
        lines=lines,
        parties=parties,
        end_uses=uses,
        exporter_us_person=_bool(raw.get("exporter_us_person"), loc=f"{loc}.exporter_us_person"),
        certifications=certs,
        raw=raw,
        destination_region=_region(raw.get("destination_region"), destination, loc=loc),
        ukraine_government_deployment=_bool(
            raw.get("ukraine_government_deployment"), loc=f"{loc}.ukraine_government_deployment"
        ),
        end_user_majority_owned_by_d5_macau_hq=_bool(
            raw.get("end_user_majority_owned_by_d5_macau_hq"),
            loc=f"{loc}.end_user_majority_owned_by_d5_macau_hq",
        ),
        foreign_same_function_item_available=_bool(
            raw.get("foreign_same_function_item_available"),
            loc=f"{loc}.foreign_same_function_item_available",
        ),
        design_ic_production_country=(
            None
            if raw.get("design_ic_production_country") is None
            else country_code(
                raw["design_ic_production_country"], loc=f"{loc}.design_ic_production_country"
            )
        ),
    )


_REGIONS = ("crimea", "dnr", "lnr", "none_of_these")


def _region(value: Any, destination: str, *, loc: str) -> str | None:
    """The region of Ukraine an item goes to (15 CFR 746.6), only for destination UA."""
    if value is None:
        return None
    here = f"{loc}.destination_region"
    if destination != "UA":
        raise InputError("destination_region is only for destination UA (Ukraine)", loc=here)
    if value not in _REGIONS:
        raise InputError(f"unknown region {value!r}; use one of: {', '.join(_REGIONS)}", loc=here)
    return str(value)


def _hts(value: Any, *, loc: str) -> str | None:
    """An HTS classification as its digits ("8542.31.0000" -> "8542310000"), 6 or more."""
    if value is None:
        return None
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    if (
        len(digits) < 6
        or len(digits) > 10
        or not all(ch.isdigit() or ch in ". " for ch in str(value))
    ):
        raise InputError(
            f"an HTS code has 6 to 10 digits (e.g. 8542.31.0000), not {value!r}", loc=loc
        )
    return digits


def _parse_line(raw: Any, rulebook: Rulebook, catalog: Catalog, *, loc: str) -> Line:
    if not isinstance(raw, Mapping) or "item" not in raw:
        raise InputError("each line needs 'item' (inline or {product: NAME})", loc=loc)
    _unknown(raw, _LINE_KEYS, loc=loc)
    item = parse_item(raw["item"], rulebook, loc=f"{loc}.item", products=catalog.lookup)
    made_in = (
        None if raw.get("made_in") is None else country_code(raw["made_in"], loc=f"{loc}.made_in")
    )
    pct = _number(raw.get("us_content_pct"), loc=f"{loc}.us_content_pct", high=100)
    if made_in == "US" and pct is not None and pct < 100:
        raise InputError(
            "a US-made item has no 'US content share' below 100%; give made_in of the foreign "
            "maker, or drop us_content_pct",
            loc=f"{loc}.us_content_pct",
        )
    return Line(
        item=item,
        made_in=made_in,
        us_content_pct=pct,
        us_direct_product=_bool(raw.get("us_direct_product"), loc=f"{loc}.us_direct_product"),
        contains_us_ic=_bool(raw.get("contains_us_ic"), loc=f"{loc}.contains_us_ic"),
        hts_code=_hts(raw.get("hts_code"), loc=f"{loc}.hts_code"),
        ecad_tcad=_bool(raw.get("ecad_tcad"), loc=f"{loc}.ecad_tcad"),
        quantity=_number(raw.get("quantity"), loc=f"{loc}.quantity"),
        value=_number(raw.get("value"), loc=f"{loc}.value"),
        raw=raw,
    )


def _parse_party(raw: Any, *, loc: str) -> Party:
    if not isinstance(raw, Mapping):
        raise InputError("a party is a mapping {role, name, country, ...}", loc=loc)
    _unknown(raw, _PARTY_KEYS, loc=loc)
    role = raw.get("role")
    if role not in ROLES:
        raise InputError(
            f"unknown role {role!r}; use one of: {', '.join(ROLES)}", loc=f"{loc}.role"
        )
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError("a party needs a 'name'", loc=f"{loc}.name")
    if len(name) > 1000:
        raise InputError("a party name is at most 1,000 characters", loc=f"{loc}.name")
    aliases = raw.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise InputError("'aliases' must be a list of names", loc=f"{loc}.aliases")
    return Party(
        role=role,
        name=name.strip(),
        country=country_code(raw.get("country"), loc=f"{loc}.country"),
        headquarters=None
        if raw.get("headquarters") is None
        else country_code(raw["headquarters"], loc=f"{loc}.headquarters"),
        ultimate_parent_country=None
        if raw.get("ultimate_parent_country") is None
        else country_code(raw["ultimate_parent_country"], loc=f"{loc}.ultimate_parent_country"),
        address=raw.get("address"),
        aliases=tuple(aliases),
        owners=parse_owners(raw["owners"], loc=f"{loc}.owners") if raw.get("owners") else [],
    )


def as_of_default(raw: Mapping[str, Any]) -> dt.date | None:
    value = raw.get("date")
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"bad date {value!r}; write YYYY-MM-DD", loc="transaction.date") from None
