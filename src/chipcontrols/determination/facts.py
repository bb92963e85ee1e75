"""From a transaction line to the shipment facts the licence rules read, and an evaluator
that resolves references to the item's classification."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chipcontrols.classification.service import EntryEvaluator, facts_with_kind
from chipcontrols.determination.transaction import Line, Party, Transaction
from chipcontrols.rulebook.conditions import AllOf, AnyOf, Node, Ref
from chipcontrols.rulebook.evaluate import (
    Explanation,
    Facts,
    Status,
    any_of,
    evaluate,
    may_be_met,
    status_of,
)
from chipcontrols.rulebook.rulebook import InForce, Rulebook, RulebookView
from chipcontrols.rulebook.schema import Version

# Country Chart columns read as 'chart:NS1'-style tags (lists us.ear.country_chart_columns.*;
# NS 2 is the dated list us.ear.country_chart.ns2).
CHART_COLUMNS = ("ns1", "mt1", "rs1", "np1")
GROUP_LISTS = ("A:1", "A:5", "A:6", "B", "D:1", "D:3", "D:4", "D:5", "E:1", "E:2")


_GROUP_CACHE: dict[tuple[str, str, dt.date], frozenset[str]] = {}


def country_groups(rulebook: Rulebook, country: str, as_of: dt.date) -> set[str]:
    """The country's code and EAR Country Groups on a date; Hong Kong is treated as China."""
    key = (rulebook.version, country, as_of)
    cached = _GROUP_CACHE.get(key)
    if cached is None:
        if len(_GROUP_CACHE) > 65536:
            _GROUP_CACHE.clear()
        cached = _GROUP_CACHE[key] = frozenset(_country_groups(rulebook, country, as_of))
    return set(cached)


def _country_groups(rulebook: Rulebook, country: str, as_of: dt.date) -> set[str]:
    codes = {country}
    if country in rulebook.members("us.ear.country_groups.treated_as_china", as_of):
        codes.add("CN")
    groups = set(codes)
    for name in GROUP_LISTS:
        slug = name.lower().replace(":", "")
        if codes & rulebook.members(f"us.ear.country_groups.{slug}", as_of):
            groups.add(name)
    if codes & rulebook.members("us.ear.country_groups.macau", as_of):
        groups.add("Macau")
    if codes & rulebook.members("us.ear.country_chart.ns2", as_of):
        groups.add("chart:NS2")
    for column in CHART_COLUMNS:
        if codes & rulebook.members(f"us.ear.country_chart_columns.{column}", as_of):
            groups.add(f"chart:{column.upper()}")
    return groups


def hq_groups(
    rulebook: Rulebook, parties: list[Party], as_of: dt.date
) -> tuple[set[str] | None, list[Party]]:
    """Groups of the headquarters and ultimate-parent countries of the receiving parties.

    None (with the parties lacking it) when a receiving party's headquarters is not given.
    """
    receiving = [p for p in parties if p.role in ("end_user", "ultimate_consignee", "purchaser")]
    lacking = [p for p in receiving if p.headquarters is None]
    if not receiving or lacking:
        return None, lacking or receiving
    groups: set[str] = set()
    for party in receiving:
        for country in (party.headquarters, party.ultimate_parent_country):
            if country:
                groups |= country_groups(rulebook, country, as_of)
    return groups, []


@dataclass
class LineFacts:
    values: dict[str, Any]  # a LazyValues


def possible(view: RulebookView, node: Node, kind: str) -> bool:
    """False when the condition can never be met for an item of this kind: it requires meeting
    item entries that apply to other kinds only (such a reference is always 'not met')."""
    if isinstance(node, Ref):
        ids = view.expand(node.entry_id)
        for entry_id in ids:
            entry = view.in_force[entry_id].entry
            if "shipment" in entry.applies_to or kind in entry.applies_to:
                return True
        return False
    if isinstance(node, AllOf):
        return all(possible(view, child, kind) for child in node.items)
    if isinstance(node, AnyOf):
        return any(possible(view, child, kind) for child in node.items)
    return True


def possible_entry(view: RulebookView, entry_id: str, version: Version, kind: str) -> bool:
    """`possible` for one shipment rule's version, cached on the view."""
    key = ("possible", entry_id, version.effective, kind)
    found: bool | None = view.memo.get(key)
    if found is None:
        found = version.condition is None or possible(view, version.condition, kind)
        view.memo[key] = found
    return found


_UNSET = object()
_SHIPMENT, _OTHER_KIND, _ITEM = "shipment", "other_kind", "item"


