"""Helpers shared by CLI commands: dates, input files, output, and error reporting."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from chipcontrols.app_services.inputs import check_document
from chipcontrols.errors import ChipControlsError, InputError
from chipcontrols.rulebook.yamlio import load_yaml_text

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")


def parse_date(raw: str | None, *, loc: str = "--as-of") -> dt.date:
    if raw is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise InputError(f"bad date {raw!r}; write YYYY-MM-DD, e.g. 2023-11-17", loc=loc) from None


def read_input(path: str, *, loc: str = "FILE") -> Any:
    """A YAML or JSON document from a file, or from standard input for '-'."""
    if path == "-":
        return check_document(load_yaml_text(sys.stdin.read(), loc="<stdin>"), loc="<stdin>")
    file = Path(path)
    if not file.exists():
        raise InputError(f"file {path!r} not found; check the path", loc=loc)
    if file.is_dir():
        raise InputError(f"{path!r} is a folder; give a YAML or JSON file", loc=loc)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path!r} is not UTF-8 text; give a YAML or JSON file", loc=loc) from None
    data = load_yaml_text(text, loc=path)
    if data is None:
        raise InputError(f"{path!r} is empty", loc=loc)
    return check_document(data, loc=path)


def check_format(fmt: str) -> str:
    if fmt not in ("text", "json"):
        raise InputError(f"unknown format {fmt!r}; use text or json", loc="--format")
    return fmt


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Report a ChipControlsError as one line on stderr with its exit code; no traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ChipControlsError as exc:
            err_console.print(exc.one_line(), markup=False)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # a defect, not bad input: one line, details on request
            if os.environ.get("CHIPCONTROLS_DEBUG"):
                raise
            err_console.print(
                f"error[internal] {type(exc).__name__}: {exc} (set CHIPCONTROLS_DEBUG=1 for "
                "the details and report it)",
                markup=False,
            )
            raise typer.Exit(1) from None

    return wrapper
