"""The coalition matrix: for each capability, each supplier jurisdiction's status for a destination.

A cell answers "a supplier in jurisdiction J sells this capability to destination D": the law of J
applied by the same procedures as `determine` to a synthetic export of each product of the
capability from J to a generic end user headquartered in D, and the EAR's reach over that export
(US-origin items anywhere; foreign-made items through de minimis and the foreign direct product
rules, on the facts stated in an assumptions file). The capability's status in J is that of its
least restricted product: what D can still buy there. The suppliers include China, whose own
controls (gallium, germanium, antimony, graphite, rare earths, ...) make the reverse direction:
what a destination can still buy from China.

The matrix's data (statuses, suppliers, rows and cells) is in `scenario.matrix`, the assumptions
file in `scenario.assumptions`.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chipcontrols.catalog import Catalog, Product, load_catalog
from chipcontrols.classification import Classification, classify
from chipcontrols.determination import determine
from chipcontrols.determination.parties import ListedParty, PartyChecker
from chipcontrols.determination.record import Verdict
from chipcontrols.determination.service import us_rules_start
from chipcontrols.determination.transaction import (
    Party,
    Transaction,
    country_code,
    parse_transaction,
)
from chipcontrols.rulebook.conditions import Ref
from chipcontrols.rulebook.evaluate import Status
from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook
from chipcontrols.rulebook.schema import Entry
from chipcontrols.scenario.assumptions import Assumptions
from chipcontrols.scenario.capabilities import (
    Capability,
    Variant,
    Vocabulary,
    load_capabilities,
    variants,
)
from chipcontrols.scenario.matrix import (
    CONDITIONS,
    DEFAULT_END_USES,
    DEFAULT_SUPPLIERS,
    DOMESTIC,
    FREE,
    LICENCE,
    NO_PRODUCT,
    NOT_MODELLED,
    PROHIBITED,
    RANK,
    SUPPLIERS,
    UNDETERMINED,
    Cell,
    CoalitionMatrix,
    ItemOutcome,
    Outcome,
    ProductCell,
    Row,
    Supplier,
)

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
            ranked = [e for e in entries if e.outcome.own.status in RANK]
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