class ShipmentEvaluator:
    """Evaluates shipment rules; `ref` to an item entry reads the item's classification.

    Statuses come from the fast path; explanations are built only when a trace is read or a
    rule is undetermined (to name the missing facts). A version announced as not enforced
    gives way to the version before it, for the rule itself and for every reference to it.
    """

    def __init__(
        self,
        view: RulebookView,
        item_facts: Facts,
        shipment: Facts,
        items: EntryEvaluator | None = None,
    ) -> None:
        self.view = view
        self.items = items or EntryEvaluator(view)
        self.item_facts = item_facts
        self.shipment = shipment
        self._status: dict[str, Status | None] = {}
        self._explained: dict[str, tuple[Status, Explanation] | None] = {}

    def applied(self, in_force: InForce) -> tuple[Version | None, str | None]:
        if in_force.version.not_enforced_from is None:
            return in_force.version, None  # the common case: nothing to fall back from
        key = ("shipment.applied", in_force.entry.id)
        found: tuple[Version | None, str | None] | None = self.view.memo.get(key)
        if found is None:
            found = self.view.memo[key] = self._fall_back(in_force)
        return found

    def _fall_back(self, in_force: InForce) -> tuple[Version | None, str | None]:
        """The version applied on the view's date when the one in force is not enforced."""
        version: Version | None = in_force.version
        reason = None
        versions = list(in_force.entry.versions)
        while (
            version is not None
            and version.not_enforced_from is not None
            and version.not_enforced_from <= self.view.as_of
        ):
            reason = version.not_enforced_reason
            index = versions.index(version)
            earlier = [v for v in versions[:index] if v.status == "in_force"]
            version = earlier[-1] if earlier else None
        return version, reason

    def status(self, entry_id: str, facts: Facts) -> Status | None:
        if facts is not self.shipment:
            return self.items.status(entry_id, facts)
        known = self._status.get(entry_id, _UNSET)
        if known is not _UNSET:
            return known  # type: ignore[return-value]
        statuses: list[Status] = []
        for one, role, condition in self._steps(entry_id):
            if role is _SHIPMENT:
                assert condition is not None
                statuses.append(status_of(condition, self.shipment, self.status))
            elif role is _OTHER_KIND:
                statuses.append(Status.NOT_MET)
            else:
                found = self.items.status(one, self.item_facts)
                if found is not None:
                    statuses.append(found)
        result = any_of(statuses) if statuses else None
        self._status[entry_id] = result
        return result

    def _steps(self, entry_id: str) -> list[tuple[str, str, Node | None]]:
        """How to answer a reference for this kind of item: each entry it names with the
        condition to evaluate (shipment rules, in the version applied), 'not met' (an entry
        for other kinds of item, or a rule naming only such entries) or the item's own
        classification. Cached on the view per entry and kind."""
        kind = self.item_facts.values.get("__kind__")
        key = ("shipment.steps", entry_id, kind)
        steps: list[tuple[str, str, Node | None]] | None = self.view.memo.get(key)
        if steps is None:
            steps = []
            for one, in_force, role in self._plan(entry_id, kind):
                if role == "shipment":
                    version, _ = self.applied(in_force)
                    if version is None or version.condition is None:
                        continue
                    if kind is not None and not possible_entry(self.view, one, version, kind):
                        steps.append((one, _OTHER_KIND, None))  # names only other kinds
                    else:
                        steps.append((one, _SHIPMENT, version.condition))
                elif role == "other_kind":
                    steps.append((one, _OTHER_KIND, None))  # an entry for another kind
                else:
                    steps.append((one, _ITEM, None))
            self.view.memo[key] = steps
        return steps

    def _plan(self, entry_id: str, kind: str | None) -> list[tuple[str, InForce, str]]:
        """The entries a reference names, each with how to answer it (cached on the view)."""
        key = ("shipment.plan", entry_id, kind)
        plan: list[tuple[str, InForce, str]] | None = self.view.memo.get(key)
        if plan is None:
            plan = []
            for one in self.view.expand(entry_id):
                in_force = self.view.in_force[one]
                applies_to = in_force.entry.applies_to
                if "shipment" in applies_to:
                    role = "shipment"
                elif kind is not None and kind not in applies_to:
                    role = "other_kind"
                else:
                    role = "item"
                plan.append((one, in_force, role))
            self.view.memo[key] = plan
        return plan

    def resolve(
        self, entry_id: str, facts: Facts, kind: str | None = None
    ) -> tuple[Status, Explanation] | None:
        if facts is not self.shipment:
            return self.items.resolve(entry_id, facts, kind)
        if entry_id in self._explained:
            return self._explained[entry_id]
        results: list[tuple[Status, Explanation]] = []
        for one in self.view.expand(entry_id):
            in_force = self.view.get(one)
            assert in_force is not None
            result: tuple[Status, Explanation] | None
            if "shipment" in in_force.entry.applies_to:
                version, _ = self.applied(in_force)
                if version is None or version.condition is None:
                    continue
                explanation = evaluate(version.condition, self.shipment, self.resolve)
                result = (explanation.status, explanation)
            else:
                result = self.items.resolve(one, self.item_facts)
            if result is not None:
                results.append(result)
        out: tuple[Status, Explanation] | None
        if not results:
            out = None
        elif len(results) == 1:
            out = results[0]
        else:
            status = any_of([r[0] for r in results])
            out = (status, Explanation(f"any of {entry_id}", status, [r[1] for r in results]))
        self._explained[entry_id] = out
        return out

    def explain(self, version: Version) -> Explanation:
        assert version.condition is not None
        return evaluate(version.condition, self.shipment, self.resolve)


