"""The `chipcontrols` command line: thin commands over the service functions."""

from __future__ import annotations

import importlib

import typer

from chipcontrols import __version__
from chipcontrols.cli import catalog, rules
from chipcontrols.cli.classify import classify_command

app = typer.Typer(
    name="chipcontrols",
    help="Export controls on chips and chip-making equipment, as cited, dated law.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("classify")(classify_command)
app.add_typer(rules.app, name="rules")
app.add_typer(catalog.app, name="catalog")


@app.command("version")
def version() -> None:
    """Print the engine version and the bundled rulebook version."""
    from chipcontrols.rulebook.rulebook import load_rulebook

    typer.echo(f"chipcontrols {__version__}, rulebook {load_rulebook().version}")


def _mount_optional() -> None:
    """Mount command groups of capabilities that register themselves (e.g. screening)."""
    for module_name in (
        "chipcontrols.screening.cli",
        "chipcontrols.cli.determine",
        "chipcontrols.cli.assess",
        "chipcontrols.cli.service",
        "chipcontrols.cli.analysis",
        "chipcontrols.cli.letters",
    ):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_mount_optional()


def run() -> None:
    app()
