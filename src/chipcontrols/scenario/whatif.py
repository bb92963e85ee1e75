"""What a scenario would change: the law in force on a date, the status of every catalog product
in every jurisdiction, the coalition's gaps, and stored past determinations re-run under it.

Everything is computed twice, under the real rulebook and under the scenario's, by the same
procedures; only the differences are reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipcontrols.catalog import Catalog, load_catalog
from chipcontrols.determination import Determination, determine
from chipcontrols.errors import ChipControlsError, InputError
from chipcontrols.rulebook.diff import entry_change
from chipcontrols.rulebook.yamlio import load_yaml_file
from chipcontrols.scenario.assumptions import Assumptions
from chipcontrols.scenario.capabilities import Vocabulary, load_capabilities
from chipcontrols.scenario.coalition import Analyst
from chipcontrols.scenario.matrix import (
    ALL_SUPPLIERS,
    DEFAULT_END_USES,
    DEFAULT_SUPPLIERS,
    CoalitionMatrix,
    ItemOutcome,
)
from chipcontrols.scenario.overlay import Scenario

# ---------------------------------------------------------------------- stored determinations

_DETERMINATION_KEYS = {
    # a Determination as `determine --format json` prints it
    "as_of",
    "inputs",
    "verdicts",
    "rulebook_version",
    "engine_version",
    "list_snapshots",
    # a stored record as the service layer keeps it
    "id",
    "kind",
    "input",
    "result",
    "created_at",
    "actor",
    "transaction_id",
    "summary",
    "sha256",
    "audit_seq",
    "name",
}


@dataclass(frozen=True)
class StoredDetermination:
    id: str
    as_of: dt.date
    inputs: Mapping[str, Any]
    verdicts: tuple[Mapping[str, Any], ...] | None
    loc: str


def _date(raw: Any, *, loc: str) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise InputError(f"bad date {raw!r}; write YYYY-MM-DD", loc=loc)


def parse_determinations(raw: Any, *, loc: str = "determinations") -> list[StoredDetermination]:
    """Past determinations: a list (or {determinations: [...]}) of records, each with `as_of` and
    `inputs` (the transaction) and optionally the `verdicts` it gave; records as the service
    layer stores them ({id, kind, as_of, input: {transaction}, result}) are read too."""
    if isinstance(raw, Mapping):
        if set(raw) != {"determinations"}:
            raise InputError(
                "a determinations file is a list of records, or {determinations: [...]}", loc=loc
            )
        raw = raw["determinations"]
        loc = f"{loc}.determinations"
    if not isinstance(raw, list) or not raw:
        raise InputError("expected a non-empty list of past determinations", loc=loc)
    out: list[StoredDetermination] = []
    seen: set[str] = set()
    for i, record in enumerate(raw):
        here = f"{loc}[{i}]"
        if not isinstance(record, Mapping):
            raise InputError("a past determination is a mapping with as_of and inputs", loc=here)
        extra = set(map(str, record)) - _DETERMINATION_KEYS
        if extra:
            raise InputError(
                f"unknown key(s) {sorted(extra)}; a record has as_of, inputs and verdicts "
                "(or the stored-record fields id, kind, input, result)",
                loc=here,
            )
        if record.get("kind") not in (None, "determination"):
            raise InputError(
                f"record of kind {record.get('kind')!r}; only determinations can be re-run",
                loc=f"{here}.kind",
            )
        if record.get("as_of") is None:
            raise InputError("missing 'as_of'", loc=f"{here}.as_of")
        as_of = _date(record["as_of"], loc=f"{here}.as_of")
        inputs: Any = record.get("inputs")
        if inputs is None and isinstance(record.get("input"), Mapping):
            inputs = record["input"].get("transaction")
        if not isinstance(inputs, Mapping):
            raise InputError(
                "missing 'inputs': the transaction the determination was made for",
                loc=f"{here}.inputs",
            )
        verdicts: Any = record.get("verdicts")
        if verdicts is None and isinstance(record.get("result"), Mapping):
            verdicts = record["result"].get("verdicts")
        if verdicts is not None and (
            not isinstance(verdicts, list) or not all(isinstance(v, Mapping) for v in verdicts)
        ):
            raise InputError("'verdicts' must be a list of verdict records", loc=f"{here}.verdicts")
        ident = str(record.get("id") or record.get("name") or f"#{i + 1}")
        if ident in seen:
            raise InputError(f"two records have the id {ident!r}", loc=f"{here}.id")
        seen.add(ident)
        out.append(
            StoredDetermination(
                ident, as_of, inputs, None if verdicts is None else tuple(verdicts), here
            )
        )
    return out


def load_determinations(path: str | Path) -> list[StoredDetermination]:
    file = Path(path)
    raw = load_yaml_file(file, error=InputError)
    if raw is None:
        raise InputError("empty determinations file", loc=str(file))
    return parse_determinations(raw, loc=str(file))


# ---------------------------------------------------------------------- the report


def _verdict_summary(det: Determination) -> dict[str, dict[str, Any]]:
    return {
        v.jurisdiction: {
            "verdict": v.verdict,
            "review_policy": v.review_policy,
            "licence_exceptions": [e.name for e in v.licence_exceptions],
        }
        for v in det.verdicts
    }


def _stored_summary(verdicts: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for v in verdicts:
        exceptions = v.get("licence_exceptions") or []
        out[str(v.get("jurisdiction"))] = {
            "verdict": v.get("verdict"),
            "review_policy": v.get("review_policy"),
            "licence_exceptions": [
                e.get("name") if isinstance(e, Mapping) else str(e) for e in exceptions
            ],
        }
    return out


@dataclass
class WhatIf:
    scenario: Scenario
    as_of: dt.date
    destination: str
    suppliers: tuple[str, ...]
    end_uses: tuple[str, ...]
    law_changes: list[dict[str, Any]]
    product_changes: list[dict[str, Any]]
    gap_changes: dict[str, list[dict[str, Any]]]
    base_matrix: CoalitionMatrix
    scenario_matrix: CoalitionMatrix
    determinations: list[dict[str, Any]] = field(default_factory=list)
    determination_errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed_determinations(self) -> list[dict[str, Any]]:
        return [d for d in self.determinations if d["changed"]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.to_dict(),
            "as_of": self.as_of.isoformat(),
            "destination": self.destination,
            "suppliers": list(self.suppliers),
            "end_uses": list(self.end_uses),
            "rulebook_version": self.scenario.base.version,
            "scenario_rulebook_version": self.scenario.rulebook.version,
            "law_changes": self.law_changes,
            "product_changes": self.product_changes,
            "gaps": self.gap_changes,
            "determinations": {
                "checked": len(self.determinations) + len(self.determination_errors),
                "changed": self.changed_determinations,
                "unchanged": [d["id"] for d in self.determinations if not d["changed"]],
                "errors": self.determination_errors,
            },
            "coalition": {
                "base": self.base_matrix.to_dict(detail=False),
                "scenario": self.scenario_matrix.to_dict(detail=False),
            },
        }


def law_changes(scenario: Scenario, as_of: dt.date) -> list[dict[str, Any]]:
    """Entries (and lists) in force differently on `as_of` under the scenario."""
    base, scen = scenario.base, scenario.rulebook
    out: list[dict[str, Any]] = []
    for entry_id in sorted(set(scen.entries) | set(base.entries)):
        old_entry, new_entry = base.entries.get(entry_id), scen.entries.get(entry_id)
        if old_entry is new_entry:
            continue
        old = old_entry.version_at(as_of) if old_entry else None
        new = new_entry.version_at(as_of) if new_entry else None
        entry = new_entry or old_entry
        assert entry is not None
        change = entry_change(entry, old, new)
        if change is not None:
            out.append(change)
    for list_id in sorted(scen.lists):
        old_list, new_list = base.lists.get(list_id), scen.lists[list_id]
        if old_list is new_list or old_list is None:
            continue
        before, after = old_list.members_at(as_of), new_list.members_at(as_of)
        if before != after:
            out.append(
                {
                    "id": list_id,
                    "entry": new_list.name,
                    "jurisdiction": new_list.jurisdiction,
                    "change": "list_changed",
                    "added_members": sorted(after - before),
                    "removed_members": sorted(before - after),
                }
            )
    return out


def _outcome_dict(outcome: ItemOutcome) -> dict[str, Any]:
    out: dict[str, Any] = {"status": outcome.own.status, "label": outcome.own.label()}
    if outcome.own.review_policy:
        out["review_policy"] = outcome.own.review_policy
    if outcome.own.licence_exceptions:
        out["licence_exceptions"] = list(outcome.own.licence_exceptions)
    if outcome.us_reach is not None:
        out["us_reach"] = outcome.us_reach.label()
    return out


def what_if(
    scenario: Scenario,
    as_of: dt.date,
    *,
    destination: str = "CN",
    suppliers: Sequence[str] = DEFAULT_SUPPLIERS,
    end_uses: Sequence[str] = DEFAULT_END_USES,
    assumptions: Assumptions | None = None,
    determinations: Sequence[StoredDetermination] = (),
    screen: bool = True,
    catalog: Catalog | None = None,
    vocabulary: Vocabulary | None = None,
) -> WhatIf:
    catalog = catalog or load_catalog()
    vocabulary = vocabulary or load_capabilities()
    common: dict[str, Any] = {
        "catalog": catalog,
        "vocabulary": vocabulary,
        "assumptions": assumptions,
        "end_uses": end_uses,
    }
    base = Analyst(scenario.base, **common)
    scen = Analyst(scenario.rulebook, scenario=scenario.name, **common)
    scenario.rulebook.check_date(as_of)
    base_matrix = base.matrix(destination, as_of, suppliers=suppliers)
    scen_matrix = scen.matrix(destination, as_of, suppliers=suppliers)

    products: list[dict[str, Any]] = []
    for product in catalog.products:
        if not base.available(product, as_of):
            continue
        for code in ALL_SUPPLIERS:
            old = base.outcome(product, code, base_matrix.destination, as_of)
            new = scen.outcome(product, code, base_matrix.destination, as_of)
            old_reach = old.us_reach.key if old.us_reach else None
            new_reach = new.us_reach.key if new.us_reach else None
            if old.own.key == new.own.key and old_reach == new_reach:
                continue
            products.append(
                {
                    "product": product.name,
                    "maker": product.maker,
                    "maker_country": product.maker_country,
                    "jurisdiction": code,
                    "base": _outcome_dict(old),
                    "scenario": _outcome_dict(new),
                }
            )

    gaps: dict[str, list[dict[str, Any]]] = {"opened": [], "closed": [], "changed": []}
    for old_row, new_row in zip(base_matrix.rows, scen_matrix.rows, strict=True):
        old_cells = {s: c.outcome.label() for s, c in old_row.cells.items()}
        new_cells = {s: c.outcome.label() for s, c in new_row.cells.items()}
        entry = {
            "capability": new_row.capability.id,
            "name": new_row.capability.name,
            "base": {
                "state": old_row.state,
                "cells": old_cells,
                "blocked_in": old_row.blocked_in,
                "open_in": old_row.open_in,
                "supplied_from": old_row.supplied_from,
            },
            "scenario": {
                "state": new_row.state,
                "cells": new_cells,
                "blocked_in": new_row.blocked_in,
                "open_in": new_row.open_in,
                "supplied_from": new_row.supplied_from,
            },
        }
        if new_row.gap and not old_row.gap:
            gaps["opened"].append(entry)
        elif old_row.gap and not new_row.gap:
            gaps["closed"].append(entry)
        elif old_cells != new_cells or old_row.supplied_from != new_row.supplied_from:
            gaps["changed"].append(entry)

    rerun: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for record in determinations:
        try:
            before = determine(
                dict(record.inputs),
                record.as_of,
                rulebook=scenario.base,
                catalog=catalog,
                screen=screen,
            )
            after = determine(
                dict(record.inputs),
                record.as_of,
                rulebook=scenario.rulebook,
                catalog=catalog,
                screen=screen,
            )
        except ChipControlsError as exc:
            errors.append({"id": record.id, "as_of": record.as_of.isoformat(), **exc.to_dict()})
            continue
        old_v, new_v = _verdict_summary(before), _verdict_summary(after)
        stored = _stored_summary(record.verdicts) if record.verdicts is not None else None
        verdicts = [
            {
                "jurisdiction": j,
                "stored": stored.get(j) if stored is not None else None,
                "base": old_v.get(j),
                "scenario": new_v.get(j),
            }
            for j in sorted(set(old_v) | set(new_v))
        ]
        rerun.append(
            {
                "id": record.id,
                "as_of": record.as_of.isoformat(),
                "changed": old_v != new_v,
                "differs_from_stored": stored is not None
                and any(
                    _key(stored.get(j)) != _key(old_v.get(j)) for j in set(stored) | set(old_v)
                ),
                "verdicts": [v for v in verdicts if v["base"] != v["scenario"]] or verdicts,
            }
        )
    return WhatIf(
        scenario=scenario,
        as_of=as_of,
        destination=base_matrix.destination,
        suppliers=tuple(suppliers),
        end_uses=tuple(end_uses),
        law_changes=law_changes(scenario, as_of),
        product_changes=products,
        gap_changes=gaps,
        base_matrix=base_matrix,
        scenario_matrix=scen_matrix,
        determinations=rerun,
        determination_errors=errors,
    )


def _key(summary: Mapping[str, Any] | None) -> tuple[Any, ...] | None:
    if summary is None:
        return None
    return (
        summary.get("verdict"),
        summary.get("review_policy"),
        tuple(summary.get("licence_exceptions") or ()),
    )
