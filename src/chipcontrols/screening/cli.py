"""Screening commands: `lists import|list|show|diff|activate`, `screen`, `judge`, `rescreen`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chipcontrols.cli.common import check_format, console, handle_errors, parse_date, print_json
from chipcontrols.errors import InputError

if TYPE_CHECKING:
    from chipcontrols.screening.lists.snapshots import SnapshotStore
    from chipcontrols.screening.service import Party, ScreeningService

# The matcher, its name tables and the list readers load on first use, not with every command.


def _store() -> SnapshotStore:
    from chipcontrols.screening.lists.snapshots import SnapshotStore

    return SnapshotStore()


def _service() -> ScreeningService:
    from chipcontrols.screening.service import ScreeningService

    return ScreeningService()


lists_app = typer.Typer(help="Restricted-party list snapshots.", no_args_is_help=True)
judgements_app = typer.Typer(help="Analysts' decisions on screening hits.", no_args_is_help=True)

Fmt = Annotated[str, typer.Option("--format", "-f", help="text or json.")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default today).")]


def _as_of(raw: str | None) -> dt.date | None:
    return parse_date(raw) if raw is not None else None


# ------------------------------------------------------------------ lists


@lists_app.command("import")
def import_command(
    file: Annotated[
        Path, typer.Argument(help="List file (CSL CSV/JSON, sdn.csv, DPL, FtM, Entity List).")
    ],
    fmt_in: Annotated[
        str,
        typer.Option(
            "--input-format", help="auto, csl_csv, csl_json, ofac_sdn, bis_dpl, ftm, entity_list."
        ),
    ] = "auto",
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="Dataset name (default from the format).")
    ] = None,
    as_of: AsOf = None,
    activate: Annotated[
        bool, typer.Option("--activate/--no-activate", help="Make it the active snapshot.")
    ] = True,
    fmt_: Fmt = "text",
) -> None:
    """Import a list file as a new immutable snapshot; the active one changes only on success."""

    def run() -> None:
        check_format(fmt_)
        snap = _store().import_file(
            file, fmt=fmt_in, dataset=dataset, as_of=_as_of(as_of), activate=activate
        )
        info = snap.info()
        if fmt_ == "json":
            print_json(info)
        else:
            console.print(
                f"{snap.id}  {snap.dataset}  as of {snap.as_of}  {len(snap.entries)} entries"
                f"{'  (active)' if activate else ''}",
                markup=False,
            )
            for w in snap.source.get("warnings") or []:
                console.print(f"  warning: {w}", markup=False)

    handle_errors(run)()


@lists_app.command("list")
def list_command(fmt_: Fmt = "text") -> None:
    """Snapshots on this machine (the bundled one included), active ones marked."""

    def run() -> None:
        check_format(fmt_)
        rows = _store().list()
        if fmt_ == "json":
            print_json({"snapshots": rows})
            return
        for r in rows:
            if "error" in r:
                console.print(f"  {r['id']}  DAMAGED: {r['error']}", markup=False)
                continue
            mark = "*" if r["active"] else " "
            lists = ", ".join(f"{k} {v}" for k, v in r["lists"].items())
            extra = "  bundled" if r.get("bundled") else ""
            console.print(
                f"{mark} {r['id']}  {r['dataset']}  as of {r['as_of']}  {r['entries']} entries "
                f"({lists}){extra}",
                markup=False,
            )

    handle_errors(run)()


@lists_app.command("show")
def show_command(
    snapshot: Annotated[
        str, typer.Argument(help="Snapshot id (or prefix), dataset name, or 'bundled'.")
    ],
    entry: Annotated[str | None, typer.Option("--entry", help="Show one entry by id.")] = None,
    fmt_: Fmt = "text",
) -> None:
    """A snapshot's provenance and entries, or one entry."""

    def run() -> None:
        check_format(fmt_)
        snap = _store().load(snapshot)
        if entry is not None:
            e = snap.get(entry)
            if e is None:
                from chipcontrols.errors import NotFoundError

                raise NotFoundError(f"no entry {entry!r} in {snap.id}", loc="--entry")
            data: dict[str, Any] = {
                "snapshot": snap.id,
                "entry": e.to_dict(),
                "content_hash": e.content_hash(),
            }
        else:
            data = snap.info()
            data["entries"] = [{"id": e.id, "list": e.list, "name": e.name} for e in snap.entries]
        if fmt_ == "json":
            print_json(data)
            return
        if entry is not None:
            for k, v in data["entry"].items():
                if v not in (None, [], {}, ""):
                    console.print(f"{k}: {v}", markup=False)
            return
        console.print(f"{snap.id}  {snap.dataset}  as of {snap.as_of}", markup=False)
        for k, v in snap.source.items():
            console.print(f"  {k}: {v}", markup=False)
        for e in snap.entries:
            console.print(f"  {e.id}  [{e.list}] {e.name}", markup=False)

    handle_errors(run)()


