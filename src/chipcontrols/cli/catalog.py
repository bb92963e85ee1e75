"""`chipcontrols catalog`: the real products the engine knows, with their sources."""

from __future__ import annotations

from typing import Annotated

import typer

from chipcontrols.catalog import load_catalog
from chipcontrols.cli.common import check_format, console, handle_errors, print_json

app = typer.Typer(help="Real chips and tools with public specifications.")


@app.command("list")
@handle_errors
def list_products(
    kind: Annotated[str | None, typer.Option(help="Only this item kind.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Every product in the catalog."""
    check_format(fmt)
    products = [p for p in load_catalog().products if kind is None or p.item.get("kind") == kind]
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


@app.command("show")
@handle_errors
def show(
    name: Annotated[str, typer.Argument(help="Product name or alias.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """A product's figures and their sources."""
    check_format(fmt)
    p = load_catalog().get(name)
    record = {
        "name": p.name,
        "maker": p.maker,
        "maker_country": p.maker_country,
        "released": p.released,
        "aliases": list(p.aliases),
        "item": dict(p.item),
        "figures": [dict(f) for f in p.figures],
        "file": p.file,
    }
    if fmt == "json":
        print_json(record)
        return
    console.print(f"[bold]{p.name}[/] - {p.maker or ''} ({p.maker_country or '?'})")
    for key, value in p.item.items():
        console.print(f"  {key}: {value}", markup=False)
    console.print("  sources:")
    for fig in p.figures:
        console.print(
            f"    {', '.join(fig.get('fields', []))}: {fig.get('source')} {fig.get('url', '')}",
            markup=False,
        )
