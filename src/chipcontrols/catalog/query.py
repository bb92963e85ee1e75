"""Searching the catalog: by maker, kind, text and tests on the products' figures.

A figure test is `NAME OP VALUE` (OP one of >=, <=, >, <, =, ==, !=), `NAME?` (the product has
the figure) or `!NAME` (it lacks it). NAME is an item figure, or a derived metric of the
engine's item model (e.g. `tpp`, `mrf_k035_nm`), computed the same way `classify` does.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from chipcontrols.catalog.catalog import Catalog, Product, normalise
from chipcontrols.errors import InputError

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "!=": operator.ne,
    "==": operator.eq,
    "=": operator.eq,
    ">": operator.gt,
    "<": operator.lt,
}
_TEST = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|!=|==|=|>|<)\s*(.+?)\s*$")


@dataclass(frozen=True)
class Where:
    name: str
    op: str  # an operator, or "has" / "lacks"
    value: Any = None

    def __str__(self) -> str:
        if self.op == "has":
            return f"{self.name}?"
        if self.op == "lacks":
            return f"!{self.name}"
        return f"{self.name}{self.op}{self.value}"


def _literal(text: str) -> Any:
    low = text.lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    try:
        return float(text)
    except ValueError:
        return text.strip("'\"")


def parse_where(text: str) -> Where:
    text = text.strip()
    if text.endswith("?"):
        return Where(text[:-1].strip(), "has")
    if text.startswith("!") and not any(op in text for op in _OPS):
        return Where(text[1:].strip(), "lacks")
    match = _TEST.match(text)
    if not match or match.group(3)[0] in "<>=!":
        raise InputError(
            f"cannot read the test {text!r}; "
            "write e.g. 'tpp>=4800', 'euv=true', 'NAME?' or '!NAME'",
            loc="--where",
        )
    return Where(match.group(1), match.group(2), _literal(match.group(3)))


def product_values(product: Product) -> dict[str, Any]:
    """The product's figures plus the metrics the engine derives from them."""
    values: dict[str, Any] = {k: product.item[k] for k in product.figure_keys()}
    try:
        from chipcontrols.model.items import parse_item
        from chipcontrols.rulebook.rulebook import load_rulebook

        item = parse_item(product.spec(), load_rulebook(), loc=product.file)
        values.update(item.values)
    except Exception:
        pass
    return values


def matches(product: Product, test: Where, values: dict[str, Any] | None = None) -> bool:
    values = values if values is not None else product_values(product)
    present = test.name in values and values[test.name] is not None
    if test.op == "has":
        return present
    if test.op == "lacks":
        return not present
    if not present:
        return False
    value = values[test.name]
    want = test.value
    if isinstance(value, bool) or isinstance(want, bool):
        if test.op not in ("=", "==", "!="):
            return False
        return _OPS[test.op](bool(value), want)
    if isinstance(value, int | float) and isinstance(want, float):
        return _OPS[test.op](float(value), want)
    if isinstance(value, frozenset | set | list | tuple):
        found = str(want) in {str(v) for v in value}
        return found if test.op in ("=", "==") else not found if test.op == "!=" else False
    if test.op in ("=", "==", "!="):
        return _OPS[test.op](str(value).casefold(), str(want).casefold())
    return False


def search_products(
    catalog: Catalog,
    *,
    kind: str | None = None,
    maker: str | None = None,
    where: Iterable[Where] = (),
    text: str | None = None,
    statements: bool = False,
) -> list[Product]:
    tests = list(where)
    out: list[Product] = []
    needle = normalise(text) if text else None
    for product in catalog.products:
        if kind is not None and product.kind != kind:
            continue
        if maker is not None and maker.casefold() not in (product.maker or "").casefold():
            continue
        if statements and not product.statements:
            continue
        if needle:
            hay = [product.name, *product.aliases, product.maker or "", product.notes or ""]
            if not any(needle in normalise(h) for h in hay):
                continue
        if tests:
            values = product_values(product)
            if not all(matches(product, t, values) for t in tests):
                continue
        out.append(product)
    return out
