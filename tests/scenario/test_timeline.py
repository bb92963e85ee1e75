"""The matrix over a date range: exact opening and closing dates, samples read off the periods."""

from __future__ import annotations

import datetime as dt
from functools import cache

import pytest

from chipcontrols.errors import InputError
from chipcontrols.scenario.coalition import Analyst
from chipcontrols.scenario.overlay import load_scenario
from chipcontrols.scenario.timeline import Timeline, sample_dates, timeline
from tests.scenario.test_overlay import EXAMPLES

D = dt.date


@cache
def full() -> Timeline:
    return timeline(Analyst(), "CN", D(2022, 10, 1), D(2026, 11, 27), suppliers=("US", "NL", "JP"))


def test_gap_spans_have_exact_dates() -> None:
    spans = {(g.capability, g.opened): g for g in full().gaps()}
    dutch = spans[("arfi_dco_2_4", D(2023, 7, 23))]
    assert dutch.closed == D(2024, 9, 7)
    assert dutch.supplied
    assert [p.start for p in dutch.periods] == [D(2023, 7, 23), D(2023, 11, 17)]
    assert dutch.periods[1].blocked_in == ["US", "JP"]
    resale = spans[("arfi_dco_2_4", D(2024, 12, 2))]
    assert resale.closed is None and not resale.supplied
    assert spans[("arfi_dco_1_5", D(2023, 7, 23))].closed == D(2023, 11, 17)


def test_events_in_date_order() -> None:
    events = full().events()
    assert events == sorted(events, key=lambda e: (e["date"], e["capability"], e["event"]))
    assert {
        "date": "2024-09-07",
        "capability": "arfi_dco_2_4",
        "event": "closed",
    } in events


def test_monthly_samples_match_the_periods() -> None:
    result = full()
    data = result.to_dict()
    days = [s["date"] for s in data["samples"]]
    assert days[0] == "2022-10-01" and days[1] == "2022-11-01" and days[-1] == "2026-11-01"
    by_day = {s["date"]: s for s in data["samples"]}
    assert by_day["2023-08-01"]["supplied_gaps"] == ["arfi_dco_1_5", "arfi_dco_2_4"]
    assert by_day["2023-10-01"]["supplied_gaps"] == ["arfi_dco_2_4"]
    assert "arfi_dco_2_4" not in by_day["2024-10-01"]["gaps"]
    assert by_day["2025-01-01"]["states"]["hbm"] == "blocked"


def test_law_changes_are_listed_with_their_instruments() -> None:
    changes = {c["date"]: c["changes"] for c in full().changes}
    assert any(c["jurisdiction"] == "NL" for c in changes["2023-09-01"])
    assert any(c["jurisdiction"] == "JP" for c in changes["2023-07-23"])


def test_scenario_moves_the_closing_date() -> None:
    scenario = load_scenario(EXAMPLES / "nl-extension-2024-01.yaml")
    moved = timeline(
        Analyst(scenario.rulebook, scenario=scenario.name),
        "CN",
        D(2022, 10, 1),
        D(2024, 11, 30),
        suppliers=("US", "NL", "JP"),
        capabilities=["arfi_dco_2_4"],
    )
    (span,) = moved.gaps()
    assert (span.opened, span.closed) == (D(2023, 7, 23), D(2024, 1, 1))
    assert moved.scenario == scenario.name


@pytest.mark.parametrize("step", ["quarter", "year", "changes"])
def test_other_steps(step: str) -> None:
    days = sample_dates(D(2022, 10, 1), D(2024, 1, 1), step, [D(2022, 10, 1), D(2023, 7, 23)])
    if step == "quarter":
        assert days == [
            D(2022, 10, 1),
            D(2023, 1, 1),
            D(2023, 4, 1),
            D(2023, 7, 1),
            D(2023, 10, 1),
            D(2024, 1, 1),
        ]
    elif step == "year":
        assert days == [D(2022, 10, 1), D(2023, 10, 1)]
    else:
        assert days == [D(2022, 10, 1), D(2023, 7, 23)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": D(2024, 1, 1), "end": D(2023, 1, 1)}, "before --from"),
        ({"start": D(1900, 1, 1), "end": D(2023, 1, 1)}, "before the earliest law"),
        ({"start": D(2023, 1, 1), "end": D(2023, 2, 1), "step": "week"}, "unknown step"),
    ],
)
def test_bad_ranges(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        timeline(Analyst(), "CN", **kwargs)  # type: ignore[arg-type]


def test_eu_euv_listed_from_2019() -> None:
    # Delegated Regulation (EU) 2018/1922 (in force 15 Dec. 2018), Annex I 3B001.f.1; the EU's
    # encoded coverage starts 1 Jan. 2019 (law/eu/coverage.yaml).
    result = timeline(
        Analyst(),
        "CN",
        D(2019, 1, 1),
        D(2021, 12, 31),
        suppliers=("EU", "NL"),
        capabilities=["euv_lithography"],
    )
    periods = result.periods["euv_lithography"]
    assert periods[0].start == D(2019, 1, 1)
    assert all(p.cells == {"EU": "licence", "NL": "licence"} for p in periods)
    assert not result.gaps()


def test_timeline_columns_for_korea_taiwan_and_china() -> None:
    result = timeline(
        Analyst(),
        "US",
        D(2023, 1, 1),
        D(2025, 12, 31),
        suppliers=("KR", "TW", "CN"),
        capabilities=["gallium_metal", "ai_accelerator_tpp_4800"],
        step="changes",
    )
    gallium = [(p.start, p.cells["CN"]) for p in result.periods["gallium_metal"]]
    # 2023 No. 23 from 1 Aug. 2023; 2024 No. 46 para 2 from 3 Dec. 2024; suspended by 2025 No. 72.
    assert gallium == [
        (D(2023, 1, 1), "free"),
        (D(2023, 8, 1), "licence"),
        (D(2024, 12, 3), "licence (PoD)"),
        (D(2025, 11, 9), "licence"),
    ]
    chips = result.periods["ai_accelerator_tpp_4800"]
    assert {p.cells["CN"] for p in chips} == {"not modelled"}
    assert all(p.cells["KR"] != "free" and p.cells["TW"] != "free" for p in chips)
    assert any(c["jurisdiction"] == "CN" for change in result.changes for c in change["changes"])
