"""The coalition matrix: cells from the same procedures as `determine`, never 'free' where the
law or the facts are not known, cached per law epoch."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import pytest

from chipcontrols.catalog import load_catalog
from chipcontrols.determination.record import TraceNode, Verdict
from chipcontrols.errors import InputError, NotFoundError
from chipcontrols.rulebook.rulebook import load_rulebook
from chipcontrols.scenario.assumptions import Assumptions, parse_assumptions
from chipcontrols.scenario.capabilities import load_capabilities, parse_capabilities
from chipcontrols.scenario.coalition import Analyst, Met, change_dates, coalition_matrix, export_law
from chipcontrols.scenario.matrix import (
    ALL_SUPPLIERS,
    CONDITIONS,
    DOMESTIC,
    FREE,
    LICENCE,
    NO_PRODUCT,
    NOT_MODELLED,
    PROHIBITED,
    UNDETERMINED,
    Cell,
    Outcome,
    Row,
    parse_end_uses,
    parse_suppliers,
)
from chipcontrols.scenario.overlay import parse_scenario

D = dt.date


@cache
def analyst() -> Analyst:
    return Analyst()


def cell(capability: str, supplier: str, day: dt.date, destination: str = "CN") -> Any:
    matrix = analyst().matrix(destination, day, suppliers=ALL_SUPPLIERS, capabilities=[capability])
    return matrix.row(capability).cells[supplier]


def test_euv_from_the_us_is_never_free() -> None:
    # 3B001.f.1 is met in 2023; its NS column 2 requirement decides (encoded, or undetermined).
    assert cell("euv_lithography", "US", D(2023, 6, 1)).status in (UNDETERMINED, LICENCE)
    assert cell("euv_lithography", "US", D(2023, 11, 17)).status == LICENCE


def _verdict(verdict: str, open_step: str | None = None) -> Verdict:
    step = TraceNode(open_step or "ccl", "", "undetermined" if open_step else "no requirement")
    return Verdict("US", verdict, trace=[TraceNode("item 1", "", verdict, children=[step])])


def test_guard_entry_met_but_read_by_no_licence_rule() -> None:
    a = analyst()
    day = D(2023, 6, 1)
    # 3B001.f.2 (Wassenaar imprint) is read by no US CCL licence rule unless its NS control is
    # encoded; an entry read by a rule in force is trusted.
    read = a._read_by_licence_rules(day)
    met = Met(us={"us.ear.ccl.3b001.f.2": "3B001.f.2"})
    out = a._map(_verdict("no_licence_required"), "US", "imprint_lithography_tool", met, day)
    assert out is not None
    if "us.ear.ccl.3b001.f.2" in read:
        assert out.status == FREE
    else:
        assert out.status == UNDETERMINED
        assert "3B001.f.2" in out.notes[0]
    trusted = Met(us={"us.ear.ccl.3a090.a": "3A090.a"})
    out = a._map(_verdict("no_licence_required"), "US", "integrated_circuit", trusted, day)
    assert out is not None and out.status == FREE


def test_guard_rule_left_open_by_an_unformalised_test() -> None:
    out = analyst()._map(
        _verdict("no_licence_required", open_step="ccl"),
        "US",
        "epitaxy_tool",
        Met(),
        D(2022, 12, 1),
    )
    assert out is not None and out.status == UNDETERMINED
    assert "not formalise" in out.notes[0]
    # the epitaxy tool of 2022 (3B090 not formalised) is not free from the US either way
    assert cell("si_sige_epitaxy", "US", D(2022, 12, 1)).status == UNDETERMINED


def test_guard_uk_answer_for_an_annex_i_item() -> None:
    met = Met(others={"EU": ["3B001.f.1"]})
    day = D(2024, 6, 1)
    gb = Verdict("GB", "no_licence_required")
    out = analyst()._map(gb, "GB", "etch_tool", met, day)
    assert out is not None and out.status == UNDETERMINED
    out = analyst()._map(gb, "GB", "etch_tool", Met(), day)
    assert out is not None and out.status == FREE


def test_jurisdictions_without_encoded_entries_are_not_modelled() -> None:
    # NL and JP encode entries for chips now (the Dutch list's coverage, Japan's item 1 yo from
    # May 2025), but not the Wassenaar chip entries: before those dates the cell is undetermined,
    # never free.
    assert cell("ai_accelerator_tpp_4800", "NL", D(2024, 1, 1)).status == UNDETERMINED
    assert cell("ai_accelerator_tpp_4800", "JP", D(2024, 1, 1)).status == UNDETERMINED
    assert cell("eda_gaafet", "US", D(2024, 1, 1)).status == NOT_MODELLED
    # GB encodes PL9013-PL9015 but not the UK dual-use list's 3B001: undetermined, not free.
    assert cell("euv_lithography", "GB", D(2024, 6, 1)).status == UNDETERMINED


def test_products_count_from_their_release() -> None:
    assert cell("ald_metal", "US", D(2024, 12, 31)).status == NO_PRODUCT
    assert cell("ald_metal", "US", D(2025, 1, 1)).status != NO_PRODUCT


def test_domestic_supply_is_not_an_export() -> None:
    assert cell("arfi_dco_1_5", "JP", D(2024, 1, 1), destination="JP").status == DOMESTIC
    # an export within the Union needs no export licence
    assert cell("euv_lithography", "NL", D(2024, 1, 1), destination="DE").status == FREE


def test_licence_exception_is_free_with_conditions() -> None:
    gaming = cell("gaming_gpu_tpp_4800", "US", D(2024, 1, 1))
    assert gaming.status == CONDITIONS
    assert gaming.outcome.licence_exceptions == ("NAC",)
    assert gaming.outcome.label() == "free (NAC)"


def test_best_product_decides_and_is_named() -> None:
    a100_class = cell("ai_accelerator_tpp_4800", "US", D(2023, 6, 1))
    # The A800 meets no encoded CCL entry and its own ECCN is not published in the catalog: the
    # coverage rule answers undetermined (the ECCN question), not free.
    assert a100_class.status == UNDETERMINED
    assert "NVIDIA A800 SXM4 80GB" in a100_class.best
    assert "NVIDIA H100 SXM5 80GB" not in a100_class.best
    h100 = next(p for p in a100_class.products if p.name == "NVIDIA H100 SXM5 80GB")
    assert h100.outcome.own.status == LICENCE


def test_us_reach_needs_the_facts_and_uses_them() -> None:
    unknown = cell("arfi_dco_1_5", "NL", D(2023, 8, 31))
    assert unknown.us_reach is not None and unknown.us_reach.status == UNDETERMINED
    assert "us_content_pct" in unknown.us_reach.questions
    facts = parse_assumptions(
        {
            "products": {
                "NXT:2000i": {
                    "us_content_pct": 20,
                    "us_direct_product": False,
                    "contains_us_ic": True,
                    "source": "test",
                }
            }
        },
        catalog=load_catalog(),
    )
    stated = Analyst(assumptions=facts).matrix("CN", D(2023, 8, 31), capabilities=["arfi_dco_1_5"])
    reach = stated.row("arfi_dco_1_5").cells["NL"].us_reach
    assert reach is not None and reach.status == FREE
    assert reach.verdicts == (("US", "not_subject"),)


def test_us_origin_items_are_reached_from_anywhere() -> None:
    gb = cell("ai_accelerator_tpp_4800", "GB", D(2024, 9, 6))
    h100 = next(p for p in gb.products if p.name == "NVIDIA H100 SXM5 80GB")
    assert h100.outcome.us_reach is not None
    assert h100.outcome.us_reach.status == LICENCE
    assert h100.outcome.us_reach.review_policy == "presumption_of_denial"
    biren = next(p for p in gb.products if p.name == "Biren BR100")  # made in China
    assert biren.outcome.us_reach is not None and biren.outcome.us_reach.status != LICENCE


def test_band_divided_by_the_law_is_undetermined() -> None:
    scenario = parse_scenario(
        {
            "name": "Japan at 2.0 nm",
            "changes": [
                {
                    "add_versions": {
                        "entry": "jp.meti.goods_ordinance.art6.item17.wo",
                        "versions": [
                            {
                                "effective": "2027-01-01",
                                "source": {"citation": "Scenario"},
                                "text": "overlay 2.0 nm or less",
                                "condition": {
                                    "all": [
                                        {"param": "wavelength_nm", "op": ">=", "value": 193},
                                        {"param": "mrf_k025_nm", "op": "<=", "value": 45},
                                        {
                                            "param": "dedicated_chuck_overlay_nm",
                                            "op": "<=",
                                            "value": 2.0,
                                        },
                                    ]
                                },
                            }
                        ],
                    }
                }
            ],
        }
    )
    # Classes with the overlay as a band (the catalog's scanners may state their own figure, which
    # is then used instead of the band).
    scanner = {"wavelength_nm": 193, "immersion": True, "numerical_aperture": 1.35}
    vocabulary = parse_capabilities(
        {
            "capabilities": [
                {
                    "id": cap_id,
                    "name": cap_id,
                    "group": "Lithography",
                    "kind": "lithography_scanner",
                    "description": "ArF immersion scanners in an overlay band",
                    "facts": scanner,
                    "bands": {"dedicated_chuck_overlay_nm": band},
                    "band_source": {"citation": "15 CFR 774 Supp. 1, 3B993.f.1.b.2"},
                }
                for cap_id, band in (("wide", {"above": 1.5, "max": 2.4}), ("tight", {"max": 1.5}))
            ]
        },
        rulebook=scenario.rulebook,
        catalog=load_catalog(),
    )
    analyst = Analyst(scenario.rulebook, vocabulary=vocabulary)
    matrix = analyst.matrix("CN", D(2027, 2, 1), suppliers=("JP",))
    jp = matrix.row("wide").cells["JP"]
    assert jp.status == UNDETERMINED
    assert any("divides the capability's band" in n for n in jp.outcome.notes)
    assert matrix.row("tight").cells["JP"].status == LICENCE


def test_answers_are_cached_per_law_epoch() -> None:
    a = Analyst()
    assert a.epoch(D(2023, 10, 1)) == D(2023, 9, 1)
    product = load_catalog().get("NXT:2000i")
    first = a.outcome(product, "NL", "CN", D(2023, 9, 5))
    assert a.outcome(product, "NL", "CN", D(2023, 11, 16)) is first
    assert a.outcome(product, "NL", "CN", D(2023, 11, 17)) is not first


def test_matrix_json_contract() -> None:
    data = coalition_matrix("CN", D(2023, 8, 31)).to_dict()
    assert {"as_of", "destination", "rulebook_version", "suppliers", "capabilities", "gaps"} <= set(
        data
    )
    assert [s["code"] for s in data["suppliers"]] == list(ALL_SUPPLIERS)
    assert {"code": "CN", "name": "China", "export_from": "CN", "law": ["CN"]} in data["suppliers"]
    row = next(c for c in data["capabilities"] if c["id"] == "arfi_dco_1_5")
    assert row["gap"] is True and row["supplied_from"] == ["NL"]
    assert row["cells"]["JP"]["status"] == "licence_required"
    assert {"status", "label", "products", "makers_here"} <= set(row["cells"]["NL"])
    assert {g["capability"] for g in data["gaps"]} >= {"arfi_dco_1_5", "arfi_dco_2_4"}


def _before_earliest() -> dt.date:
    earliest = load_rulebook().earliest
    assert earliest is not None
    return earliest - dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: coalition_matrix("XX", D(2024, 1, 1)), InputError, "not an ISO 3166"),
        (lambda: coalition_matrix("CN", _before_earliest()), InputError, "before the earliest law"),
        (
            lambda: coalition_matrix("CN", D(2024, 1, 1), capabilities=["warp_drive"]),
            NotFoundError,
            "unknown capability",
        ),
        (lambda: parse_suppliers("US,FR"), InputError, "unknown supplier jurisdiction 'FR'"),
        (lambda: parse_suppliers(" , "), InputError, "at least one"),
        (lambda: parse_end_uses(["mining"]), InputError, "unknown end use"),
        (
            lambda: parse_end_uses(["none_of_these", "datacenter"]),
            InputError,
            "cannot be combined",
        ),
    ],
)
def test_bad_input(call: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"products": {"NXT:9999": {"source": "x"}}}, "unknown product"),
        ({"products": {"NXT:2000i": {"us_content_pct": 20}}}, "needs a 'source'"),
        ({"products": {"NXT:2000i": {"us_content_pct": 120, "source": "x"}}}, "0 to 100"),
        ({"products": {"NXT:2000i": {"made_in": "Holland", "source": "x"}}}, "ISO 3166"),
        ({"products": {"NXT:2000i": {"weight_kg": 1, "source": "x"}}}, "unknown key"),
        ({"makers": {"Acme": {"source": "x"}}}, "no catalog product is made by"),
        ({"vendors": {}}, "unknown key"),
    ],
)
def test_bad_assumptions(raw: dict[str, Any], message: str) -> None:
    with pytest.raises((InputError, NotFoundError), match=message):
        parse_assumptions(raw, catalog=load_catalog())


def test_assumptions_by_maker_and_product() -> None:
    facts = parse_assumptions(
        {
            "makers": {"ASML": {"us_content_pct": 10, "source": "x"}},
            "products": {"NXT:2000i": {"us_content_pct": 30, "source": "y"}},
        },
        catalog=load_catalog(),
    )
    catalog = load_catalog()
    assert facts.facts_for(catalog.get("NXT:2000i")) == {"us_content_pct": 30.0}
    assert facts.facts_for(catalog.get("NXE:3400C")) == {"us_content_pct": 10.0}
    assert Assumptions().facts_for(catalog.get("NXT:2000i")) == {}


def _row(**statuses: tuple[str, str | None, bool]) -> Row:
    capability = load_capabilities().get("arfi_dco_2_4")
    cells = {
        code: Cell(
            code,
            Outcome(status),
            us_reach=None if reach is None else Outcome(reach),
            makers=["ASML"] if maker else [],
        )
        for code, (status, reach, maker) in statuses.items()
    }
    return Row(capability, cells, [])


def test_gap_flags() -> None:
    supplied = _row(US=(LICENCE, None, False), NL=(FREE, UNDETERMINED, True))
    assert supplied.gap and supplied.supplied_from == ["NL"] and not supplied.reach_closes_gap
    resale = _row(US=(FREE, None, False), NL=(LICENCE, UNDETERMINED, True))
    assert resale.gap and not resale.supplied_gap and resale.state == "gap"
    reached = _row(US=(LICENCE, None, False), GB=(FREE, LICENCE, False))
    assert reached.gap and reached.reach_closes_gap
    possible = _row(US=(LICENCE, None, False), NL=(UNDETERMINED, None, True))
    assert not possible.gap and possible.possible_gap and possible.state == "possible_gap"
    aligned = _row(US=(LICENCE, None, False), NL=(PROHIBITED, None, True))
    assert aligned.state == "blocked"
    open_ = _row(US=(FREE, None, False), NL=(CONDITIONS, None, True))
    assert open_.state == "open" and not open_.gap
    nothing = _row(US=(NOT_MODELLED, None, False), NL=(NO_PRODUCT, None, False))
    assert nothing.state == NOT_MODELLED


# ------------------------------------------------------------------ KR, TW and China as suppliers


def _coverage_start(jurisdiction: str) -> dt.date:
    """The first date of a jurisdiction's encoded coverage (law/<code>/coverage.yaml)."""
    dated = load_rulebook().lists[f"{jurisdiction.lower()}.coverage.item_kinds"]
    return dated.versions[0].effective