@lists_app.command("diff")
def diff_command(
    old: Annotated[str, typer.Argument(help="Older snapshot.")],
    new: Annotated[str, typer.Argument(help="Newer snapshot.")],
    fmt_: Fmt = "text",
) -> None:
    """Entries added, removed and changed between two snapshots."""

    def run() -> None:
        check_format(fmt_)
        store = _store()
        from chipcontrols.screening.lists.snapshots import diff_snapshots

        d = diff_snapshots(store.load(old), store.load(new))
        if fmt_ == "json":
            print_json(d.to_dict())
            return
        console.print(
            f"{d.old} -> {d.new}: {len(d.added)} added, {len(d.removed)} removed, "
            f"{len(d.changed)} changed",
            markup=False,
        )
        for e in d.added:
            console.print(f"  + {e.id}  {e.name}", markup=False)
        for e in d.removed:
            console.print(f"  - {e.id}  {e.name}", markup=False)
        for c in d.changed:
            console.print(f"  ~ {c.id}  {c.name}  ({', '.join(c.fields)})", markup=False)

    handle_errors(run)()


@lists_app.command("activate")
def activate_command(
    dataset: Annotated[str, typer.Argument(help="Dataset name.")],
    snapshot: Annotated[str | None, typer.Argument(help="Snapshot id; omit with --off.")] = None,
    off: Annotated[
        bool, typer.Option("--off", help="Stop screening against this dataset.")
    ] = False,
) -> None:
    """Point a dataset at a snapshot (e.g. back to an earlier one), or switch it off."""

    def run() -> None:
        if off == (snapshot is not None):
            raise InputError("give a SNAPSHOT, or --off", loc="SNAPSHOT")
        ids = _store().set_active(dataset, None if off else snapshot)
        for k, v in ids.items():
            console.print(f"{k}: {v}", markup=False)

    handle_errors(run)()


# ------------------------------------------------------------------ screen


def _parties(party: str, country: str | None, address: str | None, file: bool) -> list[Party]:
    from chipcontrols.screening.service import Party, check_country, check_name, read_parties_file

    path = Path(party)
    if file or (
        path.suffix.lower() in (".yaml", ".yml", ".json", ".csv", ".tsv") and path.is_file()
    ):
        if country or address:
            raise InputError("--country and --address go with a NAME, not a file", loc="--country")
        return read_parties_file(party)
    return [
        Party(
            name=check_name(party, loc="NAME"),
            country=check_country(country, loc="--country"),
            address=address,
        )
    ]


