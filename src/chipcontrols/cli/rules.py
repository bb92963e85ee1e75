"""`chipcontrols rules`: the law as of a date, its history and the changes between dates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from chipcontrols.app_services.inputs import check_jurisdictions, rulebook_jurisdictions
from chipcontrols.cli.common import check_format, console, handle_errors, parse_date, print_json
from chipcontrols.errors import InputError
from chipcontrols.rulebook import coverage_report
from chipcontrols.rulebook.diff import diff_lists, diff_rulebook, entry_history, list_history
from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook

app = typer.Typer(help="Show, list, check and compare the rulebook (the law as data).")

AsOf = Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default: today).")]
Format = Annotated[str, typer.Option("--format", "-f", help="text or json.")]


def _jurisdiction(raw: str | None, rulebook: Rulebook) -> str | None:
    if raw is None:
        return None
    (code,) = check_jurisdictions([raw], rulebook_jurisdictions(rulebook), loc="--jurisdiction")
    return code


@app.command("list")
@handle_errors
def list_rules(
    as_of: AsOf = None,
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", "-j", help="ISO code or EU.")
    ] = None,
    fmt: Format = "text",
) -> None:
    """Every entry in force on a date."""
    check_format(fmt)
    rulebook = load_rulebook()
    date = parse_date(as_of)
    jurisdiction = _jurisdiction(jurisdiction, rulebook)
    view = rulebook.at(date)
    rows = [
        f
        for f in view.in_force.values()
        if jurisdiction is None or f.entry.jurisdiction == jurisdiction.upper()
    ]
    rows.sort(key=lambda f: (f.entry.jurisdiction, f.entry.id))
    if fmt == "json":
        print_json(
            {
                "as_of": date.isoformat(),
                "rulebook_version": rulebook.version,
                "entries": [
                    {
                        "id": f.entry.id,
                        "jurisdiction": f.entry.jurisdiction,
                        "entry": f.entry.entry,
                        "title": f.entry.title,
                        "version_effective": f.version.effective.isoformat(),
                        "citation": f.version.source.citation,
                    }
                    for f in rows
                ],
            }
        )
        return
    console.print(
        f"[bold]Rulebook {rulebook.version}[/] as of {date}: {len(rows)} entries in force"
    )
    for f in rows:
        console.print(
            f"  {f.entry.jurisdiction:3} {f.entry.entry:14} {f.entry.id:34} "
            f"since {f.version.effective}  {f.entry.title}",
            markup=False,
        )


@app.command("show")
@handle_errors
def show(
    rule_id: Annotated[
        str, typer.Argument(metavar="ID", help="Entry id, family id or designation.")
    ],
    as_of: AsOf = None,
    fmt: Format = "text",
) -> None:
    """An entry (or a family of entries) as of a date, with its version history."""
    check_format(fmt)
    rulebook = load_rulebook()
    date = parse_date(as_of)
    rulebook.check_date(date)
    if rule_id in rulebook.lists:
        record = list_history(rulebook.lists[rule_id], date)
        if fmt == "json":
            print_json(
                {"as_of": date.isoformat(), "rulebook_version": rulebook.version, "lists": [record]}
            )
            return
        console.print(f"[bold]{record['name']}[/] ({record['id']}, {record['jurisdiction']})")
        console.print(f"  members on {date}: {', '.join(record['members']) or '-'}", markup=False)
        for version in record["versions"]:
            console.print(f"  {version['effective']}  {version['citation']}", markup=False)
        return
    entries = rulebook.find(rule_id)
    records = [entry_history(entry, date) for entry in entries]
    if fmt == "json":
        print_json(
            {"as_of": date.isoformat(), "rulebook_version": rulebook.version, "entries": records}
        )
        return
    for record in records:
        console.print(f"[bold]{record['entry']}[/]  ({record['id']}, {record['jurisdiction']})")
        console.print(f"  {record['title']}", markup=False)
        current = record["in_force"]
        if current is None:
            console.print(f"  Not in force on {date}.")
        else:
            console.print(
                f"  In force on {date}: version of {current['effective']}"
                f" ({current.get('amended_by') or 'original'})",
                markup=False,
            )
            console.print(f"  Source: {current['citation']}", markup=False)
            if current.get("url"):
                console.print(f"  {current['url']}", markup=False)
            console.print(f'  Text: "{current["text"]}"', markup=False)
            console.print(f"  Condition: {current['condition']}", markup=False)
            if current.get("not_formalised"):
                console.print(f"  Not formalised: {current['not_formalised']}", markup=False)
            console.print(f"  Confidence: {current['confidence']}")
        console.print("  History:")
        for version in record["versions"]:
            console.print(
                f"    {version['effective']}  {version['status']:9} "
                f"{version.get('amended_by') or ''}",
                markup=False,
            )
        console.print()


@app.command("diff")
@handle_errors
def diff(
    date_from: Annotated[str, typer.Option("--from", help="Earlier date YYYY-MM-DD.")],
    date_to: Annotated[str, typer.Option("--to", help="Later date YYYY-MM-DD.")],
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", "-j", help="ISO code or EU.")
    ] = None,
    fmt: Format = "text",
) -> None:
    """Every entry whose conditions changed between two dates, old against new."""
    check_format(fmt)
    rulebook = load_rulebook()
    d1, d2 = parse_date(date_from, loc="--from"), parse_date(date_to, loc="--to")
    jurisdiction = _jurisdiction(jurisdiction, rulebook)
    changes = diff_rulebook(rulebook, d1, d2, jurisdiction=jurisdiction)
    lists = diff_lists(rulebook, d1, d2, jurisdiction=jurisdiction)
    if fmt == "json":
        print_json(
            {
                "from": d1.isoformat(),
                "to": d2.isoformat(),
                "rulebook_version": rulebook.version,
                "changes": changes,
                "list_changes": lists,
            }
        )
        return
    console.print(f"[bold]Changes {d1} -> {d2}[/] (rulebook {rulebook.version}): {len(changes)}")
    for change in changes:
        console.print(f"\n[bold]{change['change'].upper()}[/] {change['entry']} ({change['id']})")
        for side in ("old", "new"):
            version = change[side]
            if version is None:
                console.print(f"  {side}: not in force")
                continue
            console.print(f"  {side}: {version['condition']}", markup=False)
            console.print(f"       {version['citation']}", markup=False)
        _print_steps(change.get("steps") or [])
    for change in lists:
        console.print(
            f"\n[bold]LIST[/] {change['name']} ({change['id']}): added "
            f"{', '.join(change['added']) or '-'}; removed {', '.join(change['removed']) or '-'}"
        )
        console.print(f"       {change['citation']}", markup=False)
        _print_steps(change.get("steps") or [])


def _print_steps(steps: list[dict[str, Any]]) -> None:
    """Every version that took effect between the two dates, with its citation."""
    if len(steps) < 2:
        return
    for step in steps:
        state = "" if step["status"] == "in_force" else f" ({step['status']})"
        console.print(f"    {step['effective']}{state}: {step['citation']}", markup=False)


@app.command("check")
@handle_errors
def check() -> None:
    """Load and validate every law file; print the rulebook version."""
    rulebook = load_rulebook()
    console.print(
        f"rulebook {rulebook.version}: {len(rulebook.entries)} entries, "
        f"{sum(len(e.versions) for e in rulebook.entries.values())} versions, "
        f"{len(rulebook.parameters)} parameters, {len(rulebook.kinds)} kinds; "
        f"earliest {rulebook.earliest}"
    )


@app.command("coverage")
@handle_errors
def coverage(
    fmt: Annotated[str, typer.Option("--format", "-f", help="md (or text) or json.")] = "md",
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", "-j", help="ISO code or EU.")
    ] = None,
    write: Annotated[
        str | None,
        typer.Option(
            "--write",
            metavar="FILE",
            help="Replace the generated section of FILE (e.g. docs/law-coverage.md).",
        ),
    ] = None,
) -> None:
    """What the law files encode, per jurisdiction and provision (docs/law-coverage.md)."""
    fmt = "md" if fmt == "text" else fmt
    if fmt not in ("md", "json"):
        raise InputError(f"unknown format {fmt!r}; use md or json", loc="--format")
    rulebook = load_rulebook()
    if jurisdiction is not None and jurisdiction.upper() not in coverage_report.jurisdictions(
        rulebook
    ):
        known = ", ".join(coverage_report.jurisdictions(rulebook))
        raise InputError(f"no law encoded for {jurisdiction!r}; use one of {known}", loc="-j")
    if write is not None:
        if fmt != "md" or jurisdiction is not None:
            raise InputError(
                "--write takes the whole Markdown report; drop -j/--format", loc="--write"
            )
        path = Path(write)
        if not path.is_file():
            raise InputError(f"file {write!r} not found", loc="--write")
        document = path.read_text(encoding="utf-8")
        try:
            updated = coverage_report.replace_generated(
                document, coverage_report.coverage_markdown(rulebook)
            )
        except ValueError as exc:
            raise InputError(str(exc), loc="--write") from None
        if updated != document:
            path.write_text(updated, encoding="utf-8")
        console.print(
            f"{write}: generated section {'updated' if updated != document else 'unchanged'}"
        )
        return
    if fmt == "json":
        data = coverage_report.coverage_data(rulebook, jurisdiction)
        print_json({"rulebook_version": rulebook.version, **data})
        return
    print(coverage_report.coverage_markdown(rulebook, jurisdiction), end="")
