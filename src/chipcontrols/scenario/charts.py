"""Charts: the coalition matrix as a heatmap, and the gaps over time.

Drawn with matplotlib's object API on the Agg (PNG) or SVG backend; nothing global is touched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FixedLocator, MaxNLocator

from chipcontrols.errors import InputError
from chipcontrols.scenario.matrix import (
    CONDITIONS,
    DOMESTIC,
    FREE,
    LICENCE,
    NO_PRODUCT,
    NOT_MODELLED,
    PROHIBITED,
    SUPPLIERS,
    UNDETERMINED,
    CoalitionMatrix,
    Outcome,
    Row,
)
from chipcontrols.scenario.timeline import Timeline

FORMATS = (".png", ".svg")

_STATUS_COLOURS = {
    FREE: "#a6d96a",
    CONDITIONS: "#d9ef8b",
    UNDETERMINED: "#e0e0e0",
    PROHIBITED: "#67001f",
    NOT_MODELLED: "#ffffff",
    NO_PRODUCT: "#f5f5f5",
    DOMESTIC: "#c6dbef",
}
_LICENCE_COLOURS = {
    "denial": "#b2182b",
    "presumption_of_denial": "#d6604d",
    "as_listed": "#e08060",
    "case_by_case": "#f4a582",
    "presumption_of_approval": "#fbd0b9",
    "approval": "#fbd0b9",
    None: "#f4a582",
}
_LEGEND = [
    ("free", _STATUS_COLOURS[FREE], None),
    ("free under a licence exception", _STATUS_COLOURS[CONDITIONS], None),
    ("licence required, presumption of denial", _LICENCE_COLOURS["presumption_of_denial"], None),
    (
        "licence required, case-by-case or policy not stated",
        _LICENCE_COLOURS["case_by_case"],
        None,
    ),
    ("prohibited", _STATUS_COLOURS[PROHIBITED], None),
    ("undetermined", _STATUS_COLOURS[UNDETERMINED], None),
    ("not modelled in the rulebook", _STATUS_COLOURS[NOT_MODELLED], "///"),
    ("no product on the market", _STATUS_COLOURS[NO_PRODUCT], None),
]

_STATE_COLOURS = {
    "supplied_gap": "#d7301f",
    "gap": "#fc8d59",
    "possible_gap": "#fdd49e",
    "blocked": "#4575b4",
    "open": "#a6d96a",
    "undetermined": "#d9d9d9",
    "not_modelled": "#ffffff",
    "no_product": "#f5f5f5",
}
_STATE_LEGEND = [
    ("gap, supplied by a maker where it is free", "supplied_gap"),
    ("gap (free only by resale elsewhere)", "gap"),
    ("possible gap (blocked; elsewhere undetermined)", "possible_gap"),
    ("blocked by every ally that decides", "blocked"),
    ("no ally blocks it", "open"),
    ("undetermined", "undetermined"),
    ("not modelled / no product", "not_modelled"),
]


def _check(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(
            f"a chart is written as PNG or SVG; {path.name!r} has neither suffix", loc="--chart"
        )
    if path.parent and not path.parent.exists():
        raise InputError(f"folder {str(path.parent)!r} does not exist", loc="--chart")
    return suffix[1:]


def cell_colour(outcome: Outcome) -> str:
    if outcome.status == LICENCE:
        return _LICENCE_COLOURS.get(outcome.review_policy, _LICENCE_COLOURS[None])
    return _STATUS_COLOURS.get(outcome.status, "#ffffff")


def _text_colour(fill: str) -> str:
    red, green, blue = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "white" if (0.299 * red + 0.587 * green + 0.114 * blue) < 140 else "#1a1a1a"


def heatmap(matrix: CoalitionMatrix, path: str | Path, *, title: str | None = None) -> Path:
    """Rows = capabilities (grouped), columns = supplier jurisdictions; gaps flagged at right."""
    out = Path(path)
    fmt = _check(out)
    lines: list[str | Row] = []
    group = None
    for row in matrix.rows:
        if row.capability.group != group:
            group = row.capability.group
            lines.append(group)
        lines.append(row)
    ncols = len(matrix.suppliers)
    cell_w, cell_h = 1.55, 0.42
    label_w, flag_w = 3.3, 1.5
    top, bottom = 1.25, 1.45
    width = label_w + ncols * cell_w + flag_w + 0.3
    height = top + len(lines) * cell_h + bottom
    fig = Figure(figsize=(width, height), dpi=150)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    heading = title or (
        f"Coalition matrix: destination {matrix.destination}, as of {matrix.as_of.isoformat()}"
    )
    ax.text(0.2, 0.38, heading, fontsize=12.5, fontweight="bold", va="center")
    sub = f"rulebook {matrix.rulebook_version}; end use: {', '.join(matrix.end_uses)}"
    if matrix.scenario:
        sub += f"; scenario: {matrix.scenario}"
    ax.text(0.2, 0.7, sub, fontsize=8.5, color="#444444", va="center")
    for j, code in enumerate(matrix.suppliers):
        x = label_w + j * cell_w + cell_w / 2
        ax.text(x, top - 0.28, code, ha="center", va="center", fontsize=10.5, fontweight="bold")
        ax.text(
            x,
            top - 0.08,
            SUPPLIERS[code].name,
            ha="center",
            va="center",
            fontsize=6.5,
            color="#555555",
        )
    ax.text(
        label_w + ncols * cell_w + flag_w / 2,
        top - 0.18,
        "gap",
        ha="center",
        va="center",
        fontsize=10,
        fontweight="bold",
    )
    y = top
    for line in lines:
        if isinstance(line, str):
            ax.text(
                0.2,
                y + cell_h * 0.62,
                line,
                fontsize=9.5,
                fontweight="bold",
                color="#333333",
                va="center",
            )
            ax.plot([0.2, width - 0.2], [y + cell_h - 0.02] * 2, color="#999999", lw=0.6)
            y += cell_h
            continue
        row = line
        ax.text(0.35, y + cell_h / 2, row.capability.name, fontsize=8.6, va="center")
        for j, code in enumerate(matrix.suppliers):
            cell = row.cells[code]
            fill = cell_colour(cell.outcome)
            x0 = label_w + j * cell_w
            ax.add_patch(
                Rectangle(
                    (x0 + 0.03, y + 0.03),
                    cell_w - 0.06,
                    cell_h - 0.06,
                    facecolor=fill,
                    edgecolor="#bdbdbd",
                    linewidth=0.5,
                    hatch="///" if cell.status == NOT_MODELLED else None,
                )
            )
            text = cell.outcome.label()
            if cell.us_reach is not None and cell.status in (FREE, CONDITIONS):
                if cell.us_reach.status in (LICENCE, PROHIBITED):
                    text += " *"
                elif cell.us_reach.status == UNDETERMINED:
                    text += " ?"
            if cell.status != NOT_MODELLED:
                ax.text(
                    x0 + cell_w / 2,
                    y + cell_h / 2,
                    text,
                    ha="center",
                    va="center",
                    fontsize=7.6,
                    color=_text_colour(fill),
                )
        flag, colour = "", "#333333"
        if row.reach_closes_gap:
            flag, colour = "gap (US reach *)", "#777777"
        elif row.supplied_gap:
            flag, colour = "GAP (supplied)", "#b2182b"
        elif row.gap:
            flag, colour = "gap (resale)", "#d6604d"
        elif row.possible_gap:
            flag, colour = "possible", "#b35806"
        if flag:
            ax.text(
                label_w + ncols * cell_w + flag_w / 2,
                y + cell_h / 2,
                flag,
                ha="center",
                va="center",
                fontsize=8,
                fontweight="bold",
                color=colour,
            )
        y += cell_h
    handles = [
        Patch(facecolor=colour, edgecolor="#999999", hatch=hatch, label=name)
        for name, colour, hatch in _LEGEND
    ]
    fig.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.01, 0.005),
        ncol=2,
        fontsize=7.4,
        frameon=False,
    )
    ax.text(
        0.2,
        y + 0.22,
        "*  free under this law, but the US reach (EAR re-export rules) requires a licence\n"
        "?  US reach undetermined (foreign-made: de minimis / direct-product facts not given)",
        ha="left",
        va="top",
        fontsize=7,
        color="#555555",
        linespacing=1.5,
    )
    fig.savefig(out, format=fmt)
    return out


def _x(day: dt.date) -> float:
    """Days since 1 Jan 1970: the x coordinate of a date."""
    return float((day - dt.date(1970, 1, 1)).days)


def _quarters(start: dt.date, end: dt.date) -> list[dt.date]:
    """Tick dates: each quarter, or each year over a range of more than four years (a range from
    2019 on would crowd the axis with quarterly labels)."""
    step = 3 if (end - start).days <= 4 * 366 else 12
    out: list[dt.date] = []
    year, month = start.year, ((start.month - 1) // step) * step + 1
    while True:
        day = dt.date(year, month, 1)
        if day > end:
            return out
        if day >= start:
            out.append(day)
        month += step
        if month > 12:
            month, year = month - 12, year + 1


def _clusters(days: Sequence[dt.date], within: int = 10) -> list[list[dt.date]]:
    """Days closer than `within` days share one label."""
    out: list[list[dt.date]] = []
    for day in days:
        if out and (day - out[-1][-1]).days <= within:
            out[-1].append(day)
        else:
            out.append([day])
    return out


def _state_key(state: str, supplied: bool) -> str:
    if state == "gap" and supplied:
        return "supplied_gap"
    if state in ("no_product",):
        return "no_product"
    return state


def timeline_chart(
    timeline: Timeline,
    path: str | Path,
    *,
    capabilities: Sequence[str] | None = None,
    title: str | None = None,
) -> Path:
    """One bar per capability across the range, coloured by the coalition's state; law
    changes that moved a bar marked on top; the number of gaps below."""
    out = Path(path)
    fmt = _check(out)
    caps = [(c, n) for c, n in timeline.capabilities if capabilities is None or c in capabilities]
    if not caps:
        raise InputError("no capability to draw", loc="--capability")
    start, end = timeline.start, timeline.end
    height = 4.4 + 0.36 * len(caps)
    fig = Figure(figsize=(13.5, height), dpi=150)
    grid = fig.add_gridspec(2, 1, height_ratios=(max(3.0, 0.36 * len(caps)), 1.4), hspace=0.08)
    ax = fig.add_subplot(grid[0])
    counts = fig.add_subplot(grid[1], sharex=ax)
    boundaries: set[dt.date] = set()
    for i, (cap, _) in enumerate(caps):
        for period in timeline.periods[cap]:
            a = period.start
            b = period.end or end
            if b <= a:
                b = a + dt.timedelta(days=1)
            if period.start > start:
                boundaries.add(period.start)
            key = _state_key(period.state, bool(period.supplied_from))
            ax.barh(
                i,
                _x(b) - _x(a),
                left=_x(a),
                height=0.72,
                color=_STATE_COLOURS.get(key, "#ffffff"),
                edgecolor="#bdbdbd" if key in ("not_modelled", "no_product") else "none",
                hatch="///" if key == "not_modelled" else None,
                linewidth=0.4,
            )
    ax.set_yticks(range(len(caps)))
    ax.set_yticklabels([name for _, name in caps], fontsize=8.5)
    ax.set_ylim(len(caps) - 0.5, -0.5)
    ax.set_xlim(_x(start), _x(end))
    labels = {c["date"]: c["changes"] for c in timeline.changes}
    for cluster in _clusters(sorted(boundaries)):
        for day in cluster:
            x = _x(day)
            ax.axvline(x, color="#555555", lw=0.6, ls="--", zorder=0)
            counts.axvline(x, color="#555555", lw=0.6, ls="--", zorder=0)
        juris = sorted(
            {c["jurisdiction"] for day in cluster for c in labels.get(day.isoformat(), [])}
        )
        first, last = cluster[0], cluster[-1]
        when = (
            first.strftime("%d %b %Y")
            if first == last
            else f"{first.strftime('%d')}-{last.strftime('%d %b %Y')}"
            if (first.year, first.month) == (last.year, last.month)
            else f"{first.strftime('%d %b')}-{last.strftime('%d %b %Y')}"
        )
        text = f"{when}  {'/'.join(juris)}" if juris else f"{when}  (product released)"
        ax.text(
            _x(first),
            -0.7,
            text,
            rotation=50,
            ha="left",
            va="bottom",
            fontsize=7.4,
            color="#333333",
        )
    ax.tick_params(axis="x", labelbottom=False)
    ax.grid(axis="x", color="#eeeeee", lw=0.5)
    heading = title or (
        f"Coalition gaps over time: destination {timeline.destination} "
        f"({', '.join(timeline.suppliers)}), {start.isoformat()} to {end.isoformat()}"
    )
    fig.suptitle(heading, fontsize=12, fontweight="bold", y=0.995)
    # gap counts per evaluated day, as steps
    days = [*timeline.evaluated, end]
    gaps = [sum(1 for c, _ in caps if timeline.state_on(c, d).state == "gap") for d in days]
    supplied = [sum(1 for c, _ in caps if timeline.state_on(c, d).supplied_from) for d in days]
    xs = [_x(d) for d in days]
    counts.step(xs, gaps, where="post", color=_STATE_COLOURS["gap"], lw=1.6, label="gaps")
    counts.step(
        xs,
        supplied,
        where="post",
        color=_STATE_COLOURS["supplied_gap"],
        lw=1.6,
        label="supplied gaps",
    )
    counts.set_ylabel("capabilities", fontsize=8)
    counts.set_ylim(-0.2, max([*gaps, 1]) + 0.8)
    counts.yaxis.set_major_locator(MaxNLocator(integer=True))
    counts.legend(loc="upper left", fontsize=7.5, frameon=False)
    ticks = _quarters(start, end)
    counts.xaxis.set_major_locator(FixedLocator([_x(d) for d in ticks]))
    counts.set_xticklabels([d.strftime("%b %Y") for d in ticks])
    counts.tick_params(axis="x", labelsize=7.5, rotation=0)
    counts.tick_params(axis="y", labelsize=7.5)
    counts.grid(axis="x", color="#eeeeee", lw=0.5)
    handles = [
        Patch(
            facecolor=_STATE_COLOURS[key],
            edgecolor="#999999",
            hatch="///" if key == "not_modelled" else None,
            label=name,
        )
        for name, key in _STATE_LEGEND
    ]
    fig.legend(
        handles=handles,
        loc="lower center",
        ncol=4,
        fontsize=7.5,
        frameon=False,
        bbox_to_anchor=(0.5, 0.0),
    )
    # Fixed room in inches for the rotated change labels above and the ticks and legend below, so
    # a chart of one or two capabilities keeps them apart.
    fig.subplots_adjust(left=0.2, right=0.985, top=1 - 1.3 / height, bottom=0.85 / height)
    fig.savefig(out, format=fmt)
    return out
