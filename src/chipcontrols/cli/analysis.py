"""`chipcontrols coalition | timeline | scenario`: which capabilities a destination can still buy,
from whom, on any date, and what a proposed rule would change."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from chipcontrols.cli.common import check_format, console, handle_errors, parse_date, print_json
from chipcontrols.scenario.assumptions import Assumptions, load_assumptions
from chipcontrols.scenario.coalition import Analyst
from chipcontrols.scenario.matrix import (
    BLOCKED,
    CONDITIONS,
    FREE,
    LICENCE,
    METHOD,
    NOT_MODELLED,
    PROHIBITED,
    SUPPLIERS,
    UNDETERMINED,
    CoalitionMatrix,
    parse_end_uses,
    parse_suppliers,
)
from chipcontrols.scenario.overlay import Scenario, load_scenario
from chipcontrols.scenario.timeline import STEPS, TIMELINE_START, Timeline, timeline
from chipcontrols.scenario.whatif import (
    StoredDetermination,
    WhatIf,
    load_determinations,
    what_if,
)

_STYLE = {
    FREE: "green",
    CONDITIONS: "cyan",
    LICENCE: "bold red",
    PROHIBITED: "bold red",
    UNDETERMINED: "yellow",
    NOT_MODELLED: "dim",
}
_STATE_STYLE = {
    "gap": "bold red",
    "possible_gap": "yellow",
    "blocked": "blue",
    "open": "green",
    "undetermined": "yellow",
}

DestinationOpt = Annotated[
    str, typer.Option("--destination", "-d", help="Destination country (ISO code, e.g. CN).")
]
SuppliersOpt = Annotated[
    str | None,
    typer.Option(
        "--suppliers",
        "-s",
        help=f"Supplier jurisdictions, comma-separated, from {','.join(SUPPLIERS)} (default: all).",
    ),
]
CapabilityOpt = Annotated[
    list[str] | None,
    typer.Option("--capability", "-c", help="Only these capabilities (ids; repeatable)."),
]
EndUseOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--end-use",
        help="Stated end use of the synthetic buyer (repeatable; default none_of_these).",
    ),
]
AssumeOpt = Annotated[
    str | None,
    typer.Option(
        "--assume",
        help="YAML file of facts for the US reach over foreign-made products "
        "(us_content_pct, us_direct_product, contains_us_ic, made_in), each with its source.",
    ),
]
ScenarioOpt = Annotated[
    str | None, typer.Option("--scenario", help="Evaluate under a what-if scenario file.")
]
ChartOpt = Annotated[
    str | None, typer.Option("--chart", help="Write the chart to FILE.png or FILE.svg.")
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="text or json.")]


def _load_scenario(path: str) -> Scenario:
    """A scenario file: its types checked by the scenario document model, then parsed."""
    from chipcontrols.app_services.documents import check_scenario_file

    return load_scenario(path, check=check_scenario_file)


def _setup(
    assume: str | None, scenario: str | None, end_use: list[str] | None
) -> tuple[Analyst, Scenario | None]:
    end_uses = parse_end_uses(end_use)
    loaded = _load_scenario(scenario) if scenario else None
    assumptions = load_assumptions(assume) if assume else None
    analyst = Analyst(
        loaded.rulebook if loaded else None,
        assumptions=assumptions,
        end_uses=end_uses,
        scenario=loaded.name if loaded else None,
    )
    return analyst, loaded


# ------------------------------------------------------------------------------ coalition


def coalition_command(
    destination: DestinationOpt,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default today).")
    ] = None,
    suppliers: SuppliersOpt = None,
    capability: CapabilityOpt = None,
    end_use: EndUseOpt = None,
    assume: AssumeOpt = None,
    scenario: ScenarioOpt = None,
    chart: ChartOpt = None,
    detail: Annotated[
        bool, typer.Option("--detail", help="List each cell's products and the US reach.")
    ] = False,
    fmt_: FormatOpt = "text",
) -> None:
    """For each capability, each supplier jurisdiction's status for DESTINATION, and the gaps."""
    handle_errors(_coalition)(
        destination, as_of, suppliers, capability, end_use, assume, scenario, chart, detail, fmt_
    )


def _coalition(
    destination: str,
    as_of: str | None,
    suppliers: str | None,
    capability: list[str] | None,
    end_use: list[str] | None,
    assume: str | None,
    scenario: str | None,
    chart: str | None,
    detail: bool,
    fmt_: str,
) -> None:
    check_format(fmt_)
    day = parse_date(as_of)
    codes = parse_suppliers(suppliers)
    analyst, _ = _setup(assume, scenario, end_use)
    matrix = analyst.matrix(destination, day, suppliers=codes, capabilities=capability)
    if chart:
        from chipcontrols.scenario.charts import heatmap  # matplotlib only when a chart is asked

        heatmap(matrix, chart)
    if fmt_ == "json":
        out = matrix.to_dict()
        out["chart"] = chart
        print_json(out)
        return
    render_matrix(matrix, detail=detail)
    if chart:
        console.print(f"\nheatmap written to {chart}", markup=False)


