"""The `chipcontrols` command line: thin commands over the service functions.

Every command group is imported and registered here explicitly: a module that fails to import
stops the command line with its error, rather than silently removing its commands.
"""

from __future__ import annotations

import typer

from chipcontrols import __version__
from chipcontrols.cli import analysis, assess, catalog, determine, letters, rules, service
from chipcontrols.cli import watch as watch_cli
from chipcontrols.cli.classify import classify_command
from chipcontrols.screening import cli as screening_cli

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
screening_cli.register(app)
determine.register(app)
assess.register(app)
service.register(app)
analysis.register(app)
letters.register(app)
watch_cli.register(app)


@app.command("version")
def version() -> None:
    """Print the engine version and the bundled rulebook version."""
    from chipcontrols.rulebook.rulebook import load_rulebook

    typer.echo(f"chipcontrols {__version__}, rulebook {load_rulebook().version}")


def run() -> None:
    app()
