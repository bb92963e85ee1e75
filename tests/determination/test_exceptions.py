"""Licence exceptions overcome only the requirements they name."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chipcontrols.determination import determine
from chipcontrols.determination.parties import ListedParty, OwnedParty, PartyChecker
from chipcontrols.determination.transaction import Party

HBM = {
    "kind": "memory_ic",
    "name": "HBM3 stack",
    "memory_bandwidth_gbps": 300,
    "package_area_mm2": 100,
    "co_packaged_processing_dominant": False,
}


def _txn(item: dict[str, Any], parties: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "kind": "transaction",
        "export_from": "US",
        "destination": "CN",
        "items": [{"item": item, "made_in": "US"}],
        "parties": parties,
        "end_uses": ["none_of_these"],
    }
    doc.update(extra)
    return doc


CN_END_USER = {
    "role": "end_user",
    "name": "Example Packaging Co., Ltd.",
    "country": "CN",
    "headquarters": "CN",
}


def test_hbm_exception_needs_the_exporters_headquarters() -> None:
    day = dt.date(2025, 3, 1)
    unknown = determine(_txn(HBM, [CN_END_USER]), day).verdict_for("US")
    assert unknown is not None and unknown.verdict == "licence_required"
    us_exporter = {
        "role": "exporter",
        "name": "Example Memory Inc.",
        "country": "US",
        "headquarters": "US",
    }
    known = determine(_txn(HBM, [us_exporter, CN_END_USER]), day).verdict_for("US")
    assert known is not None and known.verdict == "licence_exception_available"
    assert [e.name for e in known.licence_exceptions] == ["HBM"]


def test_hbm_exception_not_above_3_3() -> None:
    dense = dict(HBM, memory_bandwidth_gbps=400)  # 4.0 GB/s/mm2
    us_exporter = {
        "role": "exporter",
        "name": "Example Memory Inc.",
        "country": "US",
        "headquarters": "US",
    }
    verdict = determine(_txn(dense, [us_exporter, CN_END_USER]), dt.date(2025, 3, 1))
    us = verdict.verdict_for("US")
    assert us is not None and us.verdict == "licence_required"


class _Listed(PartyChecker):
    """A checker that reports the end user as listed with the given licence requirement."""

    def __init__(self, requirement: str) -> None:
        self.requirement = requirement

    def active(self) -> list[Any]:
        return []

    def snapshots(self, active: list[Any] | None = None) -> list[dict[str, Any]]:
        return [{"id": "test", "dataset": "test", "as_of": "2025-01-01"}]

    def check(
        self, parties: list[Party], as_of: dt.date, active: list[Any] | None = None
    ) -> list[ListedParty]:
        end_user = next(p for p in parties if p.role == "end_user")
        return [
            ListedParty(
                end_user,
                "el:test",
                end_user.name,
                1.0,
                True,
                self.requirement,
                "Presumption of denial",
                (),
                ["89 FR 96836"],
                "test",
            )
        ]

    def ownership(self, parties: list[Party], as_of: dt.date) -> list[OwnedParty]:
        return []


GAMING = {
    "kind": "integrated_circuit",
    "name": "Gaming GPU",
    "tpp": 5285,
    "die_area_mm2": 609,
    "datacenter": False,
    "described_in": [],
}


def test_nac_does_not_overcome_an_entity_list_requirement() -> None:
    checker = _Listed("For all items subject to the EAR")
    alone = determine(_txn(GAMING, [CN_END_USER]), dt.date(2024, 6, 1), parties=checker)
    us = alone.verdict_for("US")
    assert us is not None and us.verdict == "licence_required"
    assert us.licence_exceptions == []


def test_rff_for_a_restricted_fabrication_facility() -> None:
    checker = _Listed("For all items subject to the EAR. See § 740.26 (License Exception RFF)")
    item = {
        "kind": "integrated_circuit",
        "name": "Controller",
        "tpp": 10,
        "die_area_mm2": 50,
        "datacenter": False,
        "described_in": [],
    }
    result = determine(_txn(item, [CN_END_USER]), dt.date(2025, 3, 1), parties=checker)
    us = result.verdict_for("US")
    assert us is not None and us.verdict == "licence_exception_available"
    assert [e.name for e in us.licence_exceptions] == ["RFF"]
    node = _txn(item, [CN_END_USER], end_uses=["advanced_node_ic_production"])
    blocked = determine(node, dt.date(2025, 3, 1), parties=checker).verdict_for("US")
    assert blocked is not None and blocked.verdict == "licence_required"
