"""The capabilities vocabulary: what a destination wants to buy, and the products that provide it.

A capability (EUV lithography, ArF immersion at a given overlay, ALD of metals, AI accelerators
of a TPP band, HBM, ...) names its item kind and finds its products either by a condition over
their own figures (`select`) or by name with the public statement that places them (`products`).
Where the products' figures are not published, `bands` state the interval every product of the
capability lies in; a band is evaluated at every point where a rule of the rulebook can change
its answer (see `band_points`), so the law is never applied to a guessed figure.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from chipcontrols.catalog import Catalog, Product, load_catalog
from chipcontrols.catalog.catalog import PRODUCTS_DIR
from chipcontrols.errors import ChipControlsError, DataError, LawError, NotFoundError
from chipcontrols.model.items import Item, parse_item, parse_value
from chipcontrols.model.metrics import FRAME_DERIVATIONS
from chipcontrols.rulebook.conditions import (
    COMPARISONS,
    Compare,
    ContainsEntry,
    Node,
    NotFormalised,
    Ref,
    parse_condition,
    render,
)
from chipcontrols.rulebook.evaluate import Facts, Status, status_of
from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook
from chipcontrols.rulebook.yamlio import load_yaml_file

CAPABILITIES_FILE = PRODUCTS_DIR.parent / "capabilities.yaml"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_KEYS = {
    "id",
    "name",
    "group",
    "kind",
    "description",
    "select",
    "products",
    "source",
    "bands",
    "band_source",
    "facts",
    "notes",
}
_BAND_KEYS = {"min", "max", "above", "below"}
# Parameters other parameters are computed from: a band on one of them would leave the
# derived value (which the law reads) unsampled.
_DERIVATION_INPUTS = {"throughput"} | {
    i for inputs, _ in FRAME_DERIVATIONS.values() for i in inputs
}


@dataclass(frozen=True)
class Citation:
    citation: str
    url: str | None = None
    confidence: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"citation": self.citation}
        if self.url:
            out["url"] = self.url
        if self.confidence:
            out["confidence"] = self.confidence
        return out


@dataclass(frozen=True)
class Band:
    """An interval of one numeric parameter: min/max inclusive, above/below exclusive."""

    param: str
    low: float | None = None
    low_inclusive: bool = True
    high: float | None = None
    high_inclusive: bool = True

    def contains(self, value: float) -> bool:
        if self.low is not None and (
            value < self.low or (value == self.low and not self.low_inclusive)
        ):
            return False
        return not (
            self.high is not None
            and (value > self.high or (value == self.high and not self.high_inclusive))
        )

    def describe(self) -> str:
        parts: list[str] = []
        if self.low is not None:
            parts.append(f"{_num(self.low)} {'<=' if self.low_inclusive else '<'}")
        parts.append(self.param)
        if self.high is not None:
            parts.append(f"{'<=' if self.high_inclusive else '<'} {_num(self.high)}")
        return " ".join(parts)

    def points(
        self, thresholds: Iterable[float], floor: float | None, ceiling: float | None
    ) -> tuple[float, ...]:
        """Values covering every region where a comparison against `thresholds` is constant.

        Comparisons (<, <=, >, >=, ==, !=) against the thresholds are constant on each open
        interval between consecutive thresholds, so one point inside each interval of the
        band, plus every threshold inside the band and every inclusive bound, decide the band.
        """
        low = self.low if self.low is not None else floor
        high = self.high if self.high is not None else ceiling
        inner = sorted(
            {
                t
                for t in thresholds
                if (low is None or t > low) and (high is None or t < high) and self.contains(t)
            }
        )
        picked: set[float] = set(inner)
        if self.low is not None and self.low_inclusive:
            picked.add(self.low)
        if self.high is not None and self.high_inclusive:
            picked.add(self.high)
        edges: list[float] = []
        if low is not None:
            edges.append(low)
        elif inner:
            edges.append(inner[0] - max(1.0, abs(inner[0])))
        edges.extend(inner)
        if high is not None:
            edges.append(high)
        elif edges:
            edges.append(edges[-1] + max(1.0, abs(edges[-1])))
        if len(edges) == 1:
            picked.add(edges[0] + (1.0 if high is None else -1.0))
        for a, b in itertools.pairwise(edges):
            if b > a:
                picked.add((a + b) / 2)
        values = sorted(p for p in picked if self.contains(p))
        if floor is not None:
            values = [v for v in values if v >= floor]
        if ceiling is not None:
            values = [v for v in values if v <= ceiling]
        return tuple(values)


def _num(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class Capability:
    id: str
    name: str
    group: str
    description: str
    kind: str | None
    select: Node | None = None
    named: tuple[str, ...] = ()
    source: Citation | None = None
    bands: tuple[Band, ...] = ()
    band_source: Citation | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    notes: str | None = None
    members: tuple[Product, ...] = ()

    @property
    def modelled(self) -> bool:
        return self.kind is not None

    @property
    def is_class(self) -> bool:
        """Evaluated on its defining facts alone: no product is named or selected."""
        return self.kind is not None and self.select is None and not self.named

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "group": self.group,
            "description": self.description,
            "kind": self.kind,
            "products": [
                {"name": p.name, "maker": p.maker, "maker_country": p.maker_country}
                for p in self.members
            ],
        }
        if self.select is not None:
            out["select"] = render(self.select)
        if self.source is not None:
            out["source"] = self.source.to_dict()
        if self.bands:
            out["bands"] = [b.describe() for b in self.bands]
        if self.band_source is not None:
            out["band_source"] = self.band_source.to_dict()
        if self.facts:
            out["facts"] = dict(self.facts)
        if self.notes:
            out["notes"] = self.notes
        return out


@dataclass(frozen=True)
class Variant:
    """One item to evaluate: a product (or a capability class) with band values filled in."""

    spec: Mapping[str, Any]
    point: tuple[tuple[str, float], ...] = ()

    def describe(self) -> str:
        return ", ".join(f"{p} = {_num(v)}" for p, v in self.point)


class Vocabulary:
    def __init__(self, capabilities: Sequence[Capability], file: str = "capabilities.yaml") -> None:
        self.capabilities = tuple(capabilities)
        self.file = file
        self._by_id = {c.id: c for c in self.capabilities}
        self._bands: dict[str, tuple[tuple[Band, ...], Mapping[str, Any]]] = {}
        for cap in self.capabilities:
            for product in cap.members:
                if cap.bands or cap.facts:
                    self._bands[product.name] = (cap.bands, cap.facts)

    def get(self, capability_id: str, *, loc: str = "--capability") -> Capability:
        found = self._by_id.get(capability_id)
        if found is not None:
            return found
        close = [c for c in self._by_id if capability_id.lower() in c]
        hint = f"; did you mean {', '.join(sorted(close)[:5])}?" if close else ""
        raise NotFoundError(
            f"unknown capability {capability_id!r}{hint} (capabilities: {', '.join(self._by_id)})",
            loc=loc,
        )

    def pick(self, ids: Sequence[str] | None) -> list[Capability]:
        if not ids:
            return list(self.capabilities)
        return [self.get(i) for i in ids]

    def band_of(self, product: Product) -> tuple[tuple[Band, ...], Mapping[str, Any]]:
        """The bands and facts a product's capability states for it (empty if none)."""
        return self._bands.get(product.name, ((), {}))


