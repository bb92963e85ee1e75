"""`chipcontrols determine`: licence verdicts for a transaction, per jurisdiction."""

from __future__ import annotations

from typing import Annotated

import typer

from chipcontrols.cli.common import (
    check_format,
    console,
    handle_errors,
    parse_date,
    print_json,
    read_input,
)
from chipcontrols.determination import Determination, determine

_STYLE = {
    "licence_required": "bold red",
    "prohibited": "bold red",
    "undetermined": "yellow",
    "licence_exception_available": "cyan",
    "no_licence_required": "green",
    "not_subject": "green",
    "notification_required": "cyan",
}


def determine_command(
    transaction: Annotated[
        str,
        typer.Argument(metavar="TRANSACTION", help="Transaction YAML/JSON file ('-' for stdin)."),
    ],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Date YYYY-MM-DD (default: the file's date, else today)."),
    ] = None,
    fmt_: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    trace: Annotated[
        bool, typer.Option("--trace", help="Show every step of the procedures.")
    ] = False,
    no_screen: Annotated[
        bool, typer.Option("--no-screen", help="Do not screen the parties against the lists.")
    ] = False,
) -> None:
    """Is a licence needed for this transaction, in each jurisdiction, and why?"""
    handle_errors(_run)(transaction, as_of, fmt_, trace, no_screen)


def _run(transaction: str, as_of: str | None, fmt_: str, trace: bool, no_screen: bool) -> None:
    check_format(fmt_)
    date = parse_date(as_of) if as_of else None
    from chipcontrols.app_services.documents import check_transaction_file
    from chipcontrols.rulebook.rulebook import load_rulebook

    raw = read_input(transaction, loc="TRANSACTION")
    check_transaction_file(raw, load_rulebook(), loc="transaction")
    result = determine(raw, date, screen=not no_screen)
    if fmt_ == "json":
        print_json(result.to_dict())
    else:
        render(result, trace=trace)


def render(result: Determination, *, trace: bool = False) -> None:
    console.print(
        f"[bold]Determination as of {result.as_of}[/] (rulebook {result.rulebook_version}, "
        f"engine {result.engine_version})"
    )
    for snap in result.list_snapshots:
        console.print(f"  list snapshot {snap['id']} ({snap['dataset']}, as of {snap['as_of']})")
    for verdict in result.verdicts:
        style = _STYLE.get(verdict.verdict, "bold")
        policy = f"; review policy: {verdict.review_policy}" if verdict.review_policy else ""
        console.print(f"\n[bold]{verdict.jurisdiction}[/]: [{style}]{verdict.verdict}[/]{policy}")
        for exc in verdict.licence_exceptions:
            console.print(f"  licence exception {exc.name} ({exc.citation})", markup=False)
            if exc.conditions:
                console.print(f"    conditions: {exc.conditions}", markup=False)
        for reason in verdict.reasons:
            console.print(f"  - {reason.text}", markup=False)
            console.print(f"    [{reason.citation}]", markup=False)
            if reason.note:
                console.print(f"    note: {reason.note}", style="dim", markup=False)
        for question in verdict.questions:
            console.print(f"  ? {question.text}  (field: {question.field})", markup=False)
        if len(verdict.lines) > 1:
            for line in verdict.lines:
                console.print(
                    f"  item {line['index'] + 1} {line['item']}: {line['verdict']}", markup=False
                )
        if trace:
            for node in verdict.trace:
                for text in node.lines(1):
                    console.print(text, markup=False)
        if verdict.scope_note:
            console.print(f"  scope: {verdict.scope_note}", style="dim", markup=False)


def register(app: typer.Typer) -> None:
    app.command("determine")(determine_command)
