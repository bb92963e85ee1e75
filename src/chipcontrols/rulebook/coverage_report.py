"""What the rulebook encodes, per jurisdiction and provision: the generated part of
docs/law-coverage.md (`chipcontrols rules coverage`).

Everything here is read from the law files: the coverage lists (`<jurisdiction>.coverage.*`),
every entry with its versions (dates, status, amending instrument, confidence, not_formalised
parts) and the other dated lists. The output is deterministic (sorted, no timestamps) so that a
test can regenerate it and compare it with the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from chipcontrols.rulebook.conditions import NotFormalised
from chipcontrols.rulebook.rulebook import Rulebook
from chipcontrols.rulebook.schema import DatedList, Entry, ListVersion, Version

START_MARKER = "<!-- generated: chipcontrols rules coverage -->"
END_MARKER = "<!-- end generated -->"
REGENERATE = "chipcontrols rules coverage --write docs/law-coverage.md"

# Order of the jurisdictions in the report; any other jurisdiction follows, sorted.
JURISDICTION_ORDER = ("US", "EU", "NL", "JP", "GB", "KR", "TW", "CN")
JURISDICTION_NAMES = {
    "US": "United States",
    "EU": "European Union",
    "NL": "Netherlands",
    "JP": "Japan",
    "GB": "United Kingdom",
    "KR": "Republic of Korea",
    "TW": "Taiwan",
    "CN": "China",
}
# Order of the steps of the shipment procedures; any other step follows, sorted.
STEP_ORDER = (
    "subject",
    "ccl",
    "end_use",
    "end_user",
    "us_person",
    "embargo",
    "exception",
    "review_policy",
)
NF_CHARS = 110  # not_formalised texts are shortened to this many characters in the tables


# ------------------------------------------------------------------ ordering helpers


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key in which '3b001.d.2' comes before '3b001.d.10'."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in re.split(r"(\d+)", text.lower())
        if part
    )


def _jurisdiction_key(code: str) -> tuple[int, str]:
    if code in JURISDICTION_ORDER:
        return (JURISDICTION_ORDER.index(code), code)
    return (len(JURISDICTION_ORDER), code)


def _step_key(step: str) -> tuple[int, str]:
    if step in STEP_ORDER:
        return (STEP_ORDER.index(step), step)
    return (len(STEP_ORDER), step)


def is_coverage_list(dated: DatedList) -> bool:
    """A list stating what the encoded law covers (`<jurisdiction>.coverage.*`)."""
    return dated.family == "coverage" or dated.family.endswith(".coverage")


def rule_step(entry: Entry) -> str | None:
    """The procedure step a shipment rule belongs to; None for an item (classification) entry."""
    steps = sorted({v.effect.step for v in entry.versions if v.effect is not None}, key=_step_key)
    return steps[0] if steps else None


def jurisdictions(rulebook: Rulebook) -> list[str]:
    codes = {e.jurisdiction for e in rulebook.entries.values()}
    codes |= {d.jurisdiction for d in rulebook.lists.values()}
    return sorted(codes, key=_jurisdiction_key)


# ------------------------------------------------------------------ records


def _not_formalised_texts(version: Version) -> list[str]:
    texts: list[str] = []
    if version.not_formalised:
        texts.append(version.not_formalised)
    if version.condition is not None:
        texts.extend(n.text for n in version.condition.walk() if isinstance(n, NotFormalised))
    return list(dict.fromkeys(" ".join(t.split()) for t in texts))


def _version_record(version: Version) -> dict[str, Any]:
    record: dict[str, Any] = {
        "effective": version.effective.isoformat(),
        "status": version.status,
        "amended_by": version.amended_by,
        "confidence": version.confidence,
        "citation": version.source.citation,
        "not_formalised": _not_formalised_texts(version),
    }
    if version.not_enforced_from is not None:
        record["not_enforced_from"] = version.not_enforced_from.isoformat()
    return record


def _entry_record(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "entry": entry.entry,
        "title": entry.title,
        "family": entry.family,
        "file": entry.file,
        "applies_to": list(entry.applies_to),
        "step": rule_step(entry),
        "versions": [_version_record(v) for v in entry.versions],
    }


def _list_version_record(version: ListVersion) -> dict[str, Any]:
    return {
        "effective": version.effective.isoformat(),
        "status": version.status,
        "amended_by": version.amended_by,
        "confidence": version.confidence,
        "citation": version.source.citation,
        "members": sorted(version.members, key=natural_key),
        "notes": version.notes,
    }


def _list_record(dated: DatedList) -> dict[str, Any]:
    return {
        "id": dated.id,
        "name": dated.name,
        "file": dated.file,
        "instrument": dated.instrument,
        "versions": [_list_version_record(v) for v in dated.versions],
    }


def coverage_data(rulebook: Rulebook, jurisdiction: str | None = None) -> dict[str, Any]:
    """The report as data: per jurisdiction its coverage lists, item entries (by family),
    shipment rules (by step) and other dated lists."""
    out: list[dict[str, Any]] = []
    for code in jurisdictions(rulebook):
        if jurisdiction is not None and code != jurisdiction.upper():
            continue
        entries = [e for e in rulebook.entries.values() if e.jurisdiction == code]
        lists = sorted(
            (d for d in rulebook.lists.values() if d.jurisdiction == code),
            key=lambda d: natural_key(d.id),
        )
        families: dict[str, list[Entry]] = {}
        steps: dict[str, list[Entry]] = {}
        for entry in entries:
            step = rule_step(entry)
            if step is None:
                families.setdefault(entry.family, []).append(entry)
            else:
                steps.setdefault(step, []).append(entry)
        out.append(
            {
                "code": code,
                "name": JURISDICTION_NAMES.get(code, code),
                "entries": len(entries),
                "versions": sum(len(e.versions) for e in entries),
                "coverage_lists": [_list_record(d) for d in lists if is_coverage_list(d)],
                "item_families": [
                    {
                        "family": family,
                        "instrument": members[0].instrument,
                        "file": members[0].file,
                        "entries": [
                            _entry_record(e)
                            for e in sorted(members, key=lambda e: natural_key(e.id))
                        ],
                    }
                    for family, members in sorted(families.items(), key=lambda f: natural_key(f[0]))
                ],
                "rules_by_step": [
                    {
                        "step": step,
                        "entries": [
                            _entry_record(e)
                            for e in sorted(members, key=lambda e: natural_key(e.id))
                        ],
                    }
                    for step, members in sorted(steps.items(), key=lambda s: _step_key(s[0]))
                ],
                "dated_lists": [_list_record(d) for d in lists if not is_coverage_list(d)],
            }
        )
    return {"jurisdictions": out}


# ------------------------------------------------------------------ Markdown


def _cell(text: str) -> str:
    """Text fit for one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _shorten(text: str, limit: int = NF_CHARS) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"


