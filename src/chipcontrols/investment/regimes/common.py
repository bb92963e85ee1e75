"""Small helpers shared by the regime procedures (no law in here: the law is in law/_fdi/)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from chipcontrols.investment.deal import Deal
from chipcontrols.investment.lawdata import FdiLaw

COUNTRIES_OF_THE_EU_KEY = "eu.fdi.member_states"


def reached(before: float, after: float, level: float) -> bool:
    """The share goes from below `level` to `level` or more ('erreichen oder überschreiten')."""
    return before < level <= after


def exceeded(before: float, after: float, level: float) -> bool:
    """The share goes from `level` or less to more than `level`."""
    return before <= level < after


def eu_members(law: FdiLaw, as_of: dt.date) -> frozenset[str]:
    version = law.regime("EU-FDI").at(COUNTRIES_OF_THE_EU_KEY, as_of)
    if version is None:
        return frozenset()
    return frozenset(version.value("members"))


def matching(deal: Deal, tags: Iterable[str]) -> list[str]:
    return sorted(deal.target.activities & set(tags))


def pct(value: float) -> str:
    return f"{value:g}%"


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    days = [
        31,
        29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month - 1]
    return dt.date(year, month, min(day.day, days))