def txn_facts(
    rulebook: Rulebook, view: RulebookView, txn: Transaction, footnotes: set[str] | None
) -> dict[str, Any]:
    """The facts shared by every line of a transaction (route, parties, end uses)."""
    as_of = view.as_of
    values: dict[str, Any] = {
        "destination_groups": frozenset(country_groups(rulebook, txn.destination, as_of)),
        "transfer": txn.transfer,
    }
    exporters = [p for p in txn.parties if p.role == "exporter" and p.headquarters]
    if exporters:
        groups: set[str] = set()
        for party in exporters:
            for country in (party.headquarters, party.ultimate_parent_country):
                if country:
                    groups |= country_groups(rulebook, country, as_of)
        values["exporter_hq_groups"] = frozenset(groups)
    hq, _ = hq_groups(rulebook, txn.parties, as_of)
    if hq is not None:
        values["end_user_hq_groups"] = frozenset(hq)
    if txn.end_uses is not None:
        values["end_uses"] = txn.end_uses
    if txn.exporter_us_person is not None:
        values["exporter_us_person"] = txn.exporter_us_person
    users = [p for p in txn.parties if p.role == "end_user"]
    if users and all(p.headquarters for p in users):
        own: set[str] = set()
        for party in users:
            assert party.headquarters is not None
            own |= country_groups(rulebook, party.headquarters, as_of)
        values["end_user_headquarters_groups"] = frozenset(own)
    if txn.end_user_majority_owned_by_d5_macau_hq is not None:
        values["end_user_majority_owned_by_d5_macau_hq"] = (
            txn.end_user_majority_owned_by_d5_macau_hq
        )
    if txn.foreign_same_function_item_available is not None:
        values["foreign_same_function_item_available"] = txn.foreign_same_function_item_available
    if txn.design_ic_production_country is not None:
        values["designed_ic_production_groups"] = frozenset(
            country_groups(rulebook, txn.design_ic_production_country, as_of)
        )
    if txn.destination_region is not None:
        values["destination_region"] = txn.destination_region
    if txn.ukraine_government_deployment is not None:
        values["ukraine_government_deployment"] = txn.ukraine_government_deployment
    if "supp2_748_dd" in txn.certifications:
        values["certifications_748_supp2_dd"] = txn.certifications["supp2_748_dd"]
    if footnotes is not None:
        values["party_footnotes"] = frozenset(footnotes)
        values["end_user_fn5"] = "FN5" in footnotes
    return values


