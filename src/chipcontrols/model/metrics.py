"""Derived parameters: values the law defines as formulas over other item facts.

Each function takes the item's given values (canonical units) and returns the derived value,
or None when an input is missing. Formulas are quoted from the law in parameters/*.yaml.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import polars as pl

Derivation = Callable[[Mapping[str, Any]], float | None]


def tpp(values: Mapping[str, Any]) -> float | None:
    """3A090 Technical Note: TPP = 2 x MacTOPS x bit length; the highest over bit lengths.

    Datasheet TOPS already count a multiply-accumulate as 2 operations (Technical Note 2.1.b),
    so each dense row gives tops x bits.
    """
    rows = values.get("throughput")
    if not rows:
        return None
    return max(float(row["tops"]) * int(row["bits"]) for row in rows)


def peak_tops(values: Mapping[str, Any]) -> float | None:
    """The highest dense TOPS over the throughput rows (3A991.p 'processing performance')."""
    rows = values.get("throughput")
    if not rows:
        return None
    return max(float(row["tops"]) for row in rows)


def performance_density(values: Mapping[str, Any]) -> float | None:
    """3A090 Technical Note 2.4: 'performance density' = TPP / 'applicable die area' (mm2)."""
    total, area = values.get("tpp"), values.get("die_area_mm2")
    if total is None or area is None or area <= 0:
        return None
    return float(total) / float(area)


def memory_bandwidth_density(values: Mapping[str, Any]) -> float | None:
    """3A090.c Technical Note 1: memory bandwidth (GB/s) / package or stack area (mm2)."""
    bandwidth, area = values.get("memory_bandwidth_gbps"), values.get("package_area_mm2")
    if bandwidth is None or area is None or area <= 0:
        return None
    return float(bandwidth) / float(area)


def _mrf(k: float) -> Derivation:
    """'Minimum resolvable feature' = wavelength (nm) x K / numerical aperture.

    K = 0.35 in EU 3B001.f.1 (and US 3B001.f.1.b before 17 Nov 2023); K = 0.25 in US
    3B001.f.1.b / 3B993.f.1 and EU 3B501.f.1 (quoted in parameters/equipment.yaml).
    """

    def mrf(values: Mapping[str, Any]) -> float | None:
        wavelength, na = values.get("wavelength_nm"), values.get("numerical_aperture")
        if wavelength is None or na is None or na <= 0:
            return None
        return float(wavelength) * k / float(na)

    return mrf


def _mrf_frame(k: float) -> tuple[tuple[str, ...], Callable[[], pl.Expr]]:
    return (
        ("wavelength_nm", "numerical_aperture"),
        lambda: pl.when(pl.col("numerical_aperture") > 0).then(
            pl.col("wavelength_nm") * k / pl.col("numerical_aperture")
        ),
    )


# Evaluated in this order (later ones may read earlier ones).
DERIVATIONS: dict[str, Derivation] = {
    "tpp": tpp,
    "peak_tops": peak_tops,
    "performance_density": performance_density,
    "memory_bandwidth_density": memory_bandwidth_density,
    "mrf_k035_nm": _mrf(0.35),
    "mrf_k025_nm": _mrf(0.25),
}


# The same formulas over a table (columns in canonical units); missing inputs give null.
FRAME_DERIVATIONS: dict[str, tuple[tuple[str, ...], Callable[[], pl.Expr]]] = {
    "performance_density": (
        ("tpp", "die_area_mm2"),
        lambda: pl.when(pl.col("die_area_mm2") > 0).then(pl.col("tpp") / pl.col("die_area_mm2")),
    ),
    "memory_bandwidth_density": (
        ("memory_bandwidth_gbps", "package_area_mm2"),
        lambda: pl.when(pl.col("package_area_mm2") > 0).then(
            pl.col("memory_bandwidth_gbps") / pl.col("package_area_mm2")
        ),
    ),
    "mrf_k035_nm": _mrf_frame(0.35),
    "mrf_k025_nm": _mrf_frame(0.25),
}


def register(
    name: str,
    func: Derivation,
    frame: tuple[tuple[str, ...], Callable[[], pl.Expr]] | None = None,
) -> None:
    """Add a derivation (scalar, and its table form when one exists)."""
    DERIVATIONS[name] = func
    if frame is not None:
        FRAME_DERIVATIONS[name] = frame
