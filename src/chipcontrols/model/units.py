"""Units of measure: canonical units declared by parameters, and the spellings we accept.

An item file may give a number (read in the parameter's canonical unit) or a string such as
"600 GB/s" or "4.8 TB/s". A unit of another dimension is an error, never a silent conversion.
"""

from __future__ import annotations

import math
import re

from chipcontrols.errors import InputError

# canonical unit -> {accepted spelling (lower case): factor to the canonical unit}
_UNITS: dict[str, dict[str, float]] = {
    "1": {"": 1.0},
    "mm2": {"mm2": 1.0, "mm^2": 1.0, "mm²": 1.0, "cm2": 100.0, "cm^2": 100.0, "um2": 1e-6},
    "GB/s": {
        "gb/s": 1.0,
        "gbyte/s": 1.0,
        "gbytes/s": 1.0,
        "gbps": 1.0,
        "tb/s": 1000.0,
        "tbyte/s": 1000.0,
        "mb/s": 1e-3,
    },
    "GB/s/mm2": {"gb/s/mm2": 1.0, "gb/s/mm^2": 1.0, "gbps/mm2": 1.0},
    "nm": {"nm": 1.0, "um": 1000.0, "µm": 1000.0, "pm": 1e-3, "a": 0.1, "å": 0.1},
    "um": {"um": 1.0, "µm": 1.0, "nm": 1e-3, "mm": 1000.0},
    "mm": {"mm": 1.0, "um": 1e-3, "cm": 10.0, "m": 1000.0},
    "bit": {"bit": 1.0, "bits": 1.0},
    "TOPS": {"tops": 1.0, "tflops": 1.0, "pflops": 1000.0, "pops": 1000.0, "gops": 1e-3},
    "percent": {"%": 1.0, "percent": 1.0, "pct": 1.0},
    "count": {"": 1.0, "count": 1.0},
    "W": {"w": 1.0, "kw": 1000.0, "mw": 1e-3},
    "ms": {"ms": 1.0, "s": 1000.0, "us": 1e-3, "µs": 1e-3},
    "s": {"s": 1.0, "ms": 1e-3, "min": 60.0, "h": 3600.0},
    "Hz": {"hz": 1.0, "khz": 1e3, "mhz": 1e6, "ghz": 1e9},
    "degC": {"degc": 1.0, "°c": 1.0, "c": 1.0},
    "K": {"k": 1.0},
    "Pa": {"pa": 1.0, "kpa": 1e3, "mpa": 1e6, "torr": 133.322368, "mbar": 100.0},
    "eV": {"ev": 1.0, "kev": 1e3, "mev": 1e6},
    "keV": {"kev": 1.0, "ev": 1e-3, "mev": 1e3},
    "MeV": {"mev": 1.0, "kev": 1e-3, "ev": 1e-6},
    "mA": {"ma": 1.0, "a": 1e3, "ua": 1e-3, "µa": 1e-3},
    "mJ": {"mj": 1.0, "j": 1e3, "uj": 1e-3},
    "wafers/h": {"wafers/h": 1.0, "wph": 1.0, "wafers/hour": 1.0},
    "nm/min": {"nm/min": 1.0, "a/min": 0.1, "å/min": 0.1, "um/min": 1000.0},
}

CANONICAL_UNITS: frozenset[str] = frozenset(_UNITS)

_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S.*?)?\s*$")


def parse_quantity(raw: object, unit: str, *, loc: str) -> float:
    """Read `raw` (number or 'number unit' string) as a finite float in canonical `unit`."""
    if isinstance(raw, bool):
        raise InputError(f"expected a number in {unit}, got a boolean", loc=loc)
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        match = _QUANTITY.match(raw)
        if not match:
            raise InputError(
                f"expected a number (in {unit}) or a 'number unit' string, got {raw!r}", loc=loc
            )
        number, spelled = match.group(1), (match.group(2) or "").strip()
        accepted = _UNITS[unit]
        key = spelled.lower().replace(" ", "")
        if key not in accepted and not (key == "" and unit in ("1", "count")):
            if key == "":
                factor = 1.0  # a bare number in a string is read in the canonical unit
            else:
                choices = ", ".join(sorted(s for s in accepted if s)) or "no unit"
                raise InputError(
                    f"unit {spelled!r} is not a unit of {unit}; use one of: {choices}", loc=loc
                )
        else:
            factor = accepted.get(key, 1.0)
        value = float(number) * factor
    else:
        raise InputError(f"expected a number in {unit}, got {type(raw).__name__}", loc=loc)
    if not math.isfinite(value):
        raise InputError("expected a finite number", loc=loc)
    return value