def screen_command(
    party: Annotated[
        str,
        typer.Argument(
            metavar="NAME_OR_FILE", help="A party name, or a YAML/JSON/CSV file of parties."
        ),
    ],
    country: Annotated[
        str | None, typer.Option("--country", "-c", help="ISO country code of the party.")
    ] = None,
    address: Annotated[str | None, typer.Option("--address", help="The party's address.")] = None,
    as_of: AsOf = None,
    snapshot: Annotated[
        list[str] | None,
        typer.Option(
            "--snapshot", "-s", help="Screen against these snapshots instead of the active ones."
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="Score from which a hit is a match (default 0.80)."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Hits per party.")] = 10,
    algorithm: Annotated[
        str | None,
        typer.Option("--algorithm", help="Matcher version: name-v3 (default), name-v2 or name-v1."),
    ] = None,
    file: Annotated[bool, typer.Option("--file", help="Read NAME_OR_FILE as a file.")] = False,
    save: Annotated[
        bool, typer.Option("--save", help="Keep the parties for re-screening.")
    ] = False,
    fmt_: Fmt = "text",
) -> None:
    """Screen a party (or a file of parties) against the restricted-party lists."""

    def run() -> None:
        check_format(fmt_)
        from chipcontrols.screening.matcher import THRESHOLD

        parties = _parties(party, country, address, file)
        service = _service()
        if algorithm is not None:
            from chipcontrols.screening.matchers import MATCHERS

            if algorithm not in MATCHERS:
                raise InputError(
                    f"unknown matcher {algorithm!r}; use one of {', '.join(sorted(MATCHERS))}",
                    loc="--algorithm",
                )
            service.algorithm = algorithm
        report = service.screen(
            parties,
            as_of=_as_of(as_of),
            snapshots=snapshot,
            limit=limit,
            threshold=THRESHOLD if threshold is None else threshold,
            save=save,
        )
        if fmt_ == "json":
            print_json(report)
        else:
            render(report)

    handle_errors(run)()


def render(report: dict[str, Any]) -> None:
    snaps = ", ".join(f"{s['id']} ({s['dataset']}, {s['as_of']})" for s in report["list_snapshots"])
    m = report["matcher"]
    console.print(
        f"as of {report['as_of']}; lists {snaps}; "
        f"matcher {m['algorithm']} (match >= {m['threshold']})",
        markup=False,
    )
    for w in report.get("warnings", []):
        console.print(f"  note: {w}", markup=False)
    for r in report["results"]:
        verdict = "MATCH" if r["match"] else ("possible" if r["hits"] else "no hits")
        change = ""
        console.print(
            f"\n{r['query']}  [{r['party'].get('country') or '-'}]  {verdict}", markup=False
        )
        for h in r["hits"]:
            if "change" in h:
                change = f" ({h['change']})"
            flag = "MATCH" if h["match"] else "     "
            e = h["entry"]
            console.print(
                f"  {flag} {h['score']:.2f}  [{h['list']}] {h['name']}  {h['entry_id']}{change}",
                markup=False,
            )
            console.print(f"        {h['explanations']['name']['detail']}", markup=False)
            console.print(
                f"        country: {h['explanations']['country']['detail']}", markup=False
            )
            console.print(
                f"        listing: {h['explanations']['listing']['detail']}", markup=False
            )
            if e.get("licence_requirement"):
                console.print(
                    f"        licence requirement: {e['licence_requirement']}", markup=False
                )
            if e.get("licence_review_policy"):
                console.print(f"        review policy: {e['licence_review_policy']}", markup=False)
            if e.get("footnotes"):
                console.print(
                    f"        footnotes: {', '.join(map(str, e['footnotes']))}", markup=False
                )
            j = h.get("judgement")
            if j:
                state = "" if j["applies"] else " - LAPSED, entry changed"
                console.print(
                    f"        judgement: {j['decision']} by {j['author']}: {j['reason']}{state}",
                    markup=False,
                )
        for x in r.get("excluded", []):
            console.print(f"  not in force: {x['name']} ({x['reason']})", markup=False)
        for rule in r.get("ownership", []):
            console.print(
                f"  ownership {rule['rule_id']}: {rule['status']} "
                f"({rule['owned_percent']:g}% by listed parties, "
                f"threshold {rule['threshold_percent']:g}%)",
                markup=False,
            )
            for step in rule["steps"]:
                console.print(f"        {step}", markup=False)
            for q in rule["questions"]:
                console.print(f"        question: {q}", markup=False)


# ------------------------------------------------------------------ judgements


@judgements_app.command("add")
def judge_command(
    party: Annotated[str, typer.Argument(help="The party's name, as screened.")],
    entry_id: Annotated[str, typer.Argument(help="entry_id of the hit.")],
    decision: Annotated[str, typer.Option("--decision", "-d", help="cleared or confirmed.")],
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why.")],
    author: Annotated[str, typer.Option("--author", "-a", help="Who decided.")],
    country: Annotated[str | None, typer.Option("--country", "-c")] = None,
    party_id: Annotated[
        str | None, typer.Option("--party-id", help="The party's own id, if screened with one.")
    ] = None,
    fmt_: Fmt = "text",
) -> None:
    """Record a decision on a hit; it holds while the listed entry stays the same."""

    def run() -> None:
        from chipcontrols.screening.service import Party, check_country, check_name

        check_format(fmt_)
        p = Party(
            name=check_name(party, loc="PARTY"),
            country=check_country(country, loc="--country"),
            id=party_id,
        )
        j = _service().judge(p, entry_id, decision=decision, reason=reason, author=author)
        if fmt_ == "json":
            print_json(j.to_dict())
        else:
            console.print(
                f"judgement {j.id}: {j.decision} {j.party_name} / {j.entry_name} "
                f"({j.entry_id}, {j.entry_hash})",
                markup=False,
            )

    handle_errors(run)()


@judgements_app.command("list")
def judgements_list_command(
    party: Annotated[str | None, typer.Option("--party", help="Only this party (name).")] = None,
    country: Annotated[str | None, typer.Option("--country", "-c")] = None,
    fmt_: Fmt = "text",
) -> None:
    """Every recorded judgement, oldest first."""

    def run() -> None:
        check_format(fmt_)
        from chipcontrols.screening.judgements import party_key
        from chipcontrols.screening.service import check_country, check_name

        key = (
            party_key(check_name(party, loc="--party"), check_country(country, loc="--country"))
            if party
            else None
        )
        rows = [j.to_dict() for j in _service().repo.history(key)]
        if fmt_ == "json":
            print_json({"judgements": rows})
            return
        for j in rows:
            console.print(
                f"{j['id']}  {j['created_at']}  {j['decision']}  "
                f"{j['party_name']} / {j['entry_name']} "
                f"({j['entry_id']})  by {j['author']}: {j['reason']}",
                markup=False,
            )

    handle_errors(run)()


@judgements_app.command("rescreen")
def rescreen_command(
    as_of: AsOf = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="Screen every party against every entry, not only what changed."
        ),
    ] = False,
    fmt_: Fmt = "text",
) -> None:
    """Screen the kept parties against the active snapshots: only new, changed or removed
    hits. Only what changed in the lists since the last run, unless a full run is needed."""

    def run() -> None:
        check_format(fmt_)
        report = _service().rescreen(as_of=_as_of(as_of), full=full)
        if fmt_ == "json":
            print_json(report)
            return
        info = report["rescreen"]
        console.print(
            f"{report['parties_screened']} parties screened again ({info['mode']}: "
            f"{info['reason']}; {info['fully_screened']} screened in full)",
            markup=False,
        )
        render(report)
        for r in report["removed"]:
            console.print(
                f"{r['party']['name']}: {r['entry_id']} is no longer in force (removed)",
                markup=False,
            )

    handle_errors(run)()


def register(app: typer.Typer) -> None:
    """Mount the screening commands on the main `chipcontrols` command."""
    app.add_typer(lists_app, name="lists")
    app.add_typer(judgements_app, name="judgements")
    app.command("screen")(screen_command)
    app.command("judge")(judge_command)
    app.command("rescreen")(rescreen_command)