@pytest.mark.parametrize("supplier", ["KR", "TW", "CN"])
def test_no_cell_is_free_before_a_jurisdictions_encoded_law(supplier: str) -> None:
    day = _coverage_start(supplier) - dt.timedelta(days=1)
    destination = "US" if supplier == "CN" else "CN"
    matrix = analyst().matrix(destination, day, suppliers=(supplier,))
    statuses = {row.capability.id: row.cells[supplier].status for row in matrix.rows}
    assert not {c: s for c, s in statuses.items() if s in (FREE, CONDITIONS)}
    # Kinds the jurisdiction has entries for answer undetermined; the others 'not modelled'.
    for row in matrix.rows:
        kind = row.capability.kind
        if kind is not None and analyst().modelled(supplier, kind):
            assert row.cells[supplier].status == UNDETERMINED, row.capability.id


def test_korea_and_taiwan_are_never_free_for_items_their_encoded_lists_do_not_cover() -> None:
    # Neither coverage list names an item kind (law/kr/coverage.yaml, law/tw/coverage.yaml): an
    # item meeting no KR / TW entry is asked about, never 'not listed'.
    matrix = analyst().matrix("CN", D(2025, 7, 1), suppliers=("KR", "TW"))
    for row in matrix.rows:
        for code in ("KR", "TW"):
            assert row.cells[code].status not in (FREE, CONDITIONS), (row.capability.id, code)


