"""The coalition matrix over a date range: when each gap opened and closed.

The matrix is computed on the first day of the range and on every later day on which the law in
force (or the set of products on the market) changes; between those days it cannot change, so the
periods and the opening and closing dates are exact. Samples at a regular step (monthly by
default) are read off those periods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from chipcontrols.errors import InputError
from chipcontrols.scenario.coalition import Analyst, change_dates, export_law, released_on
from chipcontrols.scenario.matrix import DEFAULT_SUPPLIERS, CoalitionMatrix, Row

STEPS = ("month", "quarter", "year", "changes")
TIMELINE_START = dt.date(2022, 10, 1)


@dataclass
class Period:
    """A stretch of days over which a capability's row does not change."""

    capability: str
    start: dt.date
    end: dt.date | None  # first day of the next period (exclusive); None if open at the range end
    state: str
    cells: dict[str, str]
    blocked_in: list[str]
    open_in: list[str]
    supplied_from: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "capability": self.capability,
            "from": self.start.isoformat(),
            "to": self.end.isoformat() if self.end else None,
            "state": self.state,
            "cells": self.cells,
            "blocked_in": self.blocked_in,
            "open_in": self.open_in,
            "supplied_from": self.supplied_from,
        }


@dataclass
class GapSpan:
    """A gap from its opening to its closing (the configuration may change inside it)."""

    capability: str
    opened: dt.date
    closed: dt.date | None
    open_before_range: bool
    periods: list[Period] = field(default_factory=list)

    @property
    def supplied(self) -> bool:
        return any(p.supplied_from for p in self.periods)

    def to_dict(self) -> dict[str, Any]:
        return {
            "capability": self.capability,
            "opened": self.opened.isoformat(),
            "closed": self.closed.isoformat() if self.closed else None,
            "open_at_range_start": self.open_before_range,
            "supplied": self.supplied,
            "configurations": [
                {
                    "from": p.start.isoformat(),
                    "to": p.end.isoformat() if p.end else None,
                    "blocked_in": p.blocked_in,
                    "open_in": p.open_in,
                    "supplied_from": p.supplied_from,
                }
                for p in self.periods
            ],
        }


@dataclass
class Timeline:
    start: dt.date
    end: dt.date
    step: str
    destination: str
    suppliers: tuple[str, ...]
    end_uses: tuple[str, ...]
    rulebook_version: str
    capabilities: list[tuple[str, str]]  # (id, name) in display order
    evaluated: list[dt.date]
    changes: list[dict[str, Any]]
    periods: dict[str, list[Period]]
    scenario: str | None = None

    def state_on(self, capability: str, day: dt.date) -> Period:
        found = None
        for period in self.periods[capability]:
            if period.start <= day:
                found = period
        if found is None:
            raise InputError(f"{day} is before the timeline's range", loc="date")
        return found

    def samples(self) -> list[dt.date]:
        return sample_dates(self.start, self.end, self.step, self.evaluated)

    def gaps(self, *, supplied_only: bool = False) -> list[GapSpan]:
        spans: list[GapSpan] = []
        for cap, _ in self.capabilities:
            current: GapSpan | None = None
            for period in self.periods[cap]:
                if period.state == "gap":
                    if current is None:
                        current = GapSpan(cap, period.start, None, period.start == self.start)
                        spans.append(current)
                    current.periods.append(period)
                    current.closed = period.end
                else:
                    current = None
        if supplied_only:
            spans = [s for s in spans if s.supplied]
        return spans

    def events(self) -> list[dict[str, Any]]:
        """Gap openings and closings in date order."""
        out: list[dict[str, Any]] = []
        for span in self.gaps():
            first = span.periods[0]
            if not span.open_before_range:
                out.append(
                    {
                        "date": span.opened.isoformat(),
                        "capability": span.capability,
                        "event": "opened",
                        "blocked_in": first.blocked_in,
                        "open_in": first.open_in,
                        "supplied_from": first.supplied_from,
                    }
                )
            if span.closed is not None:
                out.append(
                    {
                        "date": span.closed.isoformat(),
                        "capability": span.capability,
                        "event": "closed",
                    }
                )
        out.sort(key=lambda e: (e["date"], e["capability"], e["event"]))
        return out

    def to_dict(self) -> dict[str, Any]:
        samples = self.samples()
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "step": self.step,
            "destination": self.destination,
            "suppliers": list(self.suppliers),
            "end_uses": list(self.end_uses),
            "rulebook_version": self.rulebook_version,
            "scenario": self.scenario,
            "capabilities": [{"id": i, "name": n} for i, n in self.capabilities],
            "law_changes": self.changes,
            "gaps": [g.to_dict() for g in self.gaps()],
            "events": self.events(),
            "periods": [p.to_dict() for cap, _ in self.capabilities for p in self.periods[cap]],
            "samples": [
                {
                    "date": day.isoformat(),
                    "gaps": [
                        c for c, _ in self.capabilities if self.state_on(c, day).state == "gap"
                    ],
                    "supplied_gaps": [
                        c for c, _ in self.capabilities if self.state_on(c, day).supplied_from
                    ],
                    "states": {c: self.state_on(c, day).state for c, _ in self.capabilities},
                    "cells": {c: self.state_on(c, day).cells for c, _ in self.capabilities},
                }
                for day in samples
            ],
        }


