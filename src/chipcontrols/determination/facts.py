"""From a transaction line to the shipment facts the licence rules read, and an evaluator
that resolves references to the item's classification."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from chipcontrols.classification.service import _Evaluator, _with_kind
from chipcontrols.determination.transaction import Line, Party, Transaction
from chipcontrols.rulebook.evaluate import Explanation, Facts, Status, evaluate
from chipcontrols.rulebook.rulebook import InForce, Rulebook, RulebookView

GROUP_LISTS = ("A:1", "A:5", "A:6", "D:1", "D:3", "D:4", "D:5", "E:1", "E:2")


def country_groups(rulebook: Rulebook, country: str, as_of: dt.date) -> set[str]:
    """The country's code and EAR Country Groups on a date; Hong Kong is treated as China."""
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
    values: dict[str, Any]
    missing_hq: list[Party] = field(default_factory=list)


class ShipmentEvaluator:
    """Evaluates shipment rules; `ref` to an item entry reads the item's classification."""

    def __init__(self, view: RulebookView, item_facts: Facts, shipment: Facts) -> None:
        self.view = view
        self.items = _Evaluator(view)
        self.item_facts = item_facts
        self.shipment = shipment
        self._memo: dict[str, tuple[Status, Explanation] | None] = {}

    def resolve(
        self, entry_id: str, facts: Facts, kind: str | None = None
    ) -> tuple[Status, Explanation] | None:
        if facts is not self.shipment:
            return self.items.resolve(entry_id, facts, kind)
        if entry_id in self._memo:
            return self._memo[entry_id]
        ids = self.view.expand(entry_id)
        results: list[tuple[Status, Explanation]] = []
        for one in ids:
            in_force = self.view.get(one)
            assert in_force is not None
            result: tuple[Status, Explanation] | None
            if "shipment" in in_force.entry.applies_to:
                result = self.run(in_force)
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
            statuses = [r[0] for r in results]
            status = (
                Status.MET
                if Status.MET in statuses
                else Status.UNDETERMINED
                if Status.UNDETERMINED in statuses
                else Status.NOT_MET
            )
            out = (status, Explanation(f"any of {entry_id}", status, [r[1] for r in results]))
        self._memo[entry_id] = out
        return out

    def run(self, in_force: InForce) -> tuple[Status, Explanation]:
        assert in_force.version.condition is not None
        explanation = evaluate(in_force.version.condition, self.shipment, self.resolve)
        return explanation.status, explanation


def line_facts(
    rulebook: Rulebook,
    view: RulebookView,
    txn: Transaction,
    line: Line,
    *,
    subject_basis: str | None,
    footnotes: set[str] | None,
) -> LineFacts:
    as_of = view.as_of
    item = line.item
    values: dict[str, Any] = {
        "destination_groups": frozenset(country_groups(rulebook, txn.destination, as_of)),
        "transfer": txn.transfer,
    }
    hq, lacking = hq_groups(rulebook, txn.parties, as_of)
    if hq is not None:
        values["end_user_hq_groups"] = frozenset(hq)
    if txn.end_uses is not None:
        values["end_uses"] = txn.end_uses
    if txn.exporter_us_person is not None:
        values["exporter_us_person"] = txn.exporter_us_person
    if "supp2_748_dd" in txn.certifications:
        values["certifications_748_supp2_dd"] = txn.certifications["supp2_748_dd"]
    if subject_basis is not None:
        values["subject_basis"] = subject_basis
    if footnotes is not None:
        values["party_footnotes"] = frozenset(footnotes)
        values["end_user_fn5"] = "FN5" in footnotes
    if line.us_direct_product is not None:
        values["us_direct_product"] = line.us_direct_product
    if line.contains_us_ic is not None:
        values["contains_us_ic"] = line.contains_us_ic
    if line.us_content_pct is not None:
        values["us_content_pct"] = line.us_content_pct
    copies = {
        "tpp": "item_tpp",
        "memory_bandwidth_gbps": "item_total_dram_bandwidth_gbps",
        "datacenter": "item_datacenter",
        "memory_bandwidth_density": "item_memory_bandwidth_density",
    }
    for src, dst in copies.items():
        if item.values.get(src) is not None:
            values[dst] = item.values[src]
    _item_ccl_facts(view, item_facts_of(line), values, line)
    return LineFacts(values, lacking)


def item_facts_of(line: Line) -> Facts:
    return _with_kind(line.item)


def _item_ccl_facts(view: RulebookView, facts: Facts, values: dict[str, Any], line: Line) -> None:
    """item_on_ccl, item_category3_bcde and item_eccn_bases from the item's US classification."""
    evaluator = _Evaluator(view)
    met: list[str] = []
    undetermined = False
    for in_force in view.for_kind(line.item.kind):
        if in_force.entry.jurisdiction != "US":
            continue
        result = evaluator.resolve(in_force.entry.id, facts)
        if result is None:
            continue
        if result[0] is Status.MET:
            met.append(in_force.entry.entry)
        elif result[0] is Status.UNDETERMINED:
            undetermined = True
    # The rulebook encodes part of the CCL: without the exporter's own statement of the other
    # ECCNs ('described_in', [] for none) an item met by no encoded entry is not assumed EAR99.
    stated = line.item.values.get("described_in")
    described = stated or frozenset()
    bases = {e[:5].upper() for e in met} | {d[:5].upper() for d in described}
    known = stated is not None and not undetermined
    if bases:
        values["item_on_ccl"] = True
        values["item_eccn_bases"] = frozenset(bases)
    elif known:
        values["item_on_ccl"] = False
        values["item_eccn_bases"] = frozenset()
    if any(b[:2] in ("3B", "3C", "3D", "3E") for b in bases):
        values["item_category3_bcde"] = True
    elif known:
        values["item_category3_bcde"] = False
