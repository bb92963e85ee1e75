"""Units of measure: the canonical units law parameters declare, and reading 'number unit' text.

An item file may give a number (read in the parameter's canonical unit) or a string such as
"600 GB/s", "4.8 TB/s" or "4800 Gbit/s". Spellings are read by `pint` with a registry of our own:
unit symbols and SI prefixes are case-sensitive ("MW" is megawatt, "mW" milliwatt), and bits
and bytes are different units of one dimension ("b"/"bit" is a bit, "B"/"byte" is 8 bits, so
"600 Gb/s" is 75 GB/s). A unit of another dimension is an error, never a silent conversion.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING

from chipcontrols.errors import InputError

if TYPE_CHECKING:  # pint is imported on the first unit string, not with the rulebook
    import pint

# The registry holds only what the law's parameters need, so that no unrelated unit (the barn
# "b", the coulomb "C", the dimensionless pint "bit") can capture a spelling.
_DEFINITIONS = """
quecto- = 1e-30 = q-
ronto- = 1e-27 = r-
yocto- = 1e-24 = y-
zepto- = 1e-21 = z-
atto- = 1e-18 = a-
femto- = 1e-15 = f-
pico- = 1e-12 = p-
nano- = 1e-9 = n-
micro- = 1e-6 = µ- = μ- = u-
milli- = 1e-3 = m-
centi- = 1e-2 = c-
deci- = 1e-1 = d-
deca- = 1e1 = da-
hecto- = 1e2 = h-
kilo- = 1e3 = k-
mega- = 1e6 = M-
giga- = 1e9 = G-
tera- = 1e12 = T-
peta- = 1e15 = P-
exa- = 1e18 = E-
zetta- = 1e21 = Z-
yotta- = 1e24 = Y-
ronna- = 1e27 = R-
quetta- = 1e30 = Q-
kibi- = 2**10 = Ki-
mebi- = 2**20 = Mi-
gibi- = 2**30 = Gi-
tebi- = 2**40 = Ti-
pebi- = 2**50 = Pi-

meter = [length] = m = metre
second = [time] = s = sec
gram = [mass] = g
ampere = [current] = A = amp
kelvin = [temperature] = K
bit = [information] = b = Bit
operation = [operation] = op
wafer = [wafer]

