"""`chipcontrols assess`: where a deal must be notified, can be called in, or is prohibited."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from chipcontrols.cli.common import (
    check_format,
    console,
    handle_errors,
    parse_date,
    print_json,
    read_input,
)
from chipcontrols.errors import InputError
from chipcontrols.investment import PROCEDURES, InvestmentAssessment, assess
from chipcontrols.investment.result import Verdict

_STYLE = {
    Verdict.MANDATORY: "bold red",
    Verdict.PROHIBITED: "bold magenta",
    Verdict.VOLUNTARY: "yellow",
    Verdict.NOT_REQUIRED: "green",
    Verdict.UNDETERMINED: "cyan",
}


def assess_command(
    deal_file: Annotated[str, typer.Argument(metavar="DEAL", help="Deal YAML/JSON ('-' = stdin).")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default today).")
    ] = None,
    regime: Annotated[
        list[str] | None, typer.Option("--regime", "-r", help="Only these (UK-NSI, DE-AWV...).")
    ] = None,
    fmt_: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show the trace.")] = False,
) -> None:
    """Assess DEAL under each investment-screening regime as of a date."""
    handle_errors(_assess)(deal_file, as_of, regime, fmt_, verbose)


def _assess(
    deal_file: str, as_of: str | None, regime: list[str] | None, fmt_: str, verbose: bool
) -> None:
    check_format(fmt_)
    date = parse_date(as_of)
    only = None
    if regime:
        only = {r.upper() for r in regime}
        unknown = only - set(PROCEDURES)
        if unknown:
            raise InputError(
                f"unknown regime(s) {sorted(unknown)}; use {', '.join(PROCEDURES)}",
                loc="--regime",
            )
    from chipcontrols.app_services.documents import check_deal_file

    raw = check_deal_file(read_input(deal_file, loc="DEAL"), loc="deal")
    result = assess(raw, date, regimes=only)
    if fmt_ == "json":
        print_json(result.to_dict())
    else:
        render(result, verbose=verbose)


def render(result: InvestmentAssessment, *, verbose: bool = False) -> None:
    deal = result.deal
    console.print(
        f"[bold]{deal.name or deal.target.name}[/] as of {result.as_of} "
        f"(rulebook {result.rulebook_version})"
    )
    owner = deal.ultimate_owner
    console.print(
        f"  acquirer {deal.acquirer.name} ({deal.acquirer.country}); ultimate owner "
        f"{owner.name} ({owner.country}); target {deal.target.name} "
        f"({deal.target.country})",
        markup=False,
    )
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("regime", "verdict", "thresholds crossed"):
        table.add_column(col)
    for v in result.verdicts:
        table.add_row(
            v.regime,
            f"[{_STYLE[v.verdict]}]{v.verdict.value}[/]",
            "; ".join(t.name for t in v.thresholds_crossed) or "-",
        )
    console.print(table)
    for v in result.verdicts:
        console.print(
            f"\n[bold]{v.regime}[/] {v.verdict.value}"
            + ("" if v.in_force else " (regime not in force)")
        )
        for reason in v.reasons:
            cite = f" [{reason.citation}]" if reason.citation else ""
            console.print(f"  - {reason.text}{cite}", markup=False)
        if v.standstill:
            console.print(
                f"  standstill: {v.standstill.text} [{v.standstill.citation}]", markup=False
            )
        for period in v.review_periods:
            console.print(
                f"  period: {period.name}: {period.length} [{period.citation}]", markup=False
            )
        for question in v.questions:
            console.print(f"  ? {question.field}: {question.text}", markup=False)
        if verbose:
            for step in v.trace:
                console.print(
                    f"    {step.step}: {step.outcome.value} ({step.detail})", markup=False
                )


def register(app: typer.Typer) -> None:
    app.command("assess")(assess_command)
