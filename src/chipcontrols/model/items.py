"""Items as users give them (YAML/JSON mappings), checked against the declared parameters.

Every value is converted to its canonical unit and bounds-checked; derived parameters are
computed. An unknown parameter, a wrong unit or a bad value is an InputError naming the
field and the fix.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chipcontrols.errors import InputError
from chipcontrols.model.metrics import DERIVATIONS
from chipcontrols.rulebook.evaluate import Facts
from chipcontrols.rulebook.rulebook import Rulebook
from chipcontrols.rulebook.schema import Parameter
from chipcontrols.rulebook.units import parse_quantity

# Keys an item may carry besides its parameters.
DESCRIPTIVE_KEYS = ("name", "maker", "description", "notes", "model", "source")
# Relative tolerance when a derived value is both given and computable.
_CONSISTENCY = 0.005


@dataclass
class Item:
    kind: str
    name: str | None
    values: dict[str, Any]  # given + derived, canonical units
    given: set[str] = field(default_factory=set)
    components: list[Item] = field(default_factory=list)
    product: str | None = None

    def facts(self) -> Facts:
        return Facts(self.values, [c.facts() for c in self.components], self.name)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "name": self.name}
        if self.product:
            out["product"] = self.product
        out["parameters"] = {k: _jsonable(v) for k, v in sorted(self.values.items())}
        out["derived"] = sorted(set(self.values) - self.given)
        if self.components:
            out["components"] = [c.to_dict() for c in self.components]
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted(value)
    return value


def _suggest(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""


ProductLookup = Callable[[str, str], Mapping[str, Any]]


def parse_item(
    raw: Any,
    rulebook: Rulebook,
    *,
    loc: str = "item",
    products: ProductLookup | None = None,
) -> Item:
    """Turn a user's item mapping into a checked Item. `products` resolves {product: NAME}."""
    if not isinstance(raw, Mapping):
        raise InputError("an item must be a mapping with 'kind' (or 'product')", loc=loc)
    if "product" in raw:
        extra = set(raw) - {"product"}
        if extra:
            raise InputError(
                f"a catalog product takes no other keys (got {sorted(map(str, extra))}); "
                "give the item inline instead to change its figures",
                loc=loc,
            )
        if products is None:
            raise InputError("catalog products are not available here", loc=f"{loc}.product")
        name = raw["product"]
        if not isinstance(name, str) or not name.strip():
            raise InputError("'product' must be a product name", loc=f"{loc}.product")
        spec = products(name, f"{loc}.product")
        item = parse_item(spec, rulebook, loc=f"{loc}<{name}>", products=products)
        item.product = str(spec.get("name", name))
        return item

    kind = raw.get("kind")
    if not isinstance(kind, str) or not kind:
        raise InputError(
            f"missing 'kind'; one of: {', '.join(sorted(rulebook.kinds))}", loc=f"{loc}.kind"
        )
    if kind not in rulebook.kinds:
        raise InputError(
            f"unknown kind {kind!r}{_suggest(kind, list(rulebook.kinds))} "
            f"(kinds: {', '.join(sorted(rulebook.kinds))})",
            loc=f"{loc}.kind",
        )
    name = raw.get("name")
    if name is not None and not isinstance(name, str):
        raise InputError("'name' must be a string", loc=f"{loc}.name")

    values: dict[str, Any] = {}
    components: list[Item] = []
    for key, value in raw.items():
        here = f"{loc}.{key}"
        if key in ("kind", *DESCRIPTIVE_KEYS):
            continue
        if key == "components":
            if not isinstance(value, list):
                raise InputError("'components' must be a list of items", loc=here)
            components = [
                parse_item(c, rulebook, loc=f"{here}[{i}]", products=products)
                for i, c in enumerate(value)
            ]
            continue
        if not isinstance(key, str):
            raise InputError(f"parameter names must be strings, got {key!r}", loc=loc)
        param = rulebook.parameters.get(key)
        if param is None:
            own = [p.name for p in rulebook.parameters.values() if kind in p.kinds]
            raise InputError(
                f"unknown parameter {key!r} for kind {kind}{_suggest(key, own)}", loc=here
            )
        if kind not in param.kinds:
            raise InputError(
                f"parameter {key!r} does not belong to kind {kind} "
                f"(it belongs to {', '.join(param.kinds)}); remove it or change 'kind'",
                loc=here,
            )
        if value is None:
            continue
        values[key] = parse_value(param, value, loc=here)

    given = set(values)
    for pname, derive in DERIVATIONS.items():
        param = rulebook.parameters.get(pname)
        if param is None or kind not in param.kinds:
            continue
        computed = derive(values)
        if computed is None:
            continue
        if pname in given:
            stated = float(values[pname])
            if not math.isclose(stated, computed, rel_tol=_CONSISTENCY):
                raise InputError(
                    f"{pname} is given as {stated:g} but the item's own figures give "
                    f"{computed:g}; give one of them, or correct the figures",
                    loc=f"{loc}.{pname}",
                )
            continue
        values[pname] = computed
    return Item(kind=kind, name=name, values=values, given=given, components=components)


