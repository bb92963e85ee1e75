"""Every command group is registered explicitly, and the version comes from the package."""

from __future__ import annotations

from importlib import metadata

import typer
from typer.testing import CliRunner

import chipcontrols
from chipcontrols.cli.main import app

# Commands the command line offers (others may be added); none may silently vanish.
COMMANDS = {
    "classify",
    "rules",
    "catalog",
    "version",
    "screen",
    "judge",
    "rescreen",
    "lists",
    "judgements",
    "determine",
    "assess",
    "serve",
    "replay",
    "batch",
    "audit",
    "users",
    "keys",
    "db",
    "coalition",
    "timeline",
    "scenario",
    "letters",
}


def test_every_command_is_registered() -> None:
    group = typer.main.get_command(app)
    missing = COMMANDS - set(getattr(group, "commands", {}))
    assert not missing, f"commands not registered: {sorted(missing)}"


def test_engine_version_is_the_package_metadata() -> None:
    assert chipcontrols.__version__ == metadata.version("chipcontrols")
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"chipcontrols {metadata.version('chipcontrols')}, rulebook ")