# ---------------------------------------------------------------------------- loading


def _fail(message: str, loc: str) -> DataError:
    return DataError(message, loc=loc)


def _text(raw: Any, loc: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise _fail("expected a non-empty string", loc)
    return " ".join(raw.split())


def _citation(raw: Any, loc: str) -> Citation:
    if not isinstance(raw, Mapping):
        raise _fail("expected a mapping {citation, url, confidence}", loc)
    extra = set(raw) - {"citation", "url", "confidence"}
    if extra:
        raise _fail(
            f"unknown key(s) {sorted(map(str, extra))}; allowed: citation, url, confidence", loc
        )
    confidence = raw.get("confidence")
    if confidence is not None and confidence not in ("high", "medium", "low"):
        raise _fail(f"{confidence!r} is not one of high, medium, low", f"{loc}.confidence")
    return Citation(
        citation=_text(raw.get("citation"), f"{loc}.citation"),
        url=None if raw.get("url") is None else _text(raw["url"], f"{loc}.url"),
        confidence=confidence,
    )


def _band(param: str, raw: Any, rulebook: Rulebook, kind: str, loc: str) -> Band:
    declared = rulebook.parameters.get(param)
    if declared is None or kind not in declared.kinds:
        raise _fail(f"{param!r} is not a parameter of kind {kind}", loc)
    if declared.type != "number":
        raise _fail(f"a band needs a number parameter; {param!r} is {declared.type}", loc)
    if param in _DERIVATION_INPUTS:
        raise _fail(
            f"{param!r} is an input of a derived parameter; give the band on the derived "
            "parameter the law reads",
            loc,
        )
    if not isinstance(raw, Mapping) or not raw:
        raise _fail("a band is a mapping with min/max (inclusive) or above/below (exclusive)", loc)
    extra = set(raw) - _BAND_KEYS
    if extra:
        raise _fail(
            f"unknown key(s) {sorted(map(str, extra))}; allowed: above, below, max, min", loc
        )
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail("band bounds are plain numbers in the parameter's unit", f"{loc}.{key}")
    if "min" in raw and "above" in raw:
        raise _fail("give 'min' or 'above', not both", loc)
    if "max" in raw and "below" in raw:
        raise _fail("give 'max' or 'below', not both", loc)
    low = raw.get("min", raw.get("above"))
    high = raw.get("max", raw.get("below"))
    band = Band(
        param,
        None if low is None else float(low),
        "above" not in raw,
        None if high is None else float(high),
        "below" not in raw,
    )
    if (
        band.low is not None
        and band.high is not None
        and (
            band.low > band.high
            or (band.low == band.high and not (band.low_inclusive and band.high_inclusive))
        )
    ):
        raise _fail(f"the band {band.describe()} is empty", loc)
    return band


def _check_select(node: Node, rulebook: Rulebook, kind: str, loc: str) -> None:
    for leaf in node.walk():
        if isinstance(leaf, Ref | ContainsEntry | NotFormalised):
            raise _fail("a select condition compares the products' own figures (param leaves)", loc)
        if isinstance(leaf, Compare):
            declared = rulebook.parameters.get(leaf.param)
            if declared is None or kind not in declared.kinds:
                raise _fail(f"{leaf.param!r} is not a parameter of kind {kind}", loc)
            if declared.type == "set" and leaf.op != "contains":
                raise _fail(f"set parameter {leaf.param!r} takes op 'contains'", loc)
            if declared.values is not None:
                values = leaf.value if leaf.op == "in" else (leaf.value,)
                bad = [v for v in values if v not in declared.values]
                if bad:
                    raise _fail(f"{bad!r} are not values of {leaf.param!r}", loc)


def _parse_item(product: Product, rulebook: Rulebook, catalog: Catalog, loc: str) -> Item:
    try:
        return parse_item(product.spec(), rulebook, loc=product.file, products=catalog.lookup)
    except ChipControlsError as exc:
        raise _fail(f"product {product.name!r} cannot be read: {exc.message}", loc) from None


def parse_capabilities(
    raw: Any, *, rulebook: Rulebook, catalog: Catalog, file: str = "capabilities.yaml"
) -> Vocabulary:
    """Check the vocabulary strictly against the rulebook's kinds and parameters and the catalog."""
    if not isinstance(raw, Mapping) or set(raw) != {"capabilities"}:
        raise _fail("the file holds one key, 'capabilities': a list", file)
    entries = raw["capabilities"]
    if not isinstance(entries, list) or not entries:
        raise _fail("'capabilities' must be a non-empty list", f"{file}:capabilities")
    seen: set[str] = set()
    banded: dict[str, str] = {}
    out: list[Capability] = []
    for i, body in enumerate(entries):
        loc = f"{file}:capabilities[{i}]"
        if not isinstance(body, Mapping):
            raise _fail("a capability is a mapping", loc)
        extra = set(body) - _KEYS
        if extra:
            raise _fail(
                f"unknown key(s) {sorted(map(str, extra))}; allowed: {', '.join(sorted(_KEYS))}",
                loc,
            )
        cap_id = body.get("id")
        if not isinstance(cap_id, str) or not _ID.match(cap_id):
            raise _fail("'id' must match [a-z][a-z0-9_]*", f"{loc}.id")
        if cap_id in seen:
            raise _fail(f"capability {cap_id!r} is defined twice", f"{loc}.id")
        seen.add(cap_id)
        loc = f"{file}:{cap_id}"
        kind = body.get("kind")
        if kind is not None and kind not in rulebook.kinds:
            raise _fail(f"unknown item kind {kind!r}", f"{loc}.kind")
        if kind is None:
            for key in ("select", "products", "bands", "facts"):
                if body.get(key) is not None:
                    raise _fail(f"'{key}' needs the capability's 'kind'", f"{loc}.{key}")
            if body.get("notes") is None:
                raise _fail(
                    "a capability without a kind says in 'notes' why it is not modelled", loc
                )
        select: Node | None = None
        if body.get("select") is not None:
            assert kind is not None
            try:
                select = parse_condition(body["select"], loc=f"{loc}.select")
            except LawError as exc:
                raise _fail(exc.message, exc.loc or f"{loc}.select") from None
            _check_select(select, rulebook, kind, f"{loc}.select")
        named: list[Product] = []
        for j, ref in enumerate(body.get("products") or []):
            here = f"{loc}.products[{j}]"
            if not isinstance(ref, Mapping) or set(ref) != {"product"}:
                raise _fail("each named product is {product: NAME}", here)
            product = catalog.get(_text(ref["product"], f"{here}.product"), loc=f"{here}.product")
            if product.item.get("kind") != kind:
                raise _fail(
                    f"{product.name} is a {product.item.get('kind')}, not a {kind}",
                    f"{here}.product",
                )
            named.append(product)
        if body.get("products") is not None and not isinstance(body["products"], list):
            raise _fail("'products' must be a list", f"{loc}.products")
        source = None if body.get("source") is None else _citation(body["source"], f"{loc}.source")
        if named and source is None:
            raise _fail("named products need a 'source' that places them in the capability", loc)
        bands: list[Band] = []
        raw_bands = body.get("bands") or {}
        if not isinstance(raw_bands, Mapping):
            raise _fail("'bands' maps parameters to intervals", f"{loc}.bands")
        for param, spec in raw_bands.items():
            assert kind is not None
            bands.append(_band(str(param), spec, rulebook, kind, f"{loc}.bands.{param}"))
        band_source = (
            None
            if body.get("band_source") is None
            else _citation(body["band_source"], f"{loc}.band_source")
        )
        if bands and band_source is None:
            raise _fail("bands need a 'band_source'", loc)
        facts = body.get("facts") or {}
        if not isinstance(facts, Mapping):
            raise _fail("'facts' maps parameters to values", f"{loc}.facts")
        for param, value in facts.items():
            declared = rulebook.parameters.get(str(param))
            if declared is None or kind not in declared.kinds:
                raise _fail(f"{param!r} is not a parameter of kind {kind}", f"{loc}.facts.{param}")
            try:
                parse_value(declared, value, loc=f"{loc}.facts.{param}")
            except ChipControlsError as exc:
                raise _fail(exc.message, exc.loc or f"{loc}.facts") from None
        members: list[Product] = list(named)
        if select is not None:
            for product in catalog.products:
                if product.item.get("kind") != kind or product in members:
                    continue
                item = _parse_item(product, rulebook, catalog, f"{loc}.select")
                if status_of(select, Facts(item.values), _no_refs) is Status.MET:
                    members.append(product)
        for product in members:
            item = _parse_item(product, rulebook, catalog, loc)
            for band in bands:
                value = item.values.get(band.param)
                if value is not None and not band.contains(float(value)):
                    raise _fail(
                        f"{product.name} has {band.param} = {_num(float(value))}, outside the band "
                        f"{band.describe()}",
                        f"{loc}.bands.{band.param}",
                    )
            if bands or facts:
                if product.name in banded:
                    raise _fail(
                        f"{product.name} is already given bands or facts by {banded[product.name]}",
                        loc,
                    )
                banded[product.name] = cap_id
        out.append(
            Capability(
                id=cap_id,
                name=_text(body.get("name"), f"{loc}.name"),
                group=_text(body.get("group"), f"{loc}.group"),
                description=_text(body.get("description"), f"{loc}.description"),
                kind=kind,
                select=select,
                named=tuple(p.name for p in named),
                source=source,
                bands=tuple(bands),
                band_source=band_source,
                facts=dict(facts),
                notes=None if body.get("notes") is None else _text(body["notes"], f"{loc}.notes"),
                members=tuple(sorted(members, key=lambda p: p.name.casefold())),
            )
        )
    return Vocabulary(out, file)


def _no_refs(_entry: str, _facts: Facts) -> Status | None:
    return None


def load_capabilities_from(
    path: Path, *, rulebook: Rulebook | None = None, catalog: Catalog | None = None
) -> Vocabulary:
    raw = load_yaml_file(path, error=DataError, trusted=True)
    return parse_capabilities(
        raw,
        rulebook=rulebook or load_rulebook(),
        catalog=catalog or load_catalog(),
        file=path.name,
    )


@cache
def load_capabilities() -> Vocabulary:
    """The bundled vocabulary (catalog/capabilities.yaml), checked against the bundled law."""
    return load_capabilities_from(CAPABILITIES_FILE)


# ---------------------------------------------------------------------------- variants


_THRESHOLDS: dict[tuple[str, str], tuple[float, ...]] = {}


def thresholds(rulebook: Rulebook, param: str) -> tuple[float, ...]:
    """Every number a condition of the rulebook compares `param` with (any date, any version)."""
    key = (rulebook.version, param)
    found = _THRESHOLDS.get(key)
    if found is None:
        values: set[float] = set()
        for entry in rulebook.entries.values():
            for version in entry.versions:
                if version.condition is None:
                    continue
                for node in version.condition.walk():
                    if not isinstance(node, Compare) or node.param != param:
                        continue
                    candidates = node.value if node.op == "in" else (node.value,)
                    for value in candidates:
                        if (
                            (node.op in COMPARISONS or node.op == "in")
                            and isinstance(value, int | float)
                            and not isinstance(value, bool)
                        ):
                            values.add(float(value))
        found = _THRESHOLDS[key] = tuple(sorted(values))
    return found


def variants(
    spec: Mapping[str, Any],
    bands: Sequence[Band],
    facts: Mapping[str, Any],
    rulebook: Rulebook,
    stated: Mapping[str, Any],
) -> list[Variant]:
    """The items to evaluate for one product or class: its own figures, the capability's fixed
    facts where it states none, and each band sampled where it does not state the value."""
    base = dict(spec)
    for param, value in facts.items():
        if stated.get(param) is None:
            base[param] = value
    axes: list[list[tuple[str, float]]] = []
    for band in bands:
        if stated.get(band.param) is not None:
            continue
        declared = rulebook.parameters[band.param]
        points = band.points(thresholds(rulebook, band.param), declared.min, declared.max)
        axes.append([(band.param, p) for p in points])
    out: list[Variant] = []
    for combo in itertools.product(*axes):
        item = dict(base)
        for param, value in combo:
            item[param] = value
        out.append(Variant(item, tuple(combo)))
    return out
