"""Determinations per second for a 3-item, 4-party transaction on one core, and the share of
time per step.

    .venv/bin/python bench/determine_speed.py [--seconds 10]

The peer figure is the target from the product brief (2,000 determinations per second on one
core); the script prints our figure and the ratio to it.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import datetime as dt
import os
import pstats
import time

from chipcontrols.determination import determine

TARGET = 2000.0
TXN = {
    "kind": "transaction",
    "export_from": "US",
    "destination": "CN",
    "items": [
        {
            "item": {
                "kind": "integrated_circuit",
                "name": "Accelerator",
                "datacenter": True,
                "throughput": [{"bits": 16, "tops": 312}, {"bits": 8, "tops": 624}],
                "die_area_mm2": 826,
                "io_bandwidth_gbps": 400,
            },
            "made_in": "TW",
        },
        {
            "item": {
                "kind": "integrated_circuit",
                "name": "Gaming GPU",
                "datacenter": False,
                "tpp": 4706.88,
                "die_area_mm2": 608.5,
            },
            "made_in": "TW",
        },
        {
            "item": {
                "kind": "memory_ic",
                "name": "HBM stack",
                "memory_bandwidth_gbps": 1200,
                "package_area_mm2": 121,
                "co_packaged_processing_dominant": False,
            },
            "made_in": "KR",
            "us_content_pct": 10,
            "us_direct_product": False,
        },
    ],
    "parties": [
        {
            "role": "purchaser",
            "name": "Example Trading Co., Ltd.",
            "country": "CN",
            "headquarters": "CN",
        },
        {
            "role": "intermediate_consignee",
            "name": "Example Logistics Ltd.",
            "country": "CN",
            "headquarters": "CN",
        },
        {
            "role": "ultimate_consignee",
            "name": "Example Cloud Co., Ltd.",
            "country": "CN",
            "headquarters": "CN",
        },
        {
            "role": "end_user",
            "name": "Example Cloud Co., Ltd.",
            "country": "CN",
            "headquarters": "CN",
        },
    ],
    "end_uses": ["datacenter"],
}

STEPS = {
    "parse transaction": "parse_transaction",
    "screen parties": "check",
    "EAR procedure (lines)": "run_line",
    "national regimes": "determine_listed",
}


def variant(i: int) -> dict[str, object]:
    """A distinct transaction per iteration: party names and chip figures change, so no cache
    keyed on names or item figures can answer from an earlier iteration."""
    words = ("Huaxin", "Jinlong", "Tianyu", "Ruixin", "Boyuan", "Xinghe", "Kunpeng", "Lanting")
    txn = copy.deepcopy(TXN)
    tag = f"{words[i % 8]} {words[(i // 8) % 8]} {i}"
    for party in txn["parties"]:  # type: ignore[union-attr]
        party["name"] = f"{tag} {party['name']}"
    first = txn["items"][0]["item"]  # type: ignore[index]
    first["die_area_mm2"] = 600 + (i % 400)
    second = txn["items"][1]["item"]  # type: ignore[index]
    second["tpp"] = 4000 + (i % 1600)
    return txn


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--as-of", default="2025-02-01")
    args = parser.parse_args()
    day = dt.date.fromisoformat(args.as_of)
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    # Load the rulebook, catalog, list snapshots and matcher indexes, and the name tables the
    # matcher reads on first use (not part of a determination's cost).
    for i in range(-20, 0):
        determine(variant(i), day)
    pool = [variant(i) for i in range(int(args.seconds * 4000))]
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < args.seconds and count < len(pool):
        determine(pool[count], day)
        count += 1
    elapsed = time.perf_counter() - start
    rate = count / elapsed
    print(f"determinations: {count} in {elapsed:.2f} s = {rate:,.0f} per second on one core")
    print(f"target: {TARGET:,.0f} per second; ratio ours/target = {rate / TARGET:.2f}")

    profile = cProfile.Profile()
    profile.enable()
    for i in range(max(50, count // 10)):
        determine(variant(10**6 + i), day)
    profile.disable()
    stats = pstats.Stats(profile)
    total = sum(v[3] for k, v in stats.stats.items() if k[2] == "determine")  # type: ignore[attr-defined]
    print("share of time per step:")
    for label, func in STEPS.items():
        spent = sum(v[3] for k, v in stats.stats.items() if k[2] == func)  # type: ignore[attr-defined]
        print(f"  {label:24} {100 * spent / total:5.1f}%")


if __name__ == "__main__":
    main()