def parse_value(param: Parameter, value: Any, *, loc: str) -> Any:
    if param.type == "number":
        assert param.unit is not None
        number = parse_quantity(value, param.unit, loc=loc)
        unit = "" if param.unit in ("1", "") else f" {param.unit}"  # a pure number has no unit
        if param.min is not None and number < param.min:
            raise InputError(f"{number:g} is below the minimum {param.min:g}{unit}", loc=loc)
        if param.max is not None and number > param.max:
            raise InputError(f"{number:g} is above the maximum {param.max:g}{unit}", loc=loc)
        return number
    if param.type == "boolean":
        if not isinstance(value, bool):
            raise InputError(f"expected true or false, got {value!r}", loc=loc)
        return value
    if param.type == "string":
        if not isinstance(value, str) or not value.strip():
            raise InputError("expected a non-empty string", loc=loc)
        if param.values is not None and value not in param.values:
            raise InputError(
                f"{value!r} is not allowed; use one of: {', '.join(param.values)}", loc=loc
            )
        return value
    if param.type == "set":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError("expected a list of strings", loc=loc)
        if param.values is not None:
            for v in value:
                if v not in param.values:
                    raise InputError(
                        f"{v!r} is not allowed; use any of: {', '.join(param.values)}", loc=loc
                    )
        return frozenset(value)
    if param.type == "records":
        return _parse_records(param, value, loc=loc)
    raise AssertionError(param.type)


def _parse_records(param: Parameter, value: Any, *, loc: str) -> list[dict[str, Any]]:
    if param.name != "throughput":
        raise InputError(f"records parameter {param.name!r} has no reader", loc=loc)
    if not isinstance(value, list) or not value:
        raise InputError("'throughput' must be a non-empty list of {bits, tops} rows", loc=loc)
    rows: list[dict[str, Any]] = []
    for i, row in enumerate(value):
        here = f"{loc}[{i}]"
        if not isinstance(row, Mapping):
            raise InputError("each throughput row is a mapping {bits, tops}", loc=here)
        unknown = set(row) - {"bits", "tops", "precision", "sparse", "note"}
        if unknown:
            raise InputError(
                f"unknown key(s) {sorted(map(str, unknown))}; a row has bits, tops, "
                "precision, sparse",
                loc=here,
            )
        if row.get("sparse"):
            raise InputError(
                "sparse throughput is not used for TPP (3A090 Technical Note 2.3); "
                "give the dense figure",
                loc=f"{here}.sparse",
            )
        bits = row.get("bits")
        if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= 256:
            raise InputError(
                f"'bits' must be a whole number of bits from 1 to 256, got {bits!r}",
                loc=f"{here}.bits",
            )
        if "tops" not in row:
            raise InputError("missing 'tops' (dense peak TOPS/TFLOPS)", loc=f"{here}.tops")
        tops = parse_quantity(row["tops"], "TOPS", loc=f"{here}.tops")
        if tops < 0:
            raise InputError(f"{tops:g} TOPS is negative", loc=f"{here}.tops")
        rows.append({"bits": bits, "tops": tops, "precision": row.get("precision")})
    return rows
