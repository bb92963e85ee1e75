from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chipcontrols.errors import InputError
from chipcontrols.model.items import parse_item
from chipcontrols.model.metrics import tpp
from chipcontrols.rulebook.rulebook import load_rulebook
from chipcontrols.rulebook.units import parse_quantity


@pytest.mark.parametrize(
    ("raw", "unit", "expected"),
    [
        (600, "GB/s", 600.0),
        ("600 GB/s", "GB/s", 600.0),
        ("4.8 TB/s", "GB/s", 4800.0),
        ("826 mm^2", "mm2", 826.0),
        ("0.193 um", "nm", 193.0),
        ("13.5nm", "nm", 13.5),
    ],
)
def test_quantities(raw: object, unit: str, expected: float) -> None:
    assert parse_quantity(raw, unit, loc="x") == pytest.approx(expected)


@pytest.mark.parametrize("raw", ["600 mm2", "fast", True, float("inf"), [1]])
def test_bad_quantities(raw: object) -> None:
    with pytest.raises(InputError):
        parse_quantity(raw, "GB/s", loc="x")


def test_tpp_is_highest_precision_product() -> None:
    rows = [{"bits": 16, "tops": 312.0}, {"bits": 8, "tops": 624.0}, {"bits": 4, "tops": 1248.0}]
    assert tpp({"throughput": rows}) == 4992.0


@given(st.lists(st.tuples(st.integers(1, 64), st.floats(0, 1e5)), min_size=1, max_size=6))
def test_tpp_never_below_any_row(rows: list[tuple[int, float]]) -> None:
    value = tpp({"throughput": [{"bits": b, "tops": t} for b, t in rows]})
    assert value is not None
    assert all(value >= b * t for b, t in rows)


def test_item_parses_units_and_derives() -> None:
    rulebook = load_rulebook()
    item = parse_item(
        {
            "kind": "integrated_circuit",
            "throughput": [{"bits": 8, "tops": "0.6 PFLOPS"}],
            "die_area_mm2": "8.26 cm2",
        },
        rulebook,
    )
    assert item.values["tpp"] == pytest.approx(4800.0)
    assert item.values["performance_density"] == pytest.approx(4800 / 826)
    assert item.given == {"throughput", "die_area_mm2"}


def test_unknown_parameter_suggests_the_name() -> None:
    with pytest.raises(InputError, match="did you mean die_area_mm2"):
        parse_item({"kind": "integrated_circuit", "die_area_mm": 800}, load_rulebook())
