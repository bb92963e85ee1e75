"""Units: every unit the law declares is read, bits and bytes stay apart, prefixes keep case."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

from chipcontrols.errors import InputError
from chipcontrols.rulebook.units import CANONICAL_UNITS, accepted_spellings, parse_quantity


def _law_units() -> set[str]:
    """Every `unit:` value declared in law/parameters/*.yaml."""
    folder = Path(str(resources.files("chipcontrols") / "law" / "parameters"))
    units: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        body = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for param in (body.get("parameters") or {}).values():
            if isinstance(param, dict) and param.get("unit") is not None:
                units.add(str(param["unit"]))
    return units


LAW_UNITS = sorted(_law_units())


def test_the_law_declares_units() -> None:
    assert {"GB/s", "nm", "degC", "count", "1"} <= set(LAW_UNITS)


@pytest.mark.parametrize("unit", LAW_UNITS)
def test_every_law_unit_is_canonical_and_read(unit: str) -> None:
    assert unit in CANONICAL_UNITS
    assert parse_quantity(7, unit, loc="x") == 7.0
    assert parse_quantity("7", unit, loc="x") == 7.0
    if unit not in ("1", "count", "percent"):
        assert parse_quantity(f"7 {unit}", unit, loc="x") == pytest.approx(7.0)


@pytest.mark.parametrize(
    ("unit", "spelled"),
    [(u, s) for u in sorted(CANONICAL_UNITS) for s in accepted_spellings(u) if s],
)
def test_every_listed_spelling_is_accepted(unit: str, spelled: str) -> None:
    value = parse_quantity(f"2 {spelled}", unit, loc="x")
    assert value == value  # finite, a number
    assert value != 0 or unit in ("degC", "K")


@pytest.mark.parametrize(
    ("raw", "unit", "expected"),
    [
        # bytes ("B", "byte") and bits ("b", "bit", "bps") are different units
        ("600 GB/s", "GB/s", 600.0),
        ("600 Gbyte/s", "GB/s", 600.0),
        ("600 GByte/s", "GB/s", 600.0),
        ("600 Gb/s", "GB/s", 75.0),
        ("600 Gbit/s", "GB/s", 75.0),
        ("600 Gbps", "GB/s", 75.0),
        ("4800 Gbit/s", "GB/s", 600.0),
        ("4.8 TB/s", "GB/s", 4800.0),
        ("1.6 Tbps", "GB/s", 200.0),
        ("2 byte", "bit", 16.0),
        ("2 B", "bit", 16.0),
        ("2 b", "bit", 2.0),
        ("8 Gbit/s/mm2", "GB/s/mm2", 1.0),
        # SI prefixes are case-sensitive: M is mega, m is milli
        ("1 MW", "W", 1e6),
        ("1 mW", "W", 1e-3),
        ("1 kW", "W", 1e3),
        ("2 MPa", "Pa", 2e6),
        ("2 mPa", "Pa", 2e-3),
        ("1 MeV", "keV", 1000.0),
        ("1 meV", "eV", 1e-3),
        ("1 m", "mm", 1000.0),
        ("3 MHz", "Hz", 3e6),
        # other conversions the law's parameters need
        ("826 mm^2", "mm2", 826.0),
        ("8.26 cm2", "mm2", 826.0),
        ("0.193 um", "nm", 193.0),
        ("0.193 µm", "nm", 193.0),
        ("13.5nm", "nm", 13.5),
        ("10 Å", "nm", 1.0),
        ("0.6 PFLOPS", "TOPS", 600.0),
        ("1 torr", "Pa", 133.322368421),
        ("300 K", "degC", 26.85),
        ("-40 °C", "K", 233.15),
        ("-40 degC", "degC", -40.0),
        ("2 A", "mA", 2000.0),
        ("1 J", "mJ", 1000.0),
        ("1 wafers/min", "wafers/h", 60.0),
        ("150 wph", "wafers/h", 150.0),
        ("60 Å/min", "nm/min", 6.0),
        ("2 s", "ms", 2000.0),
        ("50 %", "percent", 50.0),
        ("3 count", "count", 3.0),
    ],
)
def test_conversions(raw: str, unit: str, expected: float) -> None:
    assert parse_quantity(raw, unit, loc="x") == pytest.approx(expected, rel=1e-12)


def test_decimal_conversions_are_exact() -> None:
    # thresholds are compared exactly, so a conversion must not leave 192.99999999999997
    assert parse_quantity("0.193 um", "nm", loc="x") == 193.0
    assert parse_quantity("4.8 TB/s", "GB/s", loc="x") == 4800.0
    assert parse_quantity("5.92 GB/s/mm2", "GB/s/mm2", loc="x") == 5.92


@pytest.mark.parametrize(
    ("raw", "unit"),
    [
        ("600 mm2", "GB/s"),  # another dimension
        ("600 Hz", "GB/s"),  # bits are not dimensionless
        ("600 GHz", "bit"),
        ("1 KW", "W"),  # K is kelvin, not kilo
        ("1 mw", "W"),  # w is no unit
        ("600 gb/s", "GB/s"),  # g is gram
        ("5 %", "count"),
        ("5 W", "1"),
        ("fast", "GB/s"),
    ],
)
def test_bad_units_are_input_errors(raw: str, unit: str) -> None:
    with pytest.raises(InputError):
        parse_quantity(raw, unit, loc="x")


def test_a_bad_unit_names_the_field_and_the_accepted_units() -> None:
    with pytest.raises(InputError) as info:
        parse_quantity("600 gb/s", "GB/s", loc="item.io_bandwidth_gbps")
    assert info.value.loc == "item.io_bandwidth_gbps"
    assert "Gbps" in info.value.ctx["accepted"]
    text = info.value.one_line()
    assert "item.io_bandwidth_gbps" in text
    assert "'gb/s'" in text
    for spelled in ("'GB/s'", "'TB/s'", "'Gbit/s'", "'Gbps'"):
        assert spelled in text
    assert "case-sensitive" in text


@pytest.mark.parametrize("raw", [True, float("inf"), float("nan"), [1], "1e400 GB/s"])
def test_non_numbers_are_input_errors(raw: object) -> None:
    with pytest.raises(InputError):
        parse_quantity(raw, "GB/s", loc="x")