def sample_dates(
    start: dt.date, end: dt.date, step: str, evaluated: Sequence[dt.date]
) -> list[dt.date]:
    if step == "changes":
        return list(evaluated)
    months = {"month": 1, "quarter": 3, "year": 12}[step]
    out = [start]
    year, month = start.year, start.month
    while True:
        month += months
        while month > 12:
            month -= 12
            year += 1
        day = dt.date(year, month, 1)
        if day > end:
            break
        out.append(day)
    return out


def _law_changes(analyst: Analyst, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """What changed on each change date inside the range, by jurisdiction and instrument."""
    found: dict[dt.date, dict[tuple[str, str], int]] = {}
    for entry in analyst.rulebook.entries.values():
        if not export_law(entry):
            continue
        for version in entry.versions:
            if version.status == "announced":
                continue
            instrument = (version.amended_by or version.source.citation).split(";")[0].strip()
            if start < version.effective <= end:
                key = (entry.jurisdiction, instrument)
                bucket = found.setdefault(version.effective, {})
                bucket[key] = bucket.get(key, 0) + 1
            if version.not_enforced_from and start < version.not_enforced_from <= end:
                note = (entry.jurisdiction, f"{instrument} (not enforced)")
                bucket = found.setdefault(version.not_enforced_from, {})
                bucket[note] = bucket.get(note, 0) + 1
    for dated in analyst.rulebook.lists.values():
        for lv in dated.versions:
            if lv.status == "announced" or not start < lv.effective <= end:
                continue
            key = (dated.jurisdiction, lv.amended_by or lv.source.citation.split(";")[0])
            bucket = found.setdefault(lv.effective, {})
            bucket[key] = bucket.get(key, 0) + 1
    return [
        {
            "date": day.isoformat(),
            "changes": [
                {"jurisdiction": j, "instrument": inst, "entries": n}
                for (j, inst), n in sorted(found[day].items())
            ],
        }
        for day in sorted(found)
    ]


def timeline(
    analyst: Analyst,
    destination: str,
    start: dt.date = TIMELINE_START,
    end: dt.date | None = None,
    *,
    suppliers: Sequence[str] = DEFAULT_SUPPLIERS,
    capabilities: Sequence[str] | None = None,
    step: str = "month",
) -> Timeline:
    end = end or dt.date.today()
    if step not in STEPS:
        raise InputError(f"unknown step {step!r}; use one of {', '.join(STEPS)}", loc="--step")
    if end < start:
        raise InputError(f"--to ({end}) is before --from ({start}); swap them", loc="--to")
    analyst.rulebook.check_date(start, loc="--from")
    caps = analyst.vocabulary.pick(capabilities)
    days = {start}
    days.update(d for d in change_dates(analyst.rulebook) if start < d <= end)
    for cap in caps:
        for product in cap.members:
            released = released_on(product)
            if released is not None and start < released <= end:
                days.add(released)
    evaluated = sorted(days)
    matrices: list[CoalitionMatrix] = [
        analyst.matrix(destination, day, suppliers=suppliers, capabilities=[c.id for c in caps])
        for day in evaluated
    ]
    periods: dict[str, list[Period]] = {c.id: [] for c in caps}
    for day, matrix in zip(evaluated, matrices, strict=True):
        for row in matrix.rows:
            period = _period(row, day)
            runs = periods[row.capability.id]
            if runs and _same(runs[-1], period):
                continue
            if runs:
                runs[-1].end = day
            runs.append(period)
    return Timeline(
        start=start,
        end=end,
        step=step,
        destination=matrices[0].destination,
        suppliers=tuple(suppliers),
        end_uses=analyst.end_uses,
        rulebook_version=analyst.rulebook.version,
        capabilities=[(c.id, c.name) for c in caps],
        evaluated=evaluated,
        changes=_law_changes(analyst, start, end),
        periods=periods,
        scenario=analyst.scenario,
    )


def _period(row: Row, day: dt.date) -> Period:
    return Period(
        capability=row.capability.id,
        start=day,
        end=None,
        state=row.state,
        cells={s: c.outcome.label() for s, c in row.cells.items()},
        blocked_in=row.blocked_in,
        open_in=row.open_in,
        supplied_from=row.supplied_from,
    )


def _same(a: Period, b: Period) -> bool:
    return (a.state, a.cells, a.supplied_from) == (b.state, b.cells, b.supplied_from)
