"""The coalition matrix as data: the statuses of its cells, the supplier jurisdictions, the
outcomes of an item in a supplier column, and the rows and cells of a matrix with their labels
and their dictionary form. How a matrix is computed is in `scenario.coalition`.

A gap is a capability that one supplier jurisdiction blocks (licence required or prohibited) and
another lets go (free, or free under a licence exception). A gap is "supplied" when a jurisdiction
that lets it go is also where a maker of the capability is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from chipcontrols.determination.record import POLICY_SEVERITY
from chipcontrols.determination.transaction import END_USES
from chipcontrols.errors import InputError, NotFoundError
from chipcontrols.scenario.assumptions import Assumptions
from chipcontrols.scenario.capabilities import Capability

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
RANK = {FREE: 0, CONDITIONS: 1, UNDETERMINED: 2, LICENCE: 3, PROHIBITED: 4}


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
        base = RANK.get(self.status, 99)
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