def test_korean_ai_chip_item_from_its_first_day() -> None:
    h100 = load_catalog().get("NVIDIA H100 SXM5 80GB")
    before = analyst().outcome(h100, "KR", "CN", D(2025, 2, 27))
    after = analyst().outcome(h100, "KR", "CN", D(2025, 2, 28))
    assert before.own.status == UNDETERMINED
    assert after.own.status == LICENCE
    assert ("KR", "licence_required") in after.own.verdicts


def _materials() -> list[str]:
    return [c.id for c in load_capabilities().capabilities if c.group.startswith("Materials")]


def test_every_material_capability_names_an_item_china_controls() -> None:
    # After the last encoded addition (2025 No. 18, 4 Apr. 2025) and to a destination no country
    # measure names, each class is licensed by China, and no other supplier's law is encoded for it.
    caps = _materials()
    assert len(caps) >= 8
    matrix = analyst().matrix("DE", D(2025, 6, 1), suppliers=ALL_SUPPLIERS, capabilities=caps)
    for row in matrix.rows:
        assert row.capability.is_class
        assert row.cells["CN"].status == LICENCE, row.capability.id
        assert row.cells["CN"].outcome.review_policy is None
        others = {s: c.status for s, c in row.cells.items() if s != "CN"}
        assert set(others.values()) <= {NOT_MODELLED, DOMESTIC}, (row.capability.id, others)