def _version_cell(version: dict[str, Any]) -> str:
    text = str(version["effective"])
    if version["status"] != "in_force":
        text += f" {version['status']}"
    if version["amended_by"]:
        text += f" [{version['amended_by']}]"
    notes: list[str] = []
    if version["status"] != "removed":
        notes.append(str(version["confidence"]))
    if version["not_formalised"]:
        notes.append("NF")
    if notes:
        text += f" ({', '.join(notes)})"
    if version.get("not_enforced_from"):
        text += f", not enforced from {version['not_enforced_from']}"
    return text


def _nf_cell(versions: list[dict[str, Any]]) -> str:
    seen: list[str] = []
    parts: list[str] = []
    for version in versions:
        texts: list[str] = version["not_formalised"]
        if not texts:
            continue
        first = _shorten(texts[0])
        more = f" (+{len(texts) - 1} more)" if len(texts) > 1 else ""
        if first in seen:
            parts.append(f"{version['effective']}: as before{more}")
            continue
        seen.append(first)
        parts.append(f"{version['effective']}: {first}{more}")
    return "; ".join(parts) if parts else "-"


def _entry_table(records: Iterable[dict[str, Any]]) -> list[str]:
    lines = [
        "| Id | Designation | Title | Versions: effective [amended by] (confidence, NF) "
        "| Not formalised |",
        "|---|---|---|---|---|",
    ]
    for record in records:
        versions = "; ".join(_version_cell(v) for v in record["versions"])
        lines.append(
            f"| `{record['id']}` | {_cell(record['entry'])} | {_cell(record['title'])} "
            f"| {_cell(versions)} | {_cell(_nf_cell(record['versions']))} |"
        )
    return lines


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _members(members: list[str]) -> str:
    return ", ".join(f"`{m}`" for m in members) if members else "(none)"