def _cell_text(status: str, label: str, reach: str | None) -> str:
    style = _STYLE.get(status, "")
    mark = ""
    if reach in BLOCKED and status in (FREE, CONDITIONS):
        mark = " *"
    elif reach == UNDETERMINED and status in (FREE, CONDITIONS):
        mark = " ?"
    return f"[{style}]{label}[/]{mark}" if style else f"{label}{mark}"


def render_matrix(matrix: CoalitionMatrix, *, detail: bool = False) -> None:
    heading = (
        f"[bold]Coalition matrix[/]: destination {matrix.destination}, as of {matrix.as_of} "
        f"(rulebook {matrix.rulebook_version}; end use {', '.join(matrix.end_uses)})"
    )
    if matrix.scenario:
        heading += f" [bold]scenario: {matrix.scenario}[/]"
    console.print(heading)
    table = Table(show_lines=False, header_style="bold")
    table.add_column("capability", min_width=18)
    for code in matrix.suppliers:
        table.add_column(code, no_wrap=True)
    table.add_column("gap", no_wrap=True)
    table.add_column("made in", no_wrap=True)
    group = None
    for row in matrix.rows:
        if row.capability.group != group:
            group = row.capability.group
            table.add_row(f"[bold]{group}[/]", *[""] * (len(matrix.suppliers) + 2))
        cells = []
        for code in matrix.suppliers:
            cell = row.cells[code]
            reach = cell.us_reach.status if cell.us_reach else None
            cells.append(_cell_text(cell.status, cell.outcome.label(), reach))
        flag = ""
        if row.reach_closes_gap:
            flag = "[dim]gap (US reach *)[/]"
        elif row.supplied_gap:
            flag = f"[bold red]GAP[/] from {', '.join(row.supplied_from)}"
        elif row.gap:
            flag = "[red]gap[/] (resale)"
        elif row.possible_gap:
            flag = "[yellow]possible[/]"
        makers = ",".join(sorted({str(m["country"]) for m in row.makers if m["country"]}))
        table.add_row(f"  {row.capability.name}", *cells, flag, makers)
    console.print(table)
    console.print(
        "* free under that jurisdiction's law, but the US reach requires a licence; "
        "? US reach undetermined (foreign-made: de minimis / direct-product facts not given)",
        style="dim",
        markup=False,
    )
    gaps = matrix.gaps
    if gaps:
        console.print("\n[bold]Gaps[/] (blocked by one supplier jurisdiction, free from another)")
    for row in gaps:
        opens = []
        for code in row.open_in:
            cell = row.cells[code]
            reach = f"; US reach: {cell.us_reach.label()}" if cell.us_reach else ""
            opens.append(f"{code} ({', '.join(cell.best)}{reach})")
        console.print(
            f"  {row.capability.name}: blocked in {', '.join(row.blocked_in)}; free in "
            + "; ".join(opens)
            + (f" - supplied from {', '.join(row.supplied_from)}" if row.supplied_from else ""),
            markup=False,
        )
    if detail:
        console.print("\n[bold]Cells[/]")
        for row in matrix.rows:
            console.print(f"  [bold]{row.capability.name}[/]")
            for code, cell in row.cells.items():
                console.print(f"    {code}: {cell.outcome.label()}", markup=False)
                for product in cell.products:
                    reach = (
                        f" | US reach: {product.outcome.us_reach.label()}"
                        if product.outcome.us_reach
                        else ""
                    )
                    console.print(
                        f"      {product.name}: {product.outcome.own.label()}{reach}", markup=False
                    )
                    for note in product.outcome.own.notes:
                        console.print(f"        note: {note}", style="dim", markup=False)
                    if product.outcome.own.questions:
                        console.print(
                            f"        open facts: {', '.join(product.outcome.own.questions)}",
                            style="dim",
                            markup=False,
                        )
    console.print(f"\nmethod: {METHOD}", style="dim", markup=False)


# ------------------------------------------------------------------------------ timeline


