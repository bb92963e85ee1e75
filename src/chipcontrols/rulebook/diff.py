"""Entry histories and the differences between the law on two dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chipcontrols.errors import InputError
from chipcontrols.rulebook.conditions import render, to_yaml_form
from chipcontrols.rulebook.rulebook import Rulebook
from chipcontrols.rulebook.schema import DatedList, Entry, ListVersion, Version


def version_record(version: Version) -> dict[str, Any]:
    return {
        "effective": version.effective.isoformat(),
        "published": version.published.isoformat() if version.published else None,
        "status": version.status,
        "amended_by": version.amended_by,
        "citation": version.source.citation,
        "url": version.source.url,
        "text": version.text,
        "confidence": version.confidence,
        "not_formalised": version.not_formalised,
        "notes": version.notes,
        "condition": render(version.condition) if version.condition else None,
        "condition_tree": to_yaml_form(version.condition) if version.condition else None,
    }


def entry_history(entry: Entry, as_of: dt.date) -> dict[str, Any]:
    current = entry.version_at(as_of)
    return {
        "id": entry.id,
        "entry": entry.entry,
        "jurisdiction": entry.jurisdiction,
        "instrument": entry.instrument,
        "title": entry.title,
        "applies_to": list(entry.applies_to),
        "in_force": version_record(current) if current else None,
        "versions": [version_record(v) for v in entry.versions],
    }


def entry_change(entry: Entry, old: Version | None, new: Version | None) -> dict[str, Any] | None:
    """What differs between two versions of an entry (None when nothing does)."""
    if old is new:
        return None
    if old is None:
        kind = "added"
    elif new is None:
        kind = "removed"
    elif old.condition == new.condition and old.text == new.text:
        return None
    else:
        kind = "changed" if old.condition != new.condition else "text_changed"
    return {
        "id": entry.id,
        "entry": entry.entry,
        "jurisdiction": entry.jurisdiction,
        "change": kind,
        "old": version_record(old) if old else None,
        "new": version_record(new) if new else None,
    }


def diff_rulebook(
    rulebook: Rulebook, d1: dt.date, d2: dt.date, *, jurisdiction: str | None = None
) -> list[dict[str, Any]]:
    """Entries added, removed or changed (condition or quoted text) between d1 and d2."""
    if d2 < d1:
        raise InputError(f"--to ({d2}) is before --from ({d1}); swap them", loc="--to")
    rulebook.check_date(d1, loc="--from")
    changes: list[dict[str, Any]] = []
    for entry in sorted(rulebook.entries.values(), key=lambda e: (e.jurisdiction, e.id)):
        if jurisdiction and entry.jurisdiction != jurisdiction.upper():
            continue
        between = [v for v in entry.versions if d1 < v.effective <= d2]
        change = entry_change(entry, entry.version_at(d1), entry.version_at(d2))
        old, new = entry.version_at(d1), entry.version_at(d2)
        if change is None and between and old is not None and new is not None:
            # New versions took effect between the dates (e.g. an act re-enacting the list)
            # but the condition and text on both dates are the same.
            change = {
                "id": entry.id,
                "entry": entry.entry,
                "jurisdiction": entry.jurisdiction,
                "change": "reenacted",
                "old": version_record(old),
                "new": version_record(new),
            }
        if change is not None:
            # Every version that took effect between the dates, each with its citation.
            change["steps"] = [_step(v) for v in between]
            changes.append(change)
    return changes


def _step(version: Version | ListVersion) -> dict[str, Any]:
    return {
        "effective": version.effective.isoformat(),
        "status": version.status,
        "amended_by": getattr(version, "amended_by", None),
        "citation": version.source.citation,
    }


def diff_lists(
    rulebook: Rulebook, d1: dt.date, d2: dt.date, *, jurisdiction: str | None = None
) -> list[dict[str, Any]]:
    """Dated lists (Country Groups, chart columns, EU001 destinations) whose members changed."""
    out: list[dict[str, Any]] = []
    for dated in sorted(rulebook.lists.values(), key=lambda d: (d.jurisdiction, d.id)):
        if jurisdiction and dated.jurisdiction != jurisdiction.upper():
            continue
        old, new = dated.version_at(d1), dated.version_at(d2)
        if old is new:
            continue
        before = old.members if old else frozenset()
        after = new.members if new else frozenset()
        if before == after:
            continue
        out.append(
            {
                "id": dated.id,
                "name": dated.name,
                "jurisdiction": dated.jurisdiction,
                "added": sorted(after - before),
                "removed": sorted(before - after),
                "citation": new.source.citation if new else (old.source.citation if old else ""),
                "effective": new.effective.isoformat() if new else None,
                "steps": [_step(v) for v in dated.versions if d1 < v.effective <= d2],
            }
        )
    return out


def list_history(dated: DatedList, as_of: dt.date) -> dict[str, Any]:
    current = dated.version_at(as_of)
    return {
        "id": dated.id,
        "name": dated.name,
        "jurisdiction": dated.jurisdiction,
        "instrument": dated.instrument,
        "members": sorted(current.members) if current else [],
        "versions": [
            {
                "effective": v.effective.isoformat(),
                "status": v.status,
                "citation": v.source.citation,
                "url": v.source.url,
                "text": v.text,
                "confidence": v.confidence,
                "notes": v.notes,
                "members": sorted(v.members),
            }
            for v in dated.versions
        ],
    }
