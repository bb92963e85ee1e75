"""The coalition matrix: for each capability, each supplier jurisdiction's status for a destination.

A cell answers "a supplier in jurisdiction J sells this capability to destination D": the law of J
applied by the same procedures as `determine` to a synthetic export of each product of the
capability from J to a generic end user headquartered in D, and the EAR's reach over that export
(US-origin items anywhere; foreign-made items through de minimis and the foreign direct product
rules, on the facts stated in an assumptions file). The capability's status in J is that of its
least restricted product: what D can still buy there. The suppliers include China, whose own
controls (gallium, germanium, antimony, graphite, rare earths, ...) make the reverse direction:
what a destination can still buy from China.

A gap is a capability that one supplier jurisdiction blocks (licence required or prohibited) and
another lets go (free, or free under a licence exception). A gap is "supplied" when a jurisdiction
that lets it go is also where a maker of the capability is.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipcontrols.catalog import Catalog, Product, load_catalog
from chipcontrols.classification import Classification, classify
from chipcontrols.determination import determine
from chipcontrols.determination.parties import ListedParty, PartyChecker
from chipcontrols.determination.record import POLICY_SEVERITY, Verdict
from chipcontrols.determination.service import us_rules_start
from chipcontrols.determination.transaction import (
    END_USES,
    Party,
    Transaction,
    country_code,
    parse_transaction,
)
from chipcontrols.errors import InputError, NotFoundError
from chipcontrols.rulebook.conditions import Ref
from chipcontrols.rulebook.evaluate import Status
from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook
from chipcontrols.rulebook.schema import Entry
from chipcontrols.rulebook.yamlio import load_yaml_file
from chipcontrols.scenario.capabilities import (
    Capability,
    Variant,
    Vocabulary,
    load_capabilities,
    variants,
)

# ------------------------------------------------------------------------------ statuses

FREE = "free"
CONDITIONS = "free_with_conditions"
LICENCE = "licence_required"
PROHIBITED = "prohibited"
UNDETERMINED = "undetermined"
NOT_MODELLED = "not_modelled"
NO_PRODUCT = "no_product"
DOMESTIC = "domestic"
STATUSES = (FREE, CONDITIONS, LICENCE, PROHIBITED, UNDETERMINED, NOT_MODELLED, NO_PRODUCT, DOMESTIC)
OPEN = (FREE, CONDITIONS)
BLOCKED = (LICENCE, PROHIBITED)
# How far a status keeps a buyer from the item: the cell shows its least restricted product.
_RANK = {FREE: 0, CONDITIONS: 1, UNDETERMINED: 2, LICENCE: 3, PROHIBITED: 4}

_FROM_VERDICT = {
    "not_subject": FREE,
    "no_licence_required": FREE,
    "licence_exception_available": CONDITIONS,
    "notification_required": CONDITIONS,
    "licence_required": LICENCE,
    "prohibited": PROHIBITED,
    "undetermined": UNDETERMINED,
}

# US CCL families whose licence requirements for an unlisted end user (reasons for control and
# Country Chart) the determination procedure encodes in full. An item that meets another US entry
# and comes out "no licence required" may still need a licence for a reason the rulebook does not
# encode (e.g. NS column 2 for 3B001 before it was encoded): unless a CCL licence rule in force
# reads that entry, the matrix answers "undetermined", never "free".
ENCODED_US_FAMILIES = frozenset(
    {
        "us.ear.ccl.3a090",
        "us.ear.ccl.4a090",
        "us.ear.ccl.3b090",
        "us.ear.ccl.3b993",  # RS only for Footnote 5 entities (742.6(a)(11)); AT column 1
        "us.ear.ccl.3b994",
    }
)


@dataclass(frozen=True)
class Supplier:
    """A supplier jurisdiction: where the synthetic export leaves from and whose law decides."""

    code: str
    name: str
    export_from: str
    regimes: tuple[str, ...]


SUPPLIERS: dict[str, Supplier] = {
    "US": Supplier("US", "United States", "US", ("US",)),
    "NL": Supplier("NL", "Netherlands", "NL", ("EU", "NL")),
    "JP": Supplier("JP", "Japan", "JP", ("JP",)),
    "EU": Supplier("EU", "Other EU member states", "DE", ("EU",)),
    "GB": Supplier("GB", "United Kingdom", "GB", ("GB",)),
    "KR": Supplier("KR", "South Korea", "KR", ("KR",)),
    "TW": Supplier("TW", "Taiwan", "TW", ("TW",)),
    # China as a supplier: its own export controls (materials), the reverse direction.
    "CN": Supplier("CN", "China", "CN", ("CN",)),
}
ALL_SUPPLIERS = ("US", "NL", "JP", "EU", "GB", "KR", "TW", "CN")
DEFAULT_SUPPLIERS = ALL_SUPPLIERS
DEFAULT_END_USES = ("none_of_these",)


def parse_suppliers(
    raw: Sequence[str] | str | None, *, loc: str = "--suppliers"
) -> tuple[str, ...]:
    if raw is None:
        return DEFAULT_SUPPLIERS
    items = raw.split(",") if isinstance(raw, str) else [p for r in raw for p in r.split(",")]
    out: list[str] = []
    for item in items:
        code = item.strip().upper()
        if not code:
            continue
        if code not in SUPPLIERS:
            known = ", ".join(SUPPLIERS)
            raise InputError(
                f"unknown supplier jurisdiction {item.strip()!r}; use any of {known}", loc=loc
            )
        if code not in out:
            out.append(code)
    if not out:
        raise InputError("name at least one supplier jurisdiction", loc=loc)
    return tuple(out)


def parse_end_uses(raw: Sequence[str] | None, *, loc: str = "--end-use") -> tuple[str, ...]:
    if not raw:
        return DEFAULT_END_USES
    uses = tuple(dict.fromkeys(u.strip() for r in raw for u in r.split(",") if u.strip()))
    bad = [u for u in uses if u not in END_USES]
    if bad:
        raise InputError(f"unknown end use(s) {bad}; use: {', '.join(END_USES)}", loc=loc)
    if "none_of_these" in uses and len(uses) > 1:
        raise InputError("'none_of_these' cannot be combined with other end uses", loc=loc)
    return uses


@dataclass(frozen=True)
class Outcome:
    """One item's status under one law (or the cell's, for its least restricted products)."""

    status: str
    review_policy: str | None = None
    licence_exceptions: tuple[str, ...] = ()
    verdicts: tuple[tuple[str, str], ...] = ()
    questions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str | None, tuple[str, ...]]:
        return (self.status, self.review_policy, self.licence_exceptions)

    @property
    def rank(self) -> float:
        base = _RANK.get(self.status, 99)
        if self.status == LICENCE and self.review_policy:
            return base + POLICY_SEVERITY.get(self.review_policy, 0) / 10
        return float(base)

    def label(self) -> str:
        return label(self.status, self.review_policy, self.licence_exceptions)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status}
        if self.review_policy:
            out["review_policy"] = self.review_policy
        if self.licence_exceptions:
            out["licence_exceptions"] = list(self.licence_exceptions)
        if self.verdicts:
            out["verdicts"] = {j: v for j, v in self.verdicts}
        if self.questions:
            out["questions"] = list(self.questions)
        if self.notes:
            out["notes"] = list(self.notes)
        return out


_POLICY_SHORT = {
    "presumption_of_denial": "PoD",
    "presumption_of_approval": "PoA",
    "case_by_case": "case-by-case",
    "denial": "denial",
    "approval": "approval",
    "as_listed": "as listed",
}


def label(status: str, policy: str | None = None, exceptions: Sequence[str] = ()) -> str:
    """A short human label: 'free', 'licence (PoD)', 'free (NAC)', ..."""
    if status == LICENCE:
        return f"licence ({_POLICY_SHORT.get(policy, policy)})" if policy else "licence"
    if status == CONDITIONS:
        return f"free ({', '.join(exceptions)})" if exceptions else "free, conditions"
    return {
        FREE: "free",
        PROHIBITED: "prohibited",
        UNDETERMINED: "undetermined",
        NOT_MODELLED: "not modelled",
        NO_PRODUCT: "no product",
        DOMESTIC: "domestic",
    }.get(status, status)


def _open_steps(verdict: Verdict) -> list[str]:
    """Licence steps of the EAR trace left undetermined by a test the rulebook does not formalise
    (such a test names no missing fact, so it raises no question of its own)."""
    return sorted(
        {
            step.step
            for line in verdict.trace
            for step in line.children
            if step.step in ("ccl", "end_use", "us_person") and step.outcome == "undetermined"
        }
    )


def _strictest(outcomes: Sequence[Outcome]) -> Outcome:
    """Several laws apply to one export (EU and Dutch lists): the strictest decides."""
    order = {FREE: 0, CONDITIONS: 1, UNDETERMINED: 2, LICENCE: 3, PROHIBITED: 4}
    best = max(outcomes, key=lambda o: (order.get(o.status, -1), o.rank))
    return Outcome(
        best.status,
        best.review_policy,
        best.licence_exceptions,
        tuple(v for o in outcomes for v in o.verdicts),
        tuple(dict.fromkeys(q for o in outcomes for q in o.questions)),
        tuple(dict.fromkeys(n for o in outcomes for n in o.notes)),
    )


def _least(outcomes: Sequence[Outcome]) -> Outcome:
    return min(outcomes, key=lambda o: o.rank)


@dataclass(frozen=True)
class ItemOutcome:
    """One item (product, or capability class) in one supplier column."""

    own: Outcome
    us_reach: Outcome | None = None

    def to_dict(self) -> dict[str, Any]:
        out = self.own.to_dict()
        if self.us_reach is not None:
            out["us_reach"] = self.us_reach.to_dict()
        return out


# ------------------------------------------------------------------------------ assumptions

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


# ------------------------------------------------------------------------------ the matrix


@dataclass
class ProductCell:
    name: str
    maker: str | None
    maker_country: str | None
    outcome: ItemOutcome

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "maker": self.maker,
            "maker_country": self.maker_country,
            **self.outcome.to_dict(),
        }


@dataclass
class Cell:
    supplier: str
    outcome: Outcome
    products: list[ProductCell] = field(default_factory=list)
    best: list[str] = field(default_factory=list)
    us_reach: Outcome | None = None
    makers: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.outcome.status

    def to_dict(self) -> dict[str, Any]:
        out = self.outcome.to_dict()
        out["label"] = self.outcome.label()
        out["products_at_status"] = self.best
        if self.us_reach is not None:
            out["us_reach"] = self.us_reach.to_dict()
        out["makers_here"] = self.makers
        out["products"] = [p.to_dict() for p in self.products]
        return out


@dataclass
class Row:
    capability: Capability
    cells: dict[str, Cell]
    makers: list[dict[str, Any]]

    def _where(self, statuses: Sequence[str]) -> list[str]:
        return [s for s, c in self.cells.items() if c.status in statuses]

    @property
    def blocked_in(self) -> list[str]:
        return self._where(BLOCKED)

    @property
    def open_in(self) -> list[str]:
        return self._where(OPEN)

    @property
    def undetermined_in(self) -> list[str]:
        return self._where((UNDETERMINED,))

    @property
    def gap(self) -> bool:
        return bool(self.blocked_in and self.open_in)

    @property
    def supplied_from(self) -> list[str]:
        """Jurisdictions that let the capability go and where a maker of it is."""
        return [s for s in self.open_in if self.cells[s].makers] if self.gap else []

    @property
    def supplied_gap(self) -> bool:
        return bool(self.supplied_from)

    @property
    def possible_gap(self) -> bool:
        return bool(self.blocked_in and not self.open_in and self.undetermined_in)

    @property
    def reach_closes_gap(self) -> bool:
        """Every jurisdiction that lets the capability go is reached by a US licence duty."""
        if not self.gap:
            return False
        reach = [self.cells[s].us_reach for s in self.open_in]
        return all(r is not None and r.status in BLOCKED for r in reach)

    @property
    def state(self) -> str:
        statuses = {c.status for c in self.cells.values()}
        if statuses <= {NO_PRODUCT}:
            return NO_PRODUCT
        if statuses <= {NOT_MODELLED, DOMESTIC, NO_PRODUCT}:
            return NOT_MODELLED
        if self.gap:
            return "gap"
        if self.possible_gap:
            return "possible_gap"
        if self.blocked_in:
            return "blocked"
        if self.open_in:
            return "open"
        return UNDETERMINED

    def to_dict(self, *, detail: bool = True) -> dict[str, Any]:
        cap = self.capability
        out: dict[str, Any] = {
            "id": cap.id,
            "name": cap.name,
            "group": cap.group,
            "state": self.state,
            "gap": self.gap,
            "supplied_gap": self.supplied_gap,
            "possible_gap": self.possible_gap,
            "blocked_in": self.blocked_in,
            "open_in": self.open_in,
            "undetermined_in": self.undetermined_in,
            "supplied_from": self.supplied_from,
            "reach_closes_gap": self.reach_closes_gap,
            "makers": self.makers,
        }
        if detail:
            out["cells"] = {s: c.to_dict() for s, c in self.cells.items()}
        else:
            out["cells"] = {s: c.outcome.label() for s, c in self.cells.items()}
        if cap.notes:
            out["notes"] = cap.notes
        if cap.bands:
            out["bands"] = [b.describe() for b in cap.bands]
        return out


@dataclass
class CoalitionMatrix:
    as_of: dt.date
    destination: str
    suppliers: tuple[str, ...]
    end_uses: tuple[str, ...]
    rulebook_version: str
    rows: list[Row]
    scenario: str | None = None
    assumptions: Assumptions | None = None

    def row(self, capability_id: str) -> Row:
        for row in self.rows:
            if row.capability.id == capability_id:
                return row
        raise NotFoundError(f"no capability {capability_id!r} in this matrix", loc="capability")

    @property
    def gaps(self) -> list[Row]:
        return [r for r in self.rows if r.gap]

    def to_dict(self, *, detail: bool = True) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "destination": self.destination,
            "rulebook_version": self.rulebook_version,
            "scenario": self.scenario,
            "suppliers": [
                {
                    "code": s,
                    "name": SUPPLIERS[s].name,
                    "export_from": SUPPLIERS[s].export_from,
                    "law": list(SUPPLIERS[s].regimes),
                }
                for s in self.suppliers
            ],
            "end_uses": list(self.end_uses),
            "assumptions": self.assumptions.to_dict() if self.assumptions else None,
            "capabilities": [r.to_dict(detail=detail) for r in self.rows],
            "gaps": [
                {
                    "capability": r.capability.id,
                    "name": r.capability.name,
                    "blocked_in": r.blocked_in,
                    "open_in": r.open_in,
                    "supplied_from": r.supplied_from,
                    "reach_closes_gap": r.reach_closes_gap,
                    "open_products": {s: r.cells[s].best for s in r.open_in},
                }
                for r in self.gaps
            ],
            "possible_gaps": [r.capability.id for r in self.rows if r.possible_gap],
            "method": METHOD,
        }


METHOD = (
    "Each cell applies the supplier jurisdiction's law, by the same procedures as `determine`, to "
    "a synthetic export of each product of the capability from that jurisdiction (US: from the "
    "United States; NL: from the Netherlands, EU and Dutch lists; JP: from Japan; EU: from "
    "another member state; GB: from the United Kingdom; KR: from South Korea; TW: from Taiwan; "
    "CN: from China, under China's own export controls) to a generic end user headquartered in "
    "the destination, on no restricted list, with the stated end uses, made in its maker's "
    "country. The capability's status is its least restricted product's. A jurisdiction's law "
    "outside its encoded dates or item kinds gives 'undetermined', never free; 'not modelled' "
    "means the rulebook encodes none of that jurisdiction's entries for the kind of item. "
    "'us_reach' is the EAR's verdict on the same export (US-origin items anywhere; foreign-made "
    "items through de minimis and the foreign direct product rules, on the facts of the "
    "assumptions file, else undetermined). A US 'no licence required' is shown as undetermined "
    "when the item meets a CCL entry that no encoded licence rule reads, or when a licence rule "
    "was left open by a test the rulebook does not formalise; so is a UK 'no licence required' "
    "for an item on an EU Annex I entry (the UK's assimilated dual-use list is not encoded)."
)


# ------------------------------------------------------------------------------ the analyst


@dataclass
class Met:
    """The entries an item meets on a date: US entry ids (with their designations), and the
    designations met in each other jurisdiction."""

    us: dict[str, str] = field(default_factory=dict)
    others: dict[str, list[str]] = field(default_factory=dict)


class _GenericEndUser(PartyChecker):
    """The synthetic end user is, by construction, on no restricted list."""

    def __init__(self) -> None:  # no screening service: nothing is looked up
        pass

    def active(self) -> list[Any]:
        return []

    def snapshots(self, active: list[Any] | None = None) -> list[dict[str, Any]]:
        return []

    def check(
        self, parties: list[Party], as_of: dt.date, active: list[Any] | None = None
    ) -> list[ListedParty]:
        return []

    def ownership(self, parties: list[Party], as_of: dt.date) -> list[Any]:
        return []


_UNLISTED = _GenericEndUser()


# Kinds of the investment-screening rules: no export determination reads them, so their dates
# are not law changes for the matrix.
_NOT_EXPORT_KINDS = frozenset({"deal", "deal_party"})


def export_law(entry: Entry) -> bool:
    """Whether an entry can bear on an export (investment-screening rules cannot)."""
    return not (entry.applies_to and set(entry.applies_to) <= _NOT_EXPORT_KINDS)


def change_dates(rulebook: Rulebook) -> list[dt.date]:
    """Every date on which the export law in force can change: version and list dates, the dates
    from which a version is not enforced, and the start of the US licence procedures."""
    dates: set[dt.date] = set()
    for entry in rulebook.entries.values():
        if not export_law(entry):
            continue
        for version in entry.versions:
            if version.status != "announced":
                dates.add(version.effective)
            if version.not_enforced_from is not None:
                dates.add(version.not_enforced_from)
    for dated in rulebook.lists.values():
        for lv in dated.versions:
            if lv.status != "announced":
                dates.add(lv.effective)
    start = us_rules_start(rulebook)
    if start is not None:
        dates.add(start)
    return sorted(dates)


def released_on(product: Product) -> dt.date | None:
    """The date from which a product is available (a year alone counts from 1 January)."""
    raw = product.released
    if raw is None:
        return None
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        return dt.date(raw, 1, 1)
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        if str(raw).isdigit():
            return dt.date(int(str(raw)), 1, 1)
        return None


class Analyst:
    """Evaluates products and capabilities under one rulebook, caching per law epoch.

    The law in force is constant between consecutive change dates, so an answer computed for
    one date serves every date of its epoch."""

    def __init__(
        self,
        rulebook: Rulebook | None = None,
        *,
        catalog: Catalog | None = None,
        vocabulary: Vocabulary | None = None,
        assumptions: Assumptions | None = None,
        end_uses: Sequence[str] = DEFAULT_END_USES,
        scenario: str | None = None,
    ) -> None:
        self.rulebook = rulebook or load_rulebook()
        self.catalog = catalog or load_catalog()
        self.vocabulary = vocabulary or load_capabilities()
        self.assumptions = assumptions or Assumptions()
        self.end_uses = tuple(end_uses)
        self.scenario = scenario
        self._changes = change_dates(self.rulebook)
        self._modelled: dict[str, set[str]] = {}
        for entry in self.rulebook.entries.values():
            for kind in entry.applies_to:
                self._modelled.setdefault(entry.jurisdiction, set()).add(kind)
        self._cache: dict[tuple[Any, ...], ItemOutcome] = {}
        self._txns: dict[tuple[Any, ...], Transaction] = {}
        self._classified: dict[tuple[Any, ...], Classification] = {}
        self._ccl_reads: dict[dt.date, frozenset[str]] = {}

    # ---------------------------------------------------------------- dates

    def epoch(self, as_of: dt.date) -> dt.date:
        """The first day of the law epoch `as_of` falls in."""
        self.rulebook.check_date(as_of)
        i = bisect.bisect_right(self._changes, as_of)
        return self._changes[i - 1] if i else as_of

    def modelled(self, jurisdiction: str, kind: str) -> bool:
        return kind in self._modelled.get(jurisdiction, set())

    # ---------------------------------------------------------------- one item

    def _transaction(
        self, variant: Variant, supplier: Supplier, destination: str, line: Mapping[str, Any]
    ) -> Transaction:
        key = (
            repr(sorted(variant.spec.items(), key=str)),
            supplier.code,
            destination,
            repr(sorted(line.items())),
        )
        txn = self._txns.get(key)
        if txn is None:
            raw = {
                "kind": "transaction",
                "export_from": supplier.export_from,
                "destination": destination,
                "items": [{"item": dict(variant.spec), **line}],
                "parties": [
                    {
                        "role": "end_user",
                        "name": f"Generic end user in {destination}",
                        "country": destination,
                        "headquarters": destination,
                    }
                ],
                "end_uses": list(self.end_uses),
            }
            txn = self._txns[key] = parse_transaction(raw, self.rulebook, catalog=self.catalog)
        return txn

    def _classification(
        self, txn: Transaction, key: tuple[Any, ...], day: dt.date
    ) -> Classification:
        found = self._classified.get(key)
        if found is None:
            found = self._classified[key] = classify(
                txn.lines[0].item, day, rulebook=self.rulebook, catalog=self.catalog
            )
        return found

    def _read_by_licence_rules(self, day: dt.date) -> frozenset[str]:
        """US entries that a CCL licence rule in force on `day` reads (wildcards expanded)."""
        epoch = self.epoch(day)
        found = self._ccl_reads.get(epoch)
        if found is None:
            view = self.rulebook.at(epoch)
            ids: set[str] = set()
            for in_force in view.in_force.values():
                effect = in_force.version.effect
                if (
                    in_force.entry.jurisdiction != "US"
                    or effect is None
                    or effect.step != "ccl"
                    or in_force.version.condition is None
                ):
                    continue
                for node in in_force.version.condition.walk():
                    if isinstance(node, Ref):
                        ids.update(view.expand(node.entry_id))
            found = self._ccl_reads[epoch] = frozenset(ids)
        return found

    def _map(
        self,
        verdict: Verdict | None,
        jurisdiction: str,
        kind: str,
        met: Met,
        day: dt.date,
    ) -> Outcome | None:
        if not self.modelled(jurisdiction, kind):
            return None
        if verdict is None:
            return Outcome(UNDETERMINED, notes=(f"no {jurisdiction} verdict",))
        status = _FROM_VERDICT.get(verdict.verdict, UNDETERMINED)
        notes: list[str] = []
        if jurisdiction == "US" and verdict.verdict == "no_licence_required":
            steps = _open_steps(verdict)
            if steps:
                status = UNDETERMINED
                notes.append(
                    f"A licence rule of the {' and '.join(steps)} step is undetermined for this "
                    "item (a test the rulebook does not formalise)."
                )
            read = self._read_by_licence_rules(day)
            unencoded = sorted(
                designation
                for entry_id, designation in met.us.items()
                if self.rulebook.entries[entry_id].family not in ENCODED_US_FAMILIES
                and entry_id not in read
            )
            if unencoded:
                status = UNDETERMINED
                notes.append(
                    f"The item meets {', '.join(unencoded)}; no encoded licence rule reads it, and "
                    "the licence requirements of its reasons for control (e.g. NS, Country Chart) "
                    "are not encoded."
                )
        eu = met.others.get("EU")
        if jurisdiction == "GB" and verdict.verdict == "no_licence_required" and eu:
            status = UNDETERMINED
            notes.append(
                f"The item meets EU Annex I {', '.join(eu)}; the UK's assimilated dual-use list, "
                "which follows Annex I, is not encoded."
            )
        return Outcome(
            status,
            verdict.review_policy if status == LICENCE else None,
            tuple(e.name for e in verdict.licence_exceptions) if status == CONDITIONS else (),
            ((jurisdiction, verdict.verdict),),
            tuple(q.id for q in verdict.questions),
            tuple(notes),
        )

    def _evaluate_variant(
        self,
        variant: Variant,
        made_in: str | None,
        line_facts: Mapping[str, Any],
        supplier: Supplier,
        destination: str,
        day: dt.date,
    ) -> ItemOutcome:
        kind = str(variant.spec["kind"])
        if supplier.export_from == destination:
            return ItemOutcome(Outcome(DOMESTIC))
        line: dict[str, Any] = {k: v for k, v in line_facts.items() if k != "made_in"}
        made = line_facts.get("made_in", made_in)
        if made is not None:
            line["made_in"] = made
            if made == "US":
                line.pop("us_content_pct", None)
        txn = self._transaction(variant, supplier, destination, line)
        det = determine(txn, day, rulebook=self.rulebook, catalog=self.catalog, parties=_UNLISTED)
        classification = self._classification(
            txn, (repr(sorted(variant.spec.items(), key=str)), self.epoch(day)), day
        )
        met = Met()
        for result in classification.entries:
            if result.status is Status.MET:
                if result.jurisdiction == "US":
                    met.us[result.id] = result.entry
                else:
                    met.others.setdefault(result.jurisdiction, []).append(result.entry)
        own = [
            o
            for regime in supplier.regimes
            if (o := self._map(det.verdict_for(regime), regime, kind, met, day)) is not None
        ]
        own_outcome = _strictest(own) if own else Outcome(NOT_MODELLED)
        reach = None
        if supplier.code != "US" and own_outcome.status != NOT_MODELLED:
            reach = self._map(det.verdict_for("US"), "US", kind, met, day)
        return ItemOutcome(own_outcome, reach)

    def outcome(
        self,
        subject: Product | Capability,
        supplier: str,
        destination: str,
        as_of: dt.date,
    ) -> ItemOutcome:
        """A product (with the bands its capability states) or a capability evaluated as a
        class, in one supplier column, on one date."""
        sup = SUPPLIERS[supplier]
        epoch = self.epoch(as_of)
        if isinstance(subject, Product):
            name = subject.name
            spec: dict[str, Any] = dict(subject.spec())
            bands, facts = self.vocabulary.band_of(subject)
            stated: Mapping[str, Any] = subject.item
            made_in = subject.maker_country
            line_facts = self.assumptions.facts_for(subject)
        else:
            assert subject.kind is not None
            name = f"capability:{subject.id}"
            spec = {"kind": subject.kind, "name": subject.name}
            bands, facts = subject.bands, subject.facts
            stated = {}
            made_in = None
            line_facts = {}
        key = (name, supplier, destination, epoch)
        found = self._cache.get(key)
        if found is not None:
            return found
        results = [
            (v, self._evaluate_variant(v, made_in, line_facts, sup, destination, epoch))
            for v in variants(spec, bands, facts, self.rulebook, stated)
        ]
        found = self._merge(results)
        self._cache[key] = found
        return found

    @staticmethod
    def _merge(results: Sequence[tuple[Variant, ItemOutcome]]) -> ItemOutcome:
        """Band points that agree give their answer; points that differ give 'undetermined'."""
        if len(results) == 1:
            return results[0][1]

        def merged(pick: list[tuple[Variant, Outcome]]) -> Outcome:
            keys = {o.key for _, o in pick}
            if len(keys) == 1:
                first = pick[0][1]
                return Outcome(
                    first.status,
                    first.review_policy,
                    first.licence_exceptions,
                    first.verdicts,
                    tuple(dict.fromkeys(q for _, o in pick for q in o.questions)),
                    tuple(dict.fromkeys(n for _, o in pick for n in o.notes)),
                )
            detail = "; ".join(f"{v.describe()}: {o.label()}" for v, o in pick)
            return Outcome(
                UNDETERMINED,
                verdicts=tuple(dict.fromkeys(x for _, o in pick for x in o.verdicts)),
                notes=(f"The law divides the capability's band: {detail}.",),
            )

        own = merged([(v, r.own) for v, r in results])
        reaches = [(v, r.us_reach) for v, r in results if r.us_reach is not None]
        reach = merged([(v, o) for v, o in reaches]) if reaches else None
        return ItemOutcome(own, reach)

    # ---------------------------------------------------------------- the matrix

    def available(self, product: Product, as_of: dt.date) -> bool:
        released = released_on(product)
        return released is None or released <= as_of

    def row(
        self,
        capability: Capability,
        destination: str,
        as_of: dt.date,
        suppliers: Sequence[str],
    ) -> Row:
        products = [p for p in capability.members if self.available(p, as_of)]
        eu_members = self.rulebook.members("eu.lists.member_states", as_of)
        makers: list[dict[str, Any]] = []
        for p in products:
            entry = {"maker": p.maker, "country": p.maker_country}
            if entry not in makers:
                makers.append(entry)
        cells: dict[str, Cell] = {}
        for code in suppliers:
            here = sorted(
                {
                    str(p.maker)
                    for p in products
                    if p.maker_country == code
                    or (
                        code == "EU"
                        and p.maker_country in eu_members
                        and p.maker_country not in suppliers
                    )
                }
            )
            if not capability.modelled:
                cells[code] = Cell(code, Outcome(NOT_MODELLED, notes=(capability.notes or "",)))
                continue
            if not products and not capability.is_class:
                cells[code] = Cell(code, Outcome(NO_PRODUCT), makers=here)
                continue
            if capability.is_class:
                item = self.outcome(capability, code, destination, as_of)
                entries = [ProductCell(f"{capability.name} (class)", None, None, item)]
            else:
                entries = [
                    ProductCell(
                        p.name,
                        p.maker,
                        p.maker_country,
                        self.outcome(p, code, destination, as_of),
                    )
                    for p in products
                ]
            ranked = [e for e in entries if e.outcome.own.status in _RANK]
            if not ranked:
                status = entries[0].outcome.own.status
                cells[code] = Cell(code, Outcome(status), entries, [], None, here)
                continue
            best = _least([e.outcome.own for e in ranked])
            at_best = [e for e in ranked if e.outcome.own.key == best.key]
            reaches = [e.outcome.us_reach for e in at_best if e.outcome.us_reach is not None]
            cell_outcome = Outcome(
                best.status,
                best.review_policy,
                best.licence_exceptions,
                questions=tuple(dict.fromkeys(q for e in at_best for q in e.outcome.own.questions)),
                notes=tuple(dict.fromkeys(n for e in at_best for n in e.outcome.own.notes)),
            )
            cells[code] = Cell(
                code,
                cell_outcome,
                entries,
                [e.name for e in at_best],
                _least(reaches) if reaches else None,
                here,
            )
        return Row(capability, cells, makers)

    def matrix(
        self,
        destination: str,
        as_of: dt.date,
        *,
        suppliers: Sequence[str] = DEFAULT_SUPPLIERS,
        capabilities: Sequence[str] | None = None,
    ) -> CoalitionMatrix:
        destination = country_code(destination, loc="--destination")
        self.rulebook.check_date(as_of)
        rows = [
            self.row(cap, destination, as_of, suppliers)
            for cap in self.vocabulary.pick(capabilities)
        ]
        return CoalitionMatrix(
            as_of,
            destination,
            tuple(suppliers),
            self.end_uses,
            self.rulebook.version,
            rows,
            self.scenario,
            self.assumptions if (self.assumptions.products or self.assumptions.makers) else None,
        )


def coalition_matrix(
    destination: str,
    as_of: dt.date | None = None,
    *,
    suppliers: Sequence[str] = DEFAULT_SUPPLIERS,
    capabilities: Sequence[str] | None = None,
    end_uses: Sequence[str] = DEFAULT_END_USES,
    assumptions: Assumptions | None = None,
    rulebook: Rulebook | None = None,
    scenario: str | None = None,
) -> CoalitionMatrix:
    """The coalition matrix for a destination on a date (default today)."""
    analyst = Analyst(rulebook, assumptions=assumptions, end_uses=end_uses, scenario=scenario)
    return analyst.matrix(
        destination, as_of or dt.date.today(), suppliers=suppliers, capabilities=capabilities
    )
