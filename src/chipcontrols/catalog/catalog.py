"""The product catalog: one YAML file a product under catalog/products/."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from chipcontrols.errors import DataError, NotFoundError
from chipcontrols.rulebook.yamlio import load_yaml_file

PRODUCTS_DIR = Path(__file__).resolve().parent / "products"
_KEYS = {"name", "maker", "maker_country", "released", "item", "figures", "aliases", "notes"}


def normalise(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold()
    return re.sub(r"[^0-9a-z]+", "", text)


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

    def spec(self) -> dict[str, Any]:
        spec = dict(self.item)
        spec.setdefault("name", self.name)
        return spec


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

    def lookup(self, name: str, loc: str) -> Mapping[str, Any]:
        return self.get(name, loc=loc).spec()


def _read_product(path: Path, root: Path) -> Product:
    rel = path.relative_to(root).as_posix()
    raw = load_yaml_file(path, error=DataError)
    if not isinstance(raw, Mapping):
        raise DataError("a product file is a mapping", loc=rel)
    unknown = set(raw) - _KEYS
    if unknown:
        raise DataError(f"unknown key(s) {sorted(unknown)}", loc=rel)
    for key in ("name", "item"):
        if key not in raw:
            raise DataError(f"missing '{key}'", loc=rel)
    figures = raw.get("figures") or []
    if raw["item"] and len(raw["item"]) > 2 and not figures:
        raise DataError("a product needs 'figures' naming the source of its figures", loc=rel)
    return Product(
        name=str(raw["name"]),
        maker=raw.get("maker"),
        maker_country=raw.get("maker_country"),
        item=raw["item"],
        figures=tuple(figures),
        aliases=tuple(str(a) for a in raw.get("aliases") or ()),
        file=rel,
        released=raw.get("released"),
    )


def load_catalog_from(root: Path) -> Catalog:
    return Catalog([_read_product(p, root) for p in sorted(root.rglob("*.yaml"))])


@cache
def load_catalog() -> Catalog:
    return load_catalog_from(PRODUCTS_DIR)