def test_china_denies_gallium_to_the_united_states_only() -> None:
    # MOFCOM Announcement 2024 No. 46 para 2 (3 Dec. 2024) names the United States.
    us = cell("gallium_metal", "CN", D(2024, 12, 3), destination="US")
    jp = cell("gallium_metal", "CN", D(2024, 12, 3), destination="JP")
    assert (us.status, us.outcome.review_policy) == (LICENCE, "presumption_of_denial")
    assert (jp.status, jp.outcome.review_policy) == (LICENCE, None)
    assert cell("gallium_metal", "CN", D(2024, 12, 3), destination="CN").status == DOMESTIC


def test_china_is_a_supplier_of_chips_only_as_far_as_its_law_is_encoded() -> None:
    # No Chinese entry applies to integrated circuits: the CN column says so, it does not say free.
    assert cell("ai_accelerator_tpp_4800", "CN", D(2025, 6, 1), destination="US").status == (
        NOT_MODELLED
    )


def test_change_dates_leave_out_investment_screening_rules() -> None:
    rulebook = load_rulebook()
    dates = set(change_dates(rulebook))
    export_dates = (
        {
            v.effective
            for e in rulebook.entries.values()
            if export_law(e)
            for v in e.versions
            if v.status != "announced"
        }
        | {v.not_enforced_from for e in rulebook.entries.values() for v in e.versions}
        | {
            lv.effective
            for dated in rulebook.lists.values()
            for lv in dated.versions
            if lv.status != "announced"
        }
    )
    deal_only = {
        v.effective for e in rulebook.entries.values() if not export_law(e) for v in e.versions
    } - export_dates
    assert deal_only, "the rulebook holds investment rules with dates of their own"
    assert not dates & deal_only
    assert not export_law(next(e for e in rulebook.entries.values() if "deal" in e.applies_to))
