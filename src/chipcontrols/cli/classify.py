"""`chipcontrols classify`: which control entries an item meets, per jurisdiction."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import polars as pl
import typer
from rich.table import Table

from chipcontrols.app_services.inputs import check_jurisdictions, rulebook_jurisdictions
from chipcontrols.catalog import load_catalog
from chipcontrols.classification import Classification, classify
from chipcontrols.classification.table import classify_frame, items_to_frame
from chipcontrols.classification.tables_io import check_table, read_table, summarise, write_summary
from chipcontrols.cli.catalog import maker_comparisons, render_comparisons
from chipcontrols.cli.common import (
    check_format,
    console,
    handle_errors,
    parse_date,
    print_json,
    read_input,
)
from chipcontrols.errors import InputError
from chipcontrols.model.items import parse_item
from chipcontrols.rulebook.conditions import fmt
from chipcontrols.rulebook.evaluate import Status
from chipcontrols.rulebook.rulebook import load_rulebook

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
    catalog: Annotated[
        bool, typer.Option("--catalog", help="Classify every catalog product (vectorised).")
    ] = False,
    table: Annotated[
        str | None, typer.Option("--table", help="Classify the rows of a CSV/Parquet table.")
    ] = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the table to .csv or .parquet.")
    ] = None,
) -> None:
    """Classify ITEM: every entry met, not met or undetermined, with the evaluated conditions.

    With --catalog or --table: a product x jurisdiction table for one date.
    """
    if catalog or table:
        handle_errors(_classify_many)(
            item_file, product, as_of, catalog, table, jurisdiction, fmt_, output
        )
        return
    handle_errors(_classify)(item_file, as_of, product, jurisdiction, fmt_, verbose)


def _classify_many(
    item_file: str | None,
    product: str | None,
    as_of: str | None,
    catalog: bool,
    table: str | None,
    jurisdiction: list[str] | None,
    fmt_: str,
    output: str | None,
) -> None:
    check_format(fmt_)
    if item_file or product or (catalog and table):
        raise InputError("give one of ITEM, --product, --catalog or --table", loc="--catalog")
    date = parse_date(as_of)
    summary = classify_many(date, catalog=catalog, table=table)
    if jurisdiction:
        codes = check_jurisdictions(
            jurisdiction, rulebook_jurisdictions(load_rulebook()), loc="--jurisdiction"
        )
        summary = summary.filter(pl.col("jurisdiction").is_in(sorted(codes)))
    if output:
        write_summary(summary, output)
    if fmt_ == "json":
        print_json(
            {
                "as_of": date.isoformat(),
                "rulebook_version": load_rulebook().version,
                "rows": summary.to_dicts(),
            }
        )
        return
    if output:
        console.print(f"{summary.height} rows written to {output}", markup=False)
        return
    view = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("product", "kind", "jur.", "met", "undetermined"):
        view.add_column(col)
    for row in summary.iter_rows(named=True):
        view.add_row(
            row["name"] or "",
            row["kind"],
            row["jurisdiction"],
            f"[bold red]{', '.join(row['met'])}[/]" if row["met"] else "-",
            f"[yellow]{', '.join(row['undetermined'])}[/]" if row["undetermined"] else "",
        )
    console.print(f"[bold]Classification as of {date}[/] (rulebook {load_rulebook().version})")
    console.print(view)


def classify_many(date: dt.date, *, catalog: bool, table: str | None) -> pl.DataFrame:
    """The product x jurisdiction summary for the catalog or a table file."""
    rulebook = load_rulebook()
    view = rulebook.at(date)
    if catalog:
        cat = load_catalog()
        items = [
            parse_item(p.spec(), rulebook, loc=p.file, products=cat.lookup) for p in cat.products
        ]
        frame = items_to_frame(items, rulebook, view)
    else:
        assert table is not None
        frame = check_table(read_table(table), rulebook)
    return summarise(classify_frame(frame, rulebook, date), rulebook)


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
    if product:
        raw: Any = {"product": product}
    else:
        from chipcontrols.app_services.documents import check_item_file

        raw = read_input(item_file or "-", loc="ITEM")
        check_item_file(raw, load_rulebook(), loc="item")
    only = (
        check_jurisdictions(
            jurisdiction, rulebook_jurisdictions(load_rulebook()), loc="--jurisdiction"
        )
        if jurisdiction
        else None
    )
    result = classify(raw, date, jurisdictions=only)
    comparisons = maker_comparisons(product) if product else []
    if fmt_ == "json":
        data = result.to_dict()
        if product:
            data["maker_statements"] = [c.to_dict() for c in comparisons]
        print_json(data)
    else:
        render(result, verbose=verbose)
        if product:
            render_comparisons(comparisons)


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