degree_Celsius = kelvin; offset: 273.15 = degC = celsius = C
angstrom = 1e-10 * meter = Å = Å = ångström
micron = micrometer
minute = 60 * second = min
hour = 60 * minute = h = hr
hertz = 1 / second = Hz
newton = kilogram * meter / second ** 2 = N
pascal = newton / meter ** 2 = Pa
bar = 1e5 * pascal
torr = 101325 / 760 * pascal = Torr
joule = newton * meter = J
watt = joule / second = W
electron_volt = 1.602176634e-19 * joule = eV
byte = 8 * bit = B = Byte = octet
bps = bit / second
Bps = byte / second
OPS = operation / second = _ = FLOPS
wph = wafer / hour
"""


@dataclass(frozen=True)
class _Canonical:
    expression: str  # the canonical unit in the registry's syntax ("" for plain numbers)
    examples: tuple[str, ...]  # spellings accepted, shown in errors and checked by the tests


# canonical unit (as law files write it) -> how it is read
_CANONICAL: dict[str, _Canonical] = {
    "1": _Canonical("", ("",)),
    "count": _Canonical("", ("", "count")),
    "percent": _Canonical("", ("", "%", "percent", "pct")),
    "mm2": _Canonical("mm**2", ("mm2", "mm^2", "mm²", "cm2", "um2", "µm²")),
    "GB/s": _Canonical(
        "GB/s",
        ("GB/s", "Gbyte/s", "GByte/s", "TB/s", "MB/s", "GiB/s", "Gb/s", "Gbit/s", "Gbps", "Tbps"),
    ),
    "GB/s/mm2": _Canonical("GB/s/mm**2", ("GB/s/mm2", "GB/s/mm^2", "Gbit/s/mm2", "TB/s/mm2")),
    "nm": _Canonical("nm", ("nm", "um", "µm", "pm", "Å", "angstrom")),
    "um": _Canonical("um", ("um", "µm", "micron", "nm", "mm")),
    "mm": _Canonical("mm", ("mm", "um", "cm", "m")),
    "bit": _Canonical("bit", ("bit", "bits", "b", "byte", "B")),
    "TOPS": _Canonical("TOPS", ("TOPS", "TFLOPS", "POPS", "PFLOPS", "GOPS", "GFLOPS")),
    "W": _Canonical("W", ("W", "kW", "MW", "mW")),
    "Hz": _Canonical("Hz", ("Hz", "kHz", "MHz", "GHz")),
    "degC": _Canonical("degC", ("degC", "°C", "℃", "C", "K")),
    "K": _Canonical("K", ("K", "mK", "degC", "°C")),
    "Pa": _Canonical("Pa", ("Pa", "kPa", "MPa", "mPa", "bar", "mbar", "torr", "Torr", "mTorr")),
    "eV": _Canonical("eV", ("eV", "keV", "MeV", "meV")),
    "keV": _Canonical("keV", ("keV", "eV", "MeV")),
    "MeV": _Canonical("MeV", ("MeV", "keV", "eV", "GeV")),
    "mA": _Canonical("mA", ("mA", "A", "uA", "µA")),
    "mJ": _Canonical("mJ", ("mJ", "J", "uJ", "µJ")),
    "wafers/h": _Canonical("wafer/h", ("wafers/h", "wafers/hour", "wph", "wafers/min")),
    "nm/min": _Canonical("nm/min", ("nm/min", "Å/min", "um/min", "nm/s")),
    "ms": _Canonical("ms", ("ms", "s", "us", "µs")),
    "s": _Canonical("s", ("s", "ms", "min", "h")),
}

CANONICAL_UNITS: frozenset[str] = frozenset(_CANONICAL)

_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S.*?)?\s*$")
# "mm2" -> "mm**2": a digit straight after a unit symbol is an exponent (pint reads "mm2" as a
# name); a digit after "^" or "**" is left alone.
_EXPONENT = re.compile(r"(?<=[A-Za-zµμÅÅ])(\d+)")
# pint reads "°" as "degree"; the registry spells Celsius "degC"
_CELSIUS = re.compile(r"°C|℃")
_SIGNIFICANT = 12  # conversion factors are exact powers of ten or defined constants


@cache
def _registry() -> pint.UnitRegistry[float]:
    import pint

    registry: pint.UnitRegistry[float] = pint.UnitRegistry(
        None, case_sensitive=True, autoconvert_offset_to_baseunit=False
    )
    for line in _DEFINITIONS.strip().splitlines():
        if line.strip():
            registry.define(line)
    return registry


def accepted_spellings(unit: str) -> tuple[str, ...]:
    """Example spellings of `unit` (any SI prefix of the same units is accepted too)."""
    return _CANONICAL[unit].examples


@cache
def _conversion(spelled: str, unit: str) -> tuple[Decimal, Decimal] | None:
    """(factor, offset) taking a value in `spelled` to canonical `unit`; None if it cannot."""
    canonical = _CANONICAL[unit]
    if canonical.expression == "":  # plain numbers: only the listed spellings
        return (Decimal(1), Decimal(0)) if spelled in canonical.examples else None
    import pint

    registry = _registry()
    try:
        source = registry.parse_units(_EXPONENT.sub(r"**\1", _CELSIUS.sub("degC", spelled)))
        target = registry.parse_units(canonical.expression)
        zero = float(registry.Quantity(0.0, source).to(target).magnitude)
        one = float(registry.Quantity(1.0, source).to(target).magnitude)
    except (pint.PintError, AttributeError, TypeError, ValueError, SyntaxError):
        return None
    factor, offset = one - zero, zero
    if factor == 0 or not (math.isfinite(factor) and math.isfinite(offset)):
        return None
    return Decimal(f"{factor:.{_SIGNIFICANT}g}"), Decimal(f"{offset:.{_SIGNIFICANT}g}")


def parse_quantity(raw: object, unit: str, *, loc: str) -> float:
    """Read `raw` (number or 'number unit' string) as a finite float in canonical `unit`."""
    if unit not in _CANONICAL:
        raise InputError(f"{unit!r} is not a canonical unit", loc=loc)
    if isinstance(raw, bool):
        raise InputError(f"expected a number in {unit}, got a boolean", loc=loc)
    if isinstance(raw, int | float):
        try:
            value = float(raw)
        except OverflowError:  # an integer beyond float range
            raise InputError("expected a finite number", loc=loc) from None
    elif isinstance(raw, str):
        match = _QUANTITY.match(raw)
        if not match:
            raise InputError(
                f"expected a number (in {unit}) or a 'number unit' string, got {raw!r}", loc=loc
            )
        number, spelled = match.group(1), (match.group(2) or "").strip()
        conversion = (Decimal(1), Decimal(0)) if spelled == "" else _conversion(spelled, unit)
        if conversion is None:
            accepted = [s for s in accepted_spellings(unit) if s]
            choices = ", ".join(repr(s) for s in accepted) or "no unit"
            raise InputError(
                f"unit {spelled!r} is not a unit of {unit}; use one of: {choices} "
                "(symbols and SI prefixes are case-sensitive: 'M' mega, 'm' milli; "
                "'B' byte, 'b' bit)",
                loc=loc,
                ctx={"unit": spelled, "canonical_unit": unit, "accepted": accepted},
            )
        factor, offset = conversion
        try:
            value = float(Decimal(number) * factor + offset)
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
            raise InputError(f"cannot read the number {number!r}", loc=loc) from exc
    else:
        raise InputError(f"expected a number in {unit}, got {type(raw).__name__}", loc=loc)
    if not math.isfinite(value):
        raise InputError("expected a finite number", loc=loc)
    return value