def timeline_command(
    destination: DestinationOpt,
    from_: Annotated[
        str | None, typer.Option("--from", help=f"First date (default {TIMELINE_START}).")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last date (default today).")] = None,
    step: Annotated[
        str, typer.Option("--step", help=f"Sample step: {', '.join(STEPS)} (default month).")
    ] = "month",
    suppliers: SuppliersOpt = None,
    capability: CapabilityOpt = None,
    end_use: EndUseOpt = None,
    assume: AssumeOpt = None,
    scenario: ScenarioOpt = None,
    chart: ChartOpt = None,
    fmt_: FormatOpt = "text",
) -> None:
    """The coalition matrix over a date range: when each gap opened and closed."""
    handle_errors(_timeline)(
        destination, from_, to, step, suppliers, capability, end_use, assume, scenario, chart, fmt_
    )


def _timeline(
    destination: str,
    from_: str | None,
    to: str | None,
    step: str,
    suppliers: str | None,
    capability: list[str] | None,
    end_use: list[str] | None,
    assume: str | None,
    scenario: str | None,
    chart: str | None,
    fmt_: str,
) -> None:
    check_format(fmt_)
    start = parse_date(from_, loc="--from") if from_ else TIMELINE_START
    end = parse_date(to, loc="--to")
    codes = parse_suppliers(suppliers)
    analyst, _ = _setup(assume, scenario, end_use)
    result = timeline(
        analyst, destination, start, end, suppliers=codes, capabilities=capability, step=step
    )
    if chart:
        from chipcontrols.scenario.charts import timeline_chart

        timeline_chart(result, chart)
    if fmt_ == "json":
        out = result.to_dict()
        out["chart"] = chart
        print_json(out)
        return
    render_timeline(result)
    if chart:
        console.print(f"\ntimeline chart written to {chart}", markup=False)


def render_timeline(result: Timeline) -> None:
    console.print(
        f"[bold]Coalition timeline[/]: destination {result.destination}, {result.start} to "
        f"{result.end} ({', '.join(result.suppliers)}; rulebook {result.rulebook_version})"
        + (f" [bold]scenario: {result.scenario}[/]" if result.scenario else "")
    )
    spans = result.gaps()
    if not spans:
        console.print("No gap in the range.")
    for span in spans:
        closed = span.closed.isoformat() if span.closed else "still open"
        opened = (
            f"{span.opened} (open at the start)" if span.open_before_range else str(span.opened)
        )
        name = dict(result.capabilities)[span.capability]
        console.print(
            f"\n[bold]{name}[/]: gap from {opened} to {closed}"
            + (" [red](supplied)[/]" if span.supplied else " (resale only)")
        )
        for period in span.periods:
            until = period.end.isoformat() if period.end else "now"
            console.print(
                f"  {period.start} - {until}: blocked in {', '.join(period.blocked_in)}; free in "
                f"{', '.join(period.open_in)}"
                + (
                    f"; made where free: {', '.join(period.supplied_from)}"
                    if period.supplied_from
                    else ""
                ),
                markup=False,
            )
    table = Table(title="States by sample date", header_style="bold")
    table.add_column("capability")
    samples = result.samples()
    shown = samples if len(samples) <= 12 else samples[:: max(1, len(samples) // 12)]
    for day in shown:
        table.add_column(day.strftime("%Y-%m"))
    for cap, name in result.capabilities:
        cells = []
        for day in shown:
            state = result.state_on(cap, day).state
            style = _STATE_STYLE.get(state, "dim")
            cells.append(f"[{style}]{state.replace('_', ' ')}[/]")
        table.add_row(name, *cells)
    console.print()
    console.print(table)
    console.print("\n[bold]Law changes in the range[/]")
    for change in result.changes:
        what = "; ".join(
            f"{c['jurisdiction']} {c['instrument']} ({c['entries']})" for c in change["changes"]
        )
        console.print(f"  {change['date']}: {what}", markup=False)


# ------------------------------------------------------------------------------ scenario


def scenario_command(
    scenario_file: Annotated[
        str, typer.Argument(metavar="SCENARIO", help="Scenario YAML/JSON file.")
    ],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default today).")
    ] = None,
    destination: Annotated[
        str, typer.Option("--destination", "-d", help="Destination country (default CN).")
    ] = "CN",
    suppliers: SuppliersOpt = None,
    end_use: EndUseOpt = None,
    assume: AssumeOpt = None,
    determinations: Annotated[
        str | None,
        typer.Option(
            "--determinations",
            help="YAML/JSON file of past determinations (each with as_of and inputs) to re-run.",
        ),
    ] = None,
    stored: Annotated[
        bool,
        typer.Option("--stored", help="Also re-run the determinations stored in the database."),
    ] = False,
    no_screen: Annotated[
        bool, typer.Option("--no-screen", help="Re-run determinations without party screening.")
    ] = False,
    chart: ChartOpt = None,
    fmt_: FormatOpt = "text",
) -> None:
    """What SCENARIO would change: law in force, product statuses, gaps, past determinations."""
    handle_errors(_scenario)(
        scenario_file,
        as_of,
        destination,
        suppliers,
        end_use,
        assume,
        determinations,
        stored,
        no_screen,
        chart,
        fmt_,
    )


def _scenario(
    scenario_file: str,
    as_of: str | None,
    destination: str,
    suppliers: str | None,
    end_use: list[str] | None,
    assume: str | None,
    determinations: str | None,
    stored: bool,
    no_screen: bool,
    chart: str | None,
    fmt_: str,
) -> None:
    check_format(fmt_)
    day = parse_date(as_of)
    codes = parse_suppliers(suppliers)
    end_uses = parse_end_uses(end_use)
    scenario = _load_scenario(scenario_file)
    assumptions: Assumptions | None = load_assumptions(assume) if assume else None
    records: list[StoredDetermination] = []
    if determinations:
        records.extend(load_determinations(determinations))
    if stored:
        from chipcontrols.app_services.stored import stored_determinations  # loads the database

        records.extend(stored_determinations())
    report = what_if(
        scenario,
        day,
        destination=destination,
        suppliers=codes,
        end_uses=end_uses,
        assumptions=assumptions,
        determinations=records,
        screen=not no_screen,
    )
    if chart:
        from chipcontrols.scenario.charts import heatmap

        heatmap(
            report.scenario_matrix,
            chart,
            title=f"Scenario '{scenario.name}': destination {report.destination}, as of {day}",
        )
    if fmt_ == "json":
        out = report.to_dict()
        out["chart"] = chart
        print_json(out)
        return
    render_what_if(report)
    if chart:
        console.print(f"\nheatmap (under the scenario) written to {chart}", markup=False)


def _label(outcome: dict[str, Any] | None) -> str:
    if outcome is None:
        return "-"
    text = str(outcome.get("verdict"))
    if outcome.get("review_policy"):
        text += f" ({outcome['review_policy']})"
    if outcome.get("licence_exceptions"):
        text += f" [{', '.join(outcome['licence_exceptions'])}]"
    return text


def render_what_if(report: WhatIf) -> None:
    scenario = report.scenario
    console.print(
        f"[bold]Scenario[/]: {scenario.name} - as of {report.as_of}, destination "
        f"{report.destination} (rulebook {scenario.base.version} -> {scenario.rulebook.version})"
    )
    if scenario.description:
        console.print(f"  {scenario.description}", markup=False)
    console.print("\n[bold]Law in force that differs[/]")
    if not report.law_changes:
        console.print("  none on this date (the scenario's changes take effect on other dates)")
    for change in report.law_changes:
        console.print(
            f"  {change['jurisdiction']} {change['entry']} ({change['id']}): {change['change']}",
            markup=False,
        )
    console.print(
        f"\n[bold]Catalog products whose status changes[/] ({len(report.product_changes)})"
    )
    if report.product_changes:
        table = Table(header_style="bold")
        for col in ("product", "jurisdiction", "now", "under the scenario"):
            table.add_column(col)
        for change in report.product_changes:
            base, scen = change["base"], change["scenario"]
            table.add_row(
                change["product"],
                change["jurisdiction"],
                base["label"] + (f" / US reach {base['us_reach']}" if base.get("us_reach") else ""),
                scen["label"] + (f" / US reach {scen['us_reach']}" if scen.get("us_reach") else ""),
            )
        console.print(table)
    for kind, title in (
        ("opened", "Gaps opened"),
        ("closed", "Gaps closed"),
        ("changed", "Cells changed"),
    ):
        entries = report.gap_changes[kind]
        console.print(f"\n[bold]{title}[/] ({len(entries)})")
        for entry in entries:
            moved = [
                f"{code} {entry['base']['cells'][code]} -> {entry['scenario']['cells'][code]}"
                for code in entry["scenario"]["cells"]
                if entry["base"]["cells"][code] != entry["scenario"]["cells"][code]
            ]
            console.print(
                f"  {entry['name']}: {'; '.join(moved) or 'supplier changed'}", markup=False
            )
    checked = len(report.determinations) + len(report.determination_errors)
    if checked:
        changed = report.changed_determinations
        console.print(
            f"\n[bold]Past determinations[/]: {checked} re-run, {len(changed)} would come out "
            "differently"
        )
        for record in changed:
            for v in record["verdicts"]:
                console.print(
                    f"  {record['id']} ({record['as_of']}) {v['jurisdiction']}: "
                    f"{_label(v['base'])} -> {_label(v['scenario'])}",
                    markup=False,
                )
        for error in report.determination_errors:
            console.print(
                f"  {error['id']}: cannot be re-run: error[{error['code']}] {error['message']}",
                style="yellow",
                markup=False,
            )


def register(app: typer.Typer) -> None:
    app.command("coalition")(coalition_command)
    app.command("timeline")(timeline_command)
    app.command("scenario")(scenario_command)