def line_facts(
    rulebook: Rulebook,
    view: RulebookView,
    txn: Transaction,
    line: Line,
    *,
    subject_basis: str | None,
    footnotes: set[str] | None,
    items: EntryEvaluator | None = None,
    item_facts: Facts | None = None,
    base: dict[str, Any] | None = None,
    subject_to_ear: bool | None = None,
) -> LineFacts:
    item = line.item
    values = dict(base if base is not None else txn_facts(rulebook, view, txn, footnotes))
    if subject_basis is not None:
        values["subject_basis"] = subject_basis
        values["subject_to_ear"] = True
    elif subject_to_ear is not None:
        values["subject_to_ear"] = subject_to_ear
    if line.us_direct_product is not None:
        values["us_direct_product"] = line.us_direct_product
    if line.contains_us_ic is not None:
        values["contains_us_ic"] = line.contains_us_ic
    if line.us_content_pct is not None:
        values["us_content_pct"] = line.us_content_pct
    # ECAD/TCAD software (744.23(a)(2)(iii)): the line says so, or an ECAD function shows it.
    functions = item.values.get("software_functions") or ()
    if line.ecad_tcad is not None:
        values["item_ecad_tcad"] = line.ecad_tcad
    elif any(str(f).startswith(("ecad", "tcad")) for f in functions):
        values["item_ecad_tcad"] = True
    currency = str(line.raw.get("currency") or "USD").upper() if line.raw else "USD"
    if line.value is not None and currency == "USD":
        values["line_value_usd"] = line.value  # LVS values are in US dollars
    if line.hts_code is not None:
        code = line.hts_code
        values["item_hts_codes"] = frozenset({code[:2], code[:4], code[:6]})
    copies = {
        "tpp": "item_tpp",
        "memory_bandwidth_gbps": "item_total_dram_bandwidth_gbps",
        "datacenter": "item_datacenter",
        "memory_bandwidth_density": "item_memory_bandwidth_density",
    }
    for src, dst in copies.items():
        if item.values.get(src) is not None:
            values[dst] = item.values[src]
    evaluator = items or EntryEvaluator(view)
    facts = item_facts or item_facts_of(line)
    lazy = LazyValues(values)
    lazy.defer(
        ("item_on_ccl", "item_eccn_bases", "item_category3_bcde", "item_ccl_categories"),
        lambda target: _item_ccl_facts(view, evaluator, facts, target, line),
    )
    return LineFacts(lazy)


class LazyValues(dict[str, Any]):
    """Shipment facts, some computed only when a rule first reads them (the item's standing
    on the CCL needs its whole US classification, and most rules never ask)."""

    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__(values)
        self._deferred: dict[str, Callable[[dict[str, Any]], None]] = {}

    def defer(self, keys: tuple[str, ...], compute: Callable[[dict[str, Any]], None]) -> None:
        for key in keys:
            self._deferred[key] = compute

    def _resolve(self, key: str) -> None:
        compute = self._deferred.get(key)
        if compute is None:
            return
        for other in [k for k, c in self._deferred.items() if c is compute]:
            del self._deferred[other]
        compute(self)

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self._resolve(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        if not dict.__contains__(self, key):
            self._resolve(key)
        return super().__getitem__(key)


def item_facts_of(line: Line) -> Facts:
    return facts_with_kind(line.item)


def _ccl_candidates(view: RulebookView, kind: str, facts: Facts) -> list[InForce]:
    """The US entries for the kind that the item's given facts may meet (an entry whose every
    way of being met reads a fact the item lacks is not met). Cached on the view per kind and
    set of given facts."""
    known = frozenset(k for k, v in facts.values.items() if v is not None)
    key = ("ccl.candidates", kind, known)
    found: list[InForce] | None = view.memo.get(key)
    if found is None:
        found = [
            f
            for f in view.for_kind(kind)
            if f.entry.jurisdiction == "US"
            and (f.version.condition is None or may_be_met(f.version.condition, known))
        ]
        view.memo[key] = found
    return found


def _item_ccl_facts(
    view: RulebookView, evaluator: EntryEvaluator, facts: Facts, values: dict[str, Any], line: Line
) -> None:
    """item_on_ccl, item_category3_bcde and item_eccn_bases from the item's US classification."""
    met: list[str] = []
    met_bases: set[str] = set()
    for in_force in _ccl_candidates(view, line.item.kind, facts):
        if in_force.entry.entry[:5] in met_bases:
            continue  # only whether some entry of each ECCN is met matters here
        found = evaluator.status(in_force.entry.id, facts)
        if found is Status.MET:
            met.append(in_force.entry.entry)
            met_bases.add(in_force.entry.entry[:5])
    # The rulebook encodes part of the CCL: without the exporter's own statement of the other
    # ECCNs ('described_in', [] for none) an item met by no encoded entry is not assumed EAR99.
    stated = line.item.values.get("described_in")
    described = stated or frozenset()
    # 'EAR99' states that the item is on no ECCN (734.3(c)); it is not an ECCN base.
    bases = {e[:5].upper() for e in met} | {
        d[:5].upper() for d in described if d.strip().upper() != "EAR99"
    }
    # The exporter's statement of the item's other ECCNs is its classification; an encoded
    # entry left undetermined asks its own facts through the rules that read it.
    known = stated is not None
    if bases:
        values["item_on_ccl"] = True
        values["item_eccn_bases"] = frozenset(bases)
        values["item_ccl_categories"] = frozenset(b[0] for b in bases)
    elif known:
        values["item_on_ccl"] = False
        values["item_eccn_bases"] = frozenset()
        values["item_ccl_categories"] = frozenset()
    if any(b[:2] in ("3B", "3C", "3D", "3E") for b in bases):
        values["item_category3_bcde"] = True
    elif known:
        values["item_category3_bcde"] = False
