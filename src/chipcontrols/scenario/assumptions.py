"""The assumptions file of the coalition matrix: facts the EAR procedure needs for foreign-made
products (where made, US content, US direct product, US integrated circuits), each with the
source it rests on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipcontrols.catalog import Catalog, Product, load_catalog
from chipcontrols.determination.transaction import country_code
from chipcontrols.errors import InputError, NotFoundError
from chipcontrols.rulebook.yamlio import load_yaml_file

_FACT_KEYS = ("made_in", "us_content_pct", "us_direct_product", "contains_us_ic")


@dataclass(frozen=True)
class Assumptions:
    """Facts the EAR procedure needs for foreign-made products (the US reach), stated by the
    analyst with their basis. Without them, the reach over a foreign-made product is
    'undetermined'."""

    products: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    makers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    file: str | None = None

    def facts_for(self, product: Product) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if product.maker and product.maker in self.makers:
            out.update({k: v for k, v in self.makers[product.maker].items() if k in _FACT_KEYS})
        if product.name in self.products:
            out.update({k: v for k, v in self.products[product.name].items() if k in _FACT_KEYS})
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "products": dict(self.products), "makers": dict(self.makers)}


def parse_assumptions(raw: Any, *, catalog: Catalog, loc: str = "assumptions") -> Assumptions:
    if not isinstance(raw, Mapping):
        raise InputError(
            "an assumptions file is a mapping with 'products' and/or 'makers'", loc=loc
        )
    extra = set(raw) - {"products", "makers", "notes"}
    if extra:
        raise InputError(
            f"unknown key(s) {sorted(map(str, extra))}; allowed: products, makers, notes", loc=loc
        )
    makers_known = {p.maker for p in catalog.products if p.maker}
    out: dict[str, dict[str, dict[str, Any]]] = {"products": {}, "makers": {}}
    for section in ("products", "makers"):
        body = raw.get(section) or {}
        if not isinstance(body, Mapping):
            raise InputError(f"'{section}' maps names to facts", loc=f"{loc}.{section}")
        for name, facts in body.items():
            here = f"{loc}.{section}.{name}"
            if section == "products":
                key = catalog.get(str(name), loc=here).name
            else:
                if name not in makers_known:
                    raise NotFoundError(
                        f"no catalog product is made by {name!r}; makers: "
                        f"{', '.join(sorted(makers_known))}",
                        loc=here,
                    )
                key = str(name)
            if not isinstance(facts, Mapping):
                raise InputError("give the facts as a mapping", loc=here)
            bad = set(facts) - {*_FACT_KEYS, "source"}
            if bad:
                raise InputError(
                    f"unknown key(s) {sorted(map(str, bad))}; allowed: {', '.join(_FACT_KEYS)}, "
                    "source",
                    loc=here,
                )
            if not isinstance(facts.get("source"), str) or not facts["source"].strip():
                raise InputError(
                    "each assumption needs a 'source' saying what it rests on", loc=here
                )
            checked: dict[str, Any] = {"source": facts["source"].strip()}
            if facts.get("made_in") is not None:
                checked["made_in"] = country_code(facts["made_in"], loc=f"{here}.made_in")
            for flag in ("us_direct_product", "contains_us_ic"):
                if flag in facts:
                    if not isinstance(facts[flag], bool):
                        raise InputError("expected true or false", loc=f"{here}.{flag}")
                    checked[flag] = facts[flag]
            if "us_content_pct" in facts:
                pct = facts["us_content_pct"]
                if isinstance(pct, bool) or not isinstance(pct, int | float) or not 0 <= pct <= 100:
                    raise InputError("a percentage from 0 to 100", loc=f"{here}.us_content_pct")
                checked["us_content_pct"] = float(pct)
            out[section][key] = checked
    return Assumptions(out["products"], out["makers"], loc)


def load_assumptions(path: str | Path, *, catalog: Catalog | None = None) -> Assumptions:
    raw = load_yaml_file(Path(path), error=InputError)
    return parse_assumptions(raw, catalog=catalog or load_catalog(), loc=str(path))
