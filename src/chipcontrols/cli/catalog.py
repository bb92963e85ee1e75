"""`chipcontrols catalog`: the real products the engine knows, with their sources."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from chipcontrols.catalog import load_catalog
from chipcontrols.catalog.catalog import Product
from chipcontrols.catalog.query import parse_where, search_products
from chipcontrols.cli.common import check_format, console, handle_errors, print_json

app = typer.Typer(help="Real chips and tools with public specifications.")


def _value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@app.command("list")
@handle_errors
def list_products(
    kind: Annotated[str | None, typer.Option(help="Only this item kind.")] = None,
    maker: Annotated[
        str | None, typer.Option(help="Only this maker (case-insensitive substring).")
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option(
            help="A figure test, e.g. 'tpp>=4800', 'numerical_aperture>1', 'euv=true', "
            "'dedicated_chuck_overlay_nm?' (has the figure), '!resolution_nm' (lacks it). "
            "Repeat for all of them."
        ),
    ] = None,
    search: Annotated[
        str | None, typer.Option(help="Text to find in names, aliases, makers and notes.")
    ] = None,
    statements: Annotated[
        bool, typer.Option("--statements", help="Only products with maker statements.")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Every product in the catalog, or those matching the filters."""
    check_format(fmt)
    tests = [parse_where(w) for w in where or []]
    products = search_products(
        load_catalog(), kind=kind, maker=maker, where=tests, text=search, statements=statements
    )
    if fmt == "json":
        print_json(
            {
                "products": [
                    {
                        "name": p.name,
                        "maker": p.maker,
                        "maker_country": p.maker_country,
                        "kind": p.item.get("kind"),
                        "aliases": list(p.aliases),
                        "maker_statements": len(p.statements),
                    }
                    for p in products
                ]
            }
        )
        return
    for p in products:
        console.print(
            f"{p.name:44} {p.item.get('kind', ''):22} {p.maker or ''} ({p.maker_country or '?'})",
            markup=False,
        )
    console.print(f"{len(products)} products")


def product_record(p: Product) -> dict[str, Any]:
    figures = []
    for key in p.figure_keys():
        fig = p.source_of(key) or {}
        figures.append(
            {
                "figure": key,
                "value": p.item[key],
                "source": fig.get("source"),
                "url": fig.get("url"),
                "date": _value(fig.get("date")),
                "note": fig.get("note"),
            }
        )
    return {
        "name": p.name,
        "maker": p.maker,
        "maker_country": p.maker_country,
        "released": p.released,
        "aliases": list(p.aliases),
        "item": dict(p.item),
        "figures": figures,
        "sources": [{k: _value(v) for k, v in f.items()} for f in p.figures],
        "unpublished": [{k: _value(v) for k, v in u.items()} for u in p.unpublished],
        "maker_statements": [s.to_dict() for s in p.statements],
        "notes": p.notes,
        "file": p.file,
    }


@app.command("show")
@handle_errors
def show(
    name: Annotated[str, typer.Argument(help="Product name or alias.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """A product's figures, each with its source and date, and the maker's statements."""
    check_format(fmt)
    p = load_catalog().get(name)
    record = product_record(p)
    if fmt == "json":
        print_json(record)
        return
    console.print(f"[bold]{p.name}[/] - {p.maker or ''} ({p.maker_country or '?'})")
    if p.aliases:
        console.print(f"  aliases: {', '.join(p.aliases)}", markup=False)
    console.print(f"  kind: {p.kind}", markup=False)
    console.print("  figures:")
    for fig in record["figures"]:
        date = fig["date"] or "undated"
        console.print(f"    {fig['figure']} = {fig['value']}", markup=False)
        console.print(f"      source ({date}): {fig['source']}", markup=False)
        if fig["url"]:
            console.print(f"      {fig['url']}", markup=False)
    if p.unpublished:
        console.print("  not published by the maker:")
        for u in p.unpublished:
            console.print(
                f"    {u['param']} (checked {_value(u['checked'])}): {u['note']}", markup=False
            )
    if p.statements:
        console.print("  maker statements:")
        for s in p.statements:
            what = s.eccn if s.claim == "eccn" else f"{s.claim} ({s.jurisdiction})"
            console.print(f"    {s.date} {what}: {s.text}", markup=False)
            console.print(f"      source: {s.source} {s.url or ''}", markup=False)
    if p.notes:
        console.print(f"  notes: {p.notes}", markup=False)
    console.print(f"  file: {p.file}", markup=False)


def maker_comparisons(product: str) -> list[Any]:
    """The maker's statements on a product, each compared with the engine's classification."""
    from chipcontrols.catalog.statements import compare_product

    return compare_product(load_catalog().get(product))


_STYLE = {
    "agrees": "green",
    "disagrees": "bold red",
    "open": "yellow",
    "not_comparable": "cyan",
}


def render_comparisons(comparisons: list[Any]) -> None:
    if not comparisons:
        console.print("\n[bold]Maker statements:[/] none recorded in the catalog.")
        return
    console.print("\n[bold]Maker statements compared with the engine[/]")
    for c in comparisons:
        s = c.statement
        claim = f"ECCN {s.eccn}" if s.claim == "eccn" else f"{s.claim} ({s.jurisdiction})"
        style = _STYLE.get(c.outcome, "")
        console.print(f"  [{style}]{c.outcome.upper()}[/] maker {s.date}: {claim}, as of {c.as_of}")
        console.print(f"    maker:  {s.text}", markup=False)
        console.print(f"    source: {s.source} {s.url or ''}", markup=False)
        console.print(f"    engine: {c.engine}", markup=False)
        if c.reason:
            console.print(f"    why:    {c.reason}", markup=False)
        if c.outcome == "disagrees":
            console.print("    [bold red]a disagreement is a finding for a lawyer[/]")


@app.command("statements")
@handle_errors
def statements_command(
    write: Annotated[
        str | None,
        typer.Option(
            help="Rewrite the generated part of this Markdown file (docs/maker-statements.md)."
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text (Markdown) or json.")] = "text",
) -> None:
    """Every maker statement in the catalog against the engine's classification."""
    from pathlib import Path

    from chipcontrols.catalog.statements import (
        compare_catalog,
        replace_generated,
        statements_markdown,
    )

    check_format(fmt)
    comparisons = compare_catalog()
    if fmt == "json":
        print_json({"comparisons": [c.to_dict() for c in comparisons]})
        return
    text = statements_markdown(comparisons)
    if write:
        path = Path(write)
        path.write_text(replace_generated(path.read_text(), text))
        console.print(f"{len(comparisons)} statements written to {write}", markup=False)
        return
    console.print(text, markup=False, highlight=False)
