"""The product catalog: one YAML file a product under catalog/products/.

A product file holds the item (the figures the law reads), `figures` naming the source and
date of every one of them, `unpublished` for the figures its maker does not publish, and
`maker_statements`: what the maker itself has said about the product's classification or
licence requirements (each with its source and date). The loader is strict: an unknown key,
an item figure no `figures` entry names, or a statement without a source is an error.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from chipcontrols.errors import DataError, NotFoundError
from chipcontrols.rulebook.yamlio import load_yaml_file

PRODUCTS_DIR = Path(__file__).resolve().parent / "products"
_KEYS = {
    "name",
    "maker",
    "maker_country",
    "released",
    "item",
    "figures",
    "aliases",
    "notes",
    "unpublished",
    "maker_statements",
}
# Item keys that are descriptions, not figures (they need no source).
_DESCRIPTIVE = {"kind", "name", "maker", "description", "notes", "model", "source"}
_FIGURE_KEYS = {"fields", "source", "url", "date", "note"}
_UNPUBLISHED_KEYS = {"param", "note", "checked", "source", "url"}
_STATEMENT_KEYS = {
    "date",
    "claim",
    "jurisdiction",
    "eccn",
    "entries",
    "applies_from",
    "until",
    "destinations",
    "text",
    "source",
    "url",
    "via",
    "basis",
    "note",
}
# What a statement rests on: the control list (default; comparable with `classify`), or a
# requirement outside the list (an "is informed" letter, an end-use rule), which only
# `determine` can check.
BASES = ("list", "letter", "end_use")
# What a maker statement can claim:
#   eccn            the maker classifies the item under `eccn` (an ECCN such as 3A090.a, or EAR99)
#   controlled      the maker says the item needs a licence of `jurisdiction` (from `applies_from`)
#   not_controlled  the maker says the item is not controlled by `jurisdiction`
CLAIMS = ("eccn", "controlled", "not_controlled")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def normalise(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold()
    return re.sub(r"[^0-9a-z]+", "", text)


@dataclass(frozen=True)
class MakerStatement:
    """A maker's own published statement about a product's export-control status."""

    date: dt.date
    claim: str
    text: str
    source: str
    jurisdiction: str | None = None
    eccn: str | None = None
    entries: tuple[str, ...] = ()
    applies_from: dt.date | None = None
    until: dt.date | None = None
    destinations: tuple[str, ...] = ()
    url: str | None = None
    via: str | None = None
    basis: str = "list"
    note: str | None = None

    @property
    def as_of(self) -> dt.date:
        """The date the statement speaks about (its `applies_from`, else its own date)."""
        return self.applies_from or self.date

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "date": self.date.isoformat(),
            "claim": self.claim,
            "jurisdiction": self.jurisdiction,
            "eccn": self.eccn,
            "entries": list(self.entries),
            "applies_from": self.applies_from.isoformat() if self.applies_from else None,
            "until": self.until.isoformat() if self.until else None,
            "destinations": list(self.destinations),
            "text": self.text,
            "source": self.source,
            "url": self.url,
            "via": self.via,
            "basis": self.basis,
            "note": self.note,
        }
        return out


@dataclass(frozen=True)
class Product:
    name: str
    maker: str | None
    maker_country: str | None
    item: Mapping[str, Any]
    figures: tuple[Mapping[str, Any], ...]
    aliases: tuple[str, ...]
    file: str
    released: Any = None
    notes: str | None = None
    unpublished: tuple[Mapping[str, Any], ...] = ()
    statements: tuple[MakerStatement, ...] = field(default_factory=tuple)

    def spec(self) -> dict[str, Any]:
        spec = dict(self.item)
        spec.setdefault("name", self.name)
        return spec

    @property
    def kind(self) -> str | None:
        kind = self.item.get("kind")
        return str(kind) if kind is not None else None

    def figure_keys(self) -> list[str]:
        """The item's own figures (the keys that need a source)."""
        return [str(k) for k in self.item if k not in _DESCRIPTIVE]

    def source_of(self, key: str) -> Mapping[str, Any] | None:
        for fig in self.figures:
            if key in (fig.get("fields") or ()):
                return fig
        return None

    def unpublished_note(self, param: str) -> Mapping[str, Any] | None:
        for entry in self.unpublished:
            if entry.get("param") == param:
                return entry
        return None


