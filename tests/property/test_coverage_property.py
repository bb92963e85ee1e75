"""The coverage rule as a property: over random dates (2015-2027), item kinds, destinations and
exporting countries, no verdict is 'free' (no licence required, not subject) unless the
jurisdiction's encoded law covers that date, and the trace shows the coverage and the
provisions that decided it. Outside coverage the answer is 'undetermined' with a question."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from chipcontrols.catalog import load_catalog
from chipcontrols.determination import determine
from chipcontrols.determination.coverage import national_coverage, us_coverage
from chipcontrols.determination.record import TraceNode, Verdict
from chipcontrols.errors import ChipControlsError
from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook

FREE = {"no_licence_required", "not_subject"}
DESTINATIONS = [
    "CN",
    "MO",
    "HK",
    "RU",
    "BY",
    "IR",
    "KP",
    "CU",
    "SY",
    "AE",
    "SA",
    "VN",
    "MY",
    "IN",
    "DE",
    "NL",
    "JP",
    "KR",
    "TW",
    "US",
    "GB",
    "UA",
    "NI",
    "KH",
    "IL",
    "CA",
]
ORIGINS = ["US", "NL", "DE", "JP", "KR", "TW", "CN", "GB", "MY", "FR"]
END_USES = [
    [],
    ["none_of_these"],
    ["datacenter"],
    ["military"],
    ["supercomputer"],
    ["advanced_node_ic_production"],
    ["nuclear"],
]


@cache
def _rulebook() -> Rulebook:
    return load_rulebook()


@cache
def _products() -> list[str]:
    return sorted(p.name for p in load_catalog().products)


def _kinds() -> list[str]:
    rulebook = _rulebook()
    return sorted(k for k in rulebook.kinds if k not in ("shipment", "informed_shipment"))


@st.composite
def inline_items(draw: st.DrawFn) -> dict[str, Any]:
    """An item of a random kind with a random subset of its declared parameters."""
    rulebook = _rulebook()
    kind = draw(st.sampled_from(_kinds()))
    item: dict[str, Any] = {"kind": kind, "name": f"random {kind}"}
    params = sorted(
        name
        for name, p in rulebook.parameters.items()
        if kind in p.kinds and not p.derived and name not in ("throughput", "components")
    )
    for name in draw(st.lists(st.sampled_from(params), max_size=6, unique=True)) if params else []:
        p = rulebook.parameters[name]
        if p.type == "boolean":
            item[name] = draw(st.booleans())
        elif p.type == "number":
            low = p.min if p.min is not None else 0
            high = p.max if p.max is not None else 10_000
            item[name] = draw(st.floats(float(low), float(high), allow_nan=False))
        elif p.type in ("set", "string") and p.values:
            values = sorted(p.values)
            item[name] = (
                draw(st.lists(st.sampled_from(values), max_size=2, unique=True))
                if p.type == "set"
                else draw(st.sampled_from(values))
            )
    if draw(st.booleans()):
        item["described_in"] = (
            draw(
                st.sampled_from(
                    [[], ["EAR99"], ["3A991.p"], ["5A992.c"], ["3A001.a.1"], ["4A003.b"]]
                )
            )
            if "described_in" in rulebook.parameters
            and kind in rulebook.parameters["described_in"].kinds
            else None
        )
        if item["described_in"] is None:
            del item["described_in"]
    return item


items = st.one_of(inline_items(), st.builds(lambda n: {"product": n}, st.sampled_from(_products())))


@st.composite
def transactions(draw: st.DrawFn) -> tuple[dict[str, Any], dt.date]:
    day = draw(st.dates(dt.date(2015, 1, 1), dt.date(2027, 12, 31)))
    origin = draw(st.sampled_from(ORIGINS))
    destination = draw(st.sampled_from([d for d in DESTINATIONS if d != origin]))
    line: dict[str, Any] = {"item": draw(items), "made_in": draw(st.sampled_from(ORIGINS))}
    if line["made_in"] != "US" and draw(st.booleans()):
        line["us_content_pct"] = draw(st.floats(0, 100, allow_nan=False))
        line["us_direct_product"] = draw(st.booleans())
    txn = {
        "kind": "transaction",
        "export_from": origin,
        "destination": destination,
        "items": [line],
        "parties": [
            {
                "role": "end_user",
                "name": "Example Trading Co.",
                "country": destination,
                "headquarters": destination,
            }
        ],
        "end_uses": draw(st.sampled_from(END_USES)),
    }
    if draw(st.booleans()):
        txn["exporter_us_person"] = draw(st.booleans())
    return txn, day


def _steps(nodes: list[TraceNode]) -> list[TraceNode]:
    out: list[TraceNode] = []
    for node in nodes:
        out.append(node)
        out.extend(_steps(node.children))
    return out


def _check_free(verdict: Verdict, day: dt.date, kind: str) -> None:
    rulebook = _rulebook()
    assert verdict.coverage is not None, f"{verdict.jurisdiction}: a free verdict without coverage"
    nodes = _steps(verdict.trace)
    covered = [n for n in nodes if n.step == "coverage of the encoded law"]
    assert covered and covered[0].outcome == "covered", covered
    assert verdict.reasons and all(r.citation for r in verdict.reasons), verdict.reasons
    if verdict.jurisdiction == "US":
        coverage = us_coverage(rulebook, day)
        assert coverage.dated, f"US free on {day}, before its coverage ({coverage.start})"
        if verdict.verdict == "no_licence_required":
            # The CCL step decided on ECCNs whose requirements are encoded.
            decided = [n for n in nodes if n.step == "classification coverage"]
            assert decided and all(n.outcome == "covered" for n in decided), decided
            assert all(n.outcome != "undetermined" for n in nodes if n.step in ("ccl", "end_use"))
        else:
            subject = [n for n in nodes if n.step == "subject to the EAR"]
            assert subject and all(n.outcome == "not subject" for n in subject), subject
    else:
        coverage = national_coverage(rulebook, verdict.jurisdiction, day)
        assert coverage.dated, f"{verdict.jurisdiction} free on {day}, before {coverage.start}"
        stays = any(r.rule_id.endswith(".export") for r in verdict.reasons)
        assert (
            stays
            or kind in coverage.classifications
            or any("meets none of the encoded entries" not in r.text for r in verdict.reasons)
        ), (verdict.jurisdiction, kind, coverage.classifications)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(transactions())
def test_no_free_verdict_outside_coverage(case: tuple[dict[str, Any], dt.date]) -> None:
    txn, day = case
    try:
        result = determine(txn, day)
    except ChipControlsError:
        assume(False)  # an input the file format refuses (with a clear error) is not a case
        return
    kind = result.inputs["items"][0]["item"].get("kind") or "product"
    if kind == "product":
        kind = load_catalog().get(result.inputs["items"][0]["item"]["product"]).item["kind"]
    for verdict in result.verdicts:
        if verdict.verdict in FREE:
            _check_free(verdict, day, kind)
        if verdict.verdict == "undetermined":
            assert verdict.questions or verdict.reasons, "undetermined without a question"


def test_dates_before_any_coverage_are_undetermined() -> None:
    txn = {
        "kind": "transaction",
        "export_from": "US",
        "destination": "CN",
        "items": [{"item": {"product": "NVIDIA H100 SXM5 80GB"}, "made_in": "TW"}],
        "parties": [{"role": "end_user", "name": "X Co.", "country": "CN", "headquarters": "CN"}],
        "end_uses": ["none_of_these"],
    }
    start = us_coverage(_rulebook(), dt.date(2026, 1, 1)).start
    assert start is not None
    verdict = determine(txn, start - dt.timedelta(days=1)).verdict_for("US")
    assert verdict is not None and verdict.verdict == "undetermined"
    assert [q.id for q in verdict.questions] == ["coverage:date"]
