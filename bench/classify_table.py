"""Vectorised classification of 1,000,000 synthetic item rows for one date, against the
scalar path (one `classify()` call a row) measured in the same run on a sample of the rows.

    .venv/bin/python bench/classify_table.py [--rows 1000000] [--scalar-rows 5000] [--as-of D]

Prints rows per second for both paths and their ratio, and checks that both paths give the
same statuses on the sample.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import polars as pl

from chipcontrols.classification import classify
from chipcontrols.classification.table import classify_frame, entry_columns
from chipcontrols.rulebook.rulebook import load_rulebook


def synthetic_chips(n: int, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)

    def maybe(values: np.ndarray, p_missing: float) -> list[object]:
        mask = rng.random(n) < p_missing
        return [None if m else v for v, m in zip(values.tolist(), mask.tolist(), strict=True)]

    return pl.DataFrame(
        {
            "kind": ["integrated_circuit"] * n,
            "name": [f"chip-{i}" for i in range(n)],
            "tpp": maybe(rng.uniform(0, 20000, n), 0.02),
            "die_area_mm2": maybe(rng.uniform(50, 1600, n), 0.05),
            "io_bandwidth_gbps": maybe(rng.uniform(0, 1800, n), 0.05),
            "datacenter": maybe(rng.random(n) < 0.5, 0.1),
            "described_in": [["5A992.c"] if r < 0.3 else [] for r in rng.random(n).tolist()],
        },
        schema_overrides={"described_in": pl.List(pl.Utf8)},
    )


def synthetic_scanners(n: int, seed: int = 11) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    wavelength = rng.choice([13.5, 193.0, 248.0, 365.0], n)
    return pl.DataFrame(
        {
            "kind": ["lithography_scanner"] * n,
            "name": [f"scanner-{i}" for i in range(n)],
            "wavelength_nm": wavelength,
            "numerical_aperture": np.where(
                wavelength == 13.5, rng.choice([0.33, 0.55], n), rng.uniform(0.5, 1.35, n)
            ),
            "immersion": (rng.random(n) < 0.5).tolist(),
            "euv": (wavelength == 13.5).tolist(),
            "dedicated_chuck_overlay_nm": rng.uniform(0.8, 4.0, n),
        }
    )


def row_to_item(row: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in row.items() if v is not None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--scalar-rows", type=int, default=5_000)
    parser.add_argument("--as-of", default="2024-06-01")
    args = parser.parse_args()
    as_of = dt.date.fromisoformat(args.as_of)
    rulebook = load_rulebook()
    half = args.rows // 2
    frame = pl.concat(
        [synthetic_chips(half), synthetic_scanners(args.rows - half)], how="diagonal_relaxed"
    )

    start = time.perf_counter()
    result = classify_frame(frame, rulebook, as_of)
    vector_s = time.perf_counter() - start
    ids = entry_columns(result, rulebook)

    sample = pl.concat(
        [frame.head(args.scalar_rows // 2), frame.tail(args.scalar_rows - args.scalar_rows // 2)],
        how="diagonal_relaxed",
    )
    offsets = list(range(args.scalar_rows // 2)) + list(
        range(args.rows - (args.scalar_rows - args.scalar_rows // 2), args.rows)
    )
    rows = [row_to_item(r) for r in sample.iter_rows(named=True)]
    start = time.perf_counter()
    scalar = [classify(r, as_of, rulebook=rulebook) for r in rows]
    scalar_s = time.perf_counter() - start

    mismatches = 0
    for i, c in zip(offsets, scalar, strict=True):
        expected = {e.id: e.status.value for e in c.entries}
        got = {k: result[k][i] for k in ids if result[k][i] is not None}
        mismatches += expected != got

    v_rate, s_rate = args.rows / vector_s, args.scalar_rows / scalar_s
    print(
        f"item kinds: chips and lithography scanners, {len(ids)} entry columns "
        f"(as of {as_of}, rulebook {rulebook.version})"
    )
    print(f"vectorised: {args.rows:,} rows in {vector_s:.2f} s = {v_rate:,.0f} rows/s")
    print(f"scalar:     {args.scalar_rows:,} rows in {scalar_s:.2f} s = {s_rate:,.0f} rows/s")
    print(f"ratio vectorised/scalar: {v_rate / s_rate:.1f}x")
    print(f"scalar/vectorised disagreements on the sample: {mismatches}")


if __name__ == "__main__":
    main()