class Catalog:
    def __init__(self, products: list[Product]) -> None:
        self.products = sorted(products, key=lambda p: p.name.casefold())
        self._index: dict[str, Product] = {}
        for product in self.products:
            for key in (product.name, *product.aliases):
                norm = normalise(key)
                other = self._index.get(norm)
                if other is not None and other is not product:
                    raise DataError(
                        f"catalog name {key!r} is used by {other.file} and {product.file}",
                        loc=product.file,
                    )
                self._index[norm] = product

    def get(self, name: str, *, loc: str = "product") -> Product:
        product = self._index.get(normalise(name))
        if product is not None:
            return product
        names = [p.name for p in self.products]
        close = process.extract(name, names, scorer=fuzz.WRatio, limit=3, score_cutoff=60)
        hint = (
            "; closest: " + ", ".join(repr(c[0]) for c in close)
            if close
            else "; see `chipcontrols catalog list`"
        )
        raise NotFoundError(f"unknown product {name!r}{hint}", loc=loc)

    def find(self, name: str) -> Product | None:
        return self._index.get(normalise(name))

    def lookup(self, name: str, loc: str) -> Mapping[str, Any]:
        return self.get(name, loc=loc).spec()


def _date(value: Any, loc: str, *, partial: bool = False) -> Any:
    """A date (YYYY-MM-DD); with `partial`, YYYY or YYYY-MM is kept as text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if partial and isinstance(value, int) and 1900 < value < 2200:
        return str(value)
    if isinstance(value, str) and _DATE.match(value):
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        if partial:
            return value
    raise DataError(
        f"expected a date YYYY-MM-DD{' (or YYYY / YYYY-MM)' if partial else ''}, got {value!r}",
        loc=loc,
    )


def _text(raw: Mapping[str, Any], key: str, loc: str, *, required: bool = True) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise DataError(f"missing '{key}'", loc=loc)
        return None
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"'{key}' must be non-empty text", loc=f"{loc}.{key}")
    return value


def _read_figures(raw: Any, item: Mapping[str, Any], rel: str) -> tuple[Mapping[str, Any], ...]:
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise DataError("'figures' is a list of {fields, source, url, date}", loc=f"{rel}.figures")
    out: list[Mapping[str, Any]] = []
    named: set[str] = set()
    for i, fig in enumerate(raw):
        here = f"{rel}.figures[{i}]"
        if not isinstance(fig, Mapping):
            raise DataError("a figures entry is a mapping", loc=here)
        unknown = set(fig) - _FIGURE_KEYS
        if unknown:
            raise DataError(f"unknown key(s) {sorted(map(str, unknown))}", loc=here)
        fields = fig.get("fields")
        if not isinstance(fields, list) or not fields:
            raise DataError("'fields' must name the item figures this source gives", loc=here)
        for name in fields:
            if name not in item or name in _DESCRIPTIVE:
                raise DataError(
                    f"'fields' names {name!r}, which is not a figure of the item", loc=here
                )
        _text(fig, "source", here)
        entry = dict(fig)
        if "date" in fig:
            entry["date"] = _date(fig["date"], f"{here}.date", partial=True)
        named.update(fields)
        out.append(entry)
    missing = [k for k in item if k not in _DESCRIPTIVE and k not in named]
    if missing:
        raise DataError(
            f"item figure(s) {missing} have no source: name them in a 'figures' entry", loc=rel
        )
    return tuple(out)


def _read_unpublished(raw: Any, item: Mapping[str, Any], rel: str) -> tuple[Mapping[str, Any], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise DataError("'unpublished' is a list of {param, note, checked}", loc=rel)
    out = []
    for i, entry in enumerate(raw):
        here = f"{rel}.unpublished[{i}]"
        if not isinstance(entry, Mapping):
            raise DataError("an unpublished entry is a mapping", loc=here)
        unknown = set(entry) - _UNPUBLISHED_KEYS
        if unknown:
            raise DataError(f"unknown key(s) {sorted(map(str, unknown))}", loc=here)
        param = _text(entry, "param", here)
        if param in item:
            raise DataError(f"{param!r} is in the item, so it is not unpublished", loc=here)
        _text(entry, "note", here)
        value = dict(entry)
        value["checked"] = _date(entry.get("checked"), f"{here}.checked")
        out.append(value)
    return tuple(out)


def _read_statements(raw: Any, rel: str) -> tuple[MakerStatement, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise DataError("'maker_statements' is a list", loc=rel)
    out = []
    for i, entry in enumerate(raw):
        here = f"{rel}.maker_statements[{i}]"
        if not isinstance(entry, Mapping):
            raise DataError("a maker statement is a mapping", loc=here)
        unknown = set(entry) - _STATEMENT_KEYS
        if unknown:
            raise DataError(f"unknown key(s) {sorted(map(str, unknown))}", loc=here)
        claim = _text(entry, "claim", here)
        if claim not in CLAIMS:
            raise DataError(f"'claim' must be one of {', '.join(CLAIMS)}", loc=f"{here}.claim")
        jurisdiction = _text(entry, "jurisdiction", here, required=claim != "eccn")
        eccn = _text(entry, "eccn", here, required=claim == "eccn")
        if claim == "eccn":
            jurisdiction = jurisdiction or "US"
        elif eccn is not None:
            raise DataError("'eccn' belongs to a claim: eccn statement", loc=f"{here}.eccn")
        entries = entry.get("entries") or []
        destinations = entry.get("destinations") or []
        for key, value in (("entries", entries), ("destinations", destinations)):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise DataError(f"'{key}' is a list of strings", loc=f"{here}.{key}")
        basis = entry.get("basis", "list")
        if basis not in BASES:
            raise DataError(f"'basis' must be one of {', '.join(BASES)}", loc=f"{here}.basis")
        date = _date(entry.get("date"), f"{here}.date")
        applies_from = (
            _date(entry["applies_from"], f"{here}.applies_from")
            if "applies_from" in entry
            else None
        )
        until = _date(entry["until"], f"{here}.until") if "until" in entry else None
        out.append(
            MakerStatement(
                date=date,
                claim=claim,
                text=_text(entry, "text", here) or "",
                source=_text(entry, "source", here) or "",
                jurisdiction=jurisdiction.upper() if jurisdiction else None,
                eccn=eccn,
                entries=tuple(entries),
                applies_from=applies_from,
                until=until,
                destinations=tuple(destinations),
                url=_text(entry, "url", here, required=False),
                via=_text(entry, "via", here, required=False),
                basis=basis,
                note=_text(entry, "note", here, required=False),
            )
        )
    return tuple(out)


def _read_product(path: Path, root: Path) -> Product:
    rel = path.relative_to(root).as_posix()
    raw = load_yaml_file(path, error=DataError, trusted=True)
    if not isinstance(raw, Mapping):
        raise DataError("a product file is a mapping", loc=rel)
    unknown = set(raw) - _KEYS
    if unknown:
        raise DataError(f"unknown key(s) {sorted(unknown)}", loc=rel)
    for key in ("name", "item"):
        if key not in raw:
            raise DataError(f"missing '{key}'", loc=rel)
    item = raw["item"]
    if not isinstance(item, Mapping) or "kind" not in item:
        raise DataError("'item' is a mapping with 'kind'", loc=f"{rel}.item")
    return Product(
        name=str(raw["name"]),
        maker=raw.get("maker"),
        maker_country=raw.get("maker_country"),
        item=item,
        figures=_read_figures(raw.get("figures"), item, rel),
        aliases=tuple(str(a) for a in raw.get("aliases") or ()),
        file=rel,
        released=raw.get("released"),
        notes=raw.get("notes"),
        unpublished=_read_unpublished(raw.get("unpublished"), item, rel),
        statements=_read_statements(raw.get("maker_statements"), rel),
    )


def load_catalog_from(root: Path) -> Catalog:
    return Catalog([_read_product(p, root) for p in sorted(root.rglob("*.yaml"))])


@cache
def load_catalog() -> Catalog:
    return load_catalog_from(PRODUCTS_DIR)
