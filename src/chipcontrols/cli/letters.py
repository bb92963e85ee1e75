"""`chipcontrols letters add|list|revoke`: the user's BIS letters (is-informed letters),
kept and audited in the service database; later determinations apply them."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from chipcontrols.cli.common import check_format, console, handle_errors, print_json, read_input
from chipcontrols.cli.service import _actor, _services
from chipcontrols.determination.company_letters import letter_bases

Format = Annotated[str, typer.Option("--format", "-f", help="text or json.")]

letters_app = typer.Typer(
    help="BIS letters to your company (is-informed letters; the `basis` a letter names is one of "
    f"{', '.join(letter_bases())}): recorded once, audited, applied by later determinations.",
    no_args_is_help=True,
)


def _line(letter: dict[str, Any]) -> str:
    ends = f" until {letter['ends']}" if letter.get("ends") else ""
    revoked = (
        f" [revoked {letter['revoked_at']}: {letter['revoke_reason']}]"
        if letter.get("revoked_at")
        else ""
    )
    return (
        f"{letter['id']}  {letter['reference']}  ({letter['basis']}, from {letter['effective']}"
        f"{ends}): {', '.join(letter['exporters'])} - {', '.join(letter['products'])} -> "
        f"{', '.join(letter['destinations'])}"
        + (" and companies headquartered there" if letter.get("headquarters") else "")
        + revoked
    )


@letters_app.command("add")
@handle_errors
def add(
    file: Annotated[
        str,
        typer.Argument(
            help="YAML/JSON letter: exporters, products, destinations, basis, effective, "
            "reference (and ends, headquarters, text, review_policy); '-' reads stdin."
        ),
    ],
    fmt: Format = "text",
) -> None:
    """Record a letter BIS sent your company."""
    check_format(fmt)
    from chipcontrols.app_services.letters import add_letter

    letter = add_letter(_services(), read_input(file), actor=_actor())
    if fmt == "json":
        print_json(letter)
    else:
        console.print(f"recorded {_line(letter)}", markup=False)


@letters_app.command("list")
@handle_errors
def list_(
    all_: Annotated[bool, typer.Option("--all", help="Include revoked letters.")] = False,
    fmt: Format = "text",
) -> None:
    """The letters later determinations apply (with --all, the revoked ones too)."""
    check_format(fmt)
    from chipcontrols.app_services.letters import list_letters

    data = list_letters(_services(), include_revoked=all_)
    if fmt == "json":
        print_json(data)
        return
    if not data["letters"]:
        console.print("no letters recorded", markup=False)
    for letter in data["letters"]:
        console.print(_line(letter), markup=False)


@letters_app.command("revoke")
@handle_errors
def revoke(
    letter_id: Annotated[str, typer.Argument(help="The letter's id (ltr-...).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (e.g. entered in error).")],
    fmt: Format = "text",
) -> None:
    """Withdraw a letter from later determinations; replays of earlier ones still use it."""
    check_format(fmt)
    from chipcontrols.app_services.letters import revoke_letter

    letter = revoke_letter(_services(), letter_id, reason=reason, actor=_actor())
    if fmt == "json":
        print_json(letter)
    else:
        console.print(f"revoked {_line(letter)}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(letters_app, name="letters")