def _coverage_list_lines(record: dict[str, Any]) -> list[str]:
    lines = [f"#### `{record['id']}`: {record['name']}", ""]
    for version in record["versions"]:
        head = f"- **From {version['effective']}**"
        if version["status"] != "in_force":
            head += f" ({version['status']})"
        if version["amended_by"]:
            head += f" [{version['amended_by']}]"
        head += f", confidence {version['confidence']}: {_members(version['members'])}."
        lines.append(" ".join(head.split()))
        lines.append(f"  Source: {' '.join(str(version['citation']).split())}.")
        if version["notes"]:
            lines.append(f"  Notes: {' '.join(str(version['notes']).split())}")
    lines.append("")
    return lines


def _dated_list_table(records: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| List | Name | Versions: effective [amended by] (confidence, members) |",
        "|---|---|---|",
    ]
    for record in records:
        cells: list[str] = []
        for version in record["versions"]:
            text = str(version["effective"])
            if version["status"] != "in_force":
                text += f" {version['status']}"
            if version["amended_by"]:
                text += f" [{version['amended_by']}]"
            if version["status"] != "removed":
                count = len(version["members"])
                text += f" ({version['confidence']}, {count} member{'' if count == 1 else 's'})"
            cells.append(text)
        lines.append(f"| `{record['id']}` | {_cell(record['name'])} | {_cell('; '.join(cells))} |")
    return lines


def coverage_markdown(rulebook: Rulebook, jurisdiction: str | None = None) -> str:
    """The generated part of docs/law-coverage.md (without the markers)."""
    data = coverage_data(rulebook, jurisdiction)
    lines: list[str] = []
    for block in data["jurisdictions"]:
        families = block["item_families"]
        steps = block["rules_by_step"]
        n_items = sum(len(f["entries"]) for f in families)
        n_rules = sum(len(s["entries"]) for s in steps)
        lines += [
            f"## {block['name']} ({block['code']})",
            "",
            f"{_count(block['entries'], 'entry', 'entries')} "
            f"({_count(n_items, 'item entry', 'item entries')} in "
            f"{_count(len(families), 'family', 'families')}, "
            f"{_count(n_rules, 'shipment rule', 'shipment rules')}), "
            f"{_count(block['versions'], 'version', 'versions')}; "
            f"{_count(len(block['coverage_lists']), 'coverage list', 'coverage lists')}, "
            f"{_count(len(block['dated_lists']), 'other dated list', 'other dated lists')}.",
            "",
            "### Coverage of the encoded law",
            "",
        ]
        if block["coverage_lists"]:
            for record in block["coverage_lists"]:
                lines += _coverage_list_lines(record)
        else:
            lines += ["No coverage list: every verdict of this jurisdiction is undetermined.", ""]
        if families:
            lines += ["### Item entries, by family", ""]
            for family in families:
                lines += [
                    f"#### `{family['family']}` ({family['file']})",
                    "",
                    f"{' '.join(str(family['instrument']).split())}.",
                    "",
                    *_entry_table(family["entries"]),
                    "",
                ]
        if steps:
            lines += ["### Shipment rules, by step", ""]
            for step in steps:
                lines += [f"#### Step `{step['step']}`", "", *_entry_table(step["entries"]), ""]
        if block["dated_lists"]:
            lines += ["### Dated lists", "", *_dated_list_table(block["dated_lists"]), ""]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def replace_generated(document: str, generated: str) -> str:
    """`document` with the text between the markers replaced by `generated`."""
    start = document.find(START_MARKER)
    end = document.find(END_MARKER)
    if start < 0 or end < 0 or end < start:
        raise ValueError(
            f"the document has no generated section; put the lines {START_MARKER!r} and "
            f"{END_MARKER!r} where it belongs"
        )
    head = document[: start + len(START_MARKER)]
    return f"{head}\n\n{generated.rstrip()}\n\n{document[end:]}"


def generated_section(document: str) -> str | None:
    """The text between the markers of a document, as `coverage_markdown` returns it."""
    start = document.find(START_MARKER)
    end = document.find(END_MARKER)
    if start < 0 or end < 0 or end < start:
        return None
    return document[start + len(START_MARKER) : end].strip() + "\n"
