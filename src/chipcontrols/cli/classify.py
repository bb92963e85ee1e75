"""`chipcontrols classify`: which control entries an item meets, per jurisdiction."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from chipcontrols.classification import Classification, classify
from chipcontrols.cli.common import (
    check_format,
    console,
    handle_errors,
    parse_date,
    print_json,
    read_input,
)
from chipcontrols.errors import InputError
from chipcontrols.rulebook.conditions import fmt
from chipcontrols.rulebook.evaluate import Status

_STYLE = {Status.MET: "bold red", Status.NOT_MET: "green", Status.UNDETERMINED: "yellow"}


def classify_command(
    item_file: Annotated[
        str | None,
        typer.Argument(metavar="ITEM", help="Item YAML/JSON file ('-' for stdin)."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default today).")
    ] = None,
    product: Annotated[
        str | None, typer.Option("--product", "-p", help="A catalog product name instead of ITEM.")
    ] = None,
    jurisdiction: Annotated[
        list[str] | None, typer.Option("--jurisdiction", "-j", help="Only these (US, NL, EU...).")
    ] = None,
    fmt_: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show not-met explanations.")
    ] = False,
) -> None:
    """Classify ITEM: every entry met, not met or undetermined, with the evaluated conditions."""
    handle_errors(_classify)(item_file, as_of, product, jurisdiction, fmt_, verbose)


def _classify(
    item_file: str | None,
    as_of: str | None,
    product: str | None,
    jurisdiction: list[str] | None,
    fmt_: str,
    verbose: bool,
) -> None:
    check_format(fmt_)
    date = parse_date(as_of)
    if (item_file is None) == (product is None):
        raise InputError("give an ITEM file or --product NAME (one of them)", loc="ITEM")
    raw = {"product": product} if product else read_input(item_file or "-", loc="ITEM")
    only = {j.upper() for j in jurisdiction} if jurisdiction else None
    result = classify(raw, date, jurisdictions=only)
    if fmt_ == "json":
        print_json(result.to_dict())
    else:
        render(result, verbose=verbose)


def render(result: Classification, *, verbose: bool = False) -> None:
    item = result.item
    title = item.name or item.product or item.kind
    console.print(f"[bold]{title}[/] ({item.kind}) as of {result.as_of}", markup=True)
    shown = [k for k in sorted(item.values) if not k.startswith("__") and k != "throughput"]
    if shown:
        facts = ", ".join(f"{k}={fmt(item.values[k])}" for k in shown)
        derived = sorted(set(item.values) - item.given)
        console.print(f"  facts: {facts}", markup=False)
        if derived:
            console.print(f"  derived: {', '.join(derived)}", markup=False)
    console.print(f"  rulebook {result.rulebook_version}")
    if not result.entries:
        console.print("  No control entry in force on this date applies to this kind of item.")
        return
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("jurisdiction", "entry", "status", "version", "citation"):
        table.add_column(col)
    for entry in result.entries:
        table.add_row(
            entry.jurisdiction,
            entry.entry,
            f"[{_STYLE[entry.status]}]{entry.status.value}[/]",
            str(entry.effective),
            entry.amended_by or "",
        )
    console.print(table)
    for entry in result.entries:
        if entry.status is Status.NOT_MET and not verbose:
            continue
        console.print(f"\n[bold]{entry.entry}[/] {entry.status.value}: {entry.title}")
        for line in entry.explanation.lines(1):
            console.print(line, markup=False)
        if entry.missing:
            console.print(f"  [yellow]missing facts:[/] {', '.join(entry.missing)}")
        if entry.not_formalised:
            console.print(f"  not formalised: {entry.not_formalised}", markup=False)
        console.print(f"  source: {entry.citation}", markup=False)
