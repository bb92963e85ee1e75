"""Service commands: `serve`, `audit`, `replay`, `batch`, `users`, `keys`, `db`."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated, Any

import typer

from chipcontrols.cli.common import check_format, console, err_console, handle_errors, print_json

Format = Annotated[str, typer.Option("--format", "-f", help="text or json.")]


def _services(*, migrate: bool = True) -> Any:
    from chipcontrols.app_services import Services

    svc = Services()
    if migrate:
        svc.start(create_admin=False)
    return svc


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes (default 1; several share the database and its audit "
            "chain, see docs/service.md).",
        ),
    ] = 1,
) -> None:
    """Start the web UI and the REST API (on the first start, print the admin API key)."""
    handle_errors(_serve)(host, port, workers)


def _serve(host: str | None, port: int | None, workers: int = 1) -> None:
    import uvicorn

    from chipcontrols.api.app import create_app
    from chipcontrols.app_services import Services

    svc = Services()
    host = host or svc.settings.host
    port = svc.settings.port if port is None else port
    token = svc.start()
    console.print(f"chipcontrols: database {svc.db.safe_url}", markup=False)
    if token:
        console.print(
            "\nFirst start: an admin user was created. Its API key (shown only now):\n"
            f"\n    {token}\n\n"
            "Sign in to the web UI with it, or send it as 'Authorization: Bearer <key>'.\n"
            "Make more keys with 'chipcontrols keys create' or POST /v1/keys.\n",
            markup=False,
        )
    shown = "localhost" if host in ("127.0.0.1", "localhost") else host
    console.print(
        f"Web UI: http://{shown}:{port}/   API: http://{shown}:{port}/v1/openapi.json",
        markup=False,
    )
    if workers > 1:
        # Each worker builds its own application from the same settings (the environment).
        uvicorn.run(
            "chipcontrols.api.app:app_from_env",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_level="warning",
            server_header=False,
        )
        return
    uvicorn.run(create_app(svc), host=host, port=port, log_level="warning", server_header=False)


# ------------------------------------------------------------------ audit

audit_app = typer.Typer(help="The hash-chained audit log.")


@audit_app.command("verify")
@handle_errors
def audit_verify(
    expect_head: Annotated[
        str | None, typer.Option(help="A head hash published earlier: it must still be in the log.")
    ] = None,
    fmt: Format = "text",
) -> None:
    """Check every entry's hash and link, and every record against its logged hash.
    Exits 1 when anything was edited, reordered or deleted."""
    check_format(fmt)
    report = _services().audit_verify(expect_head=expect_head)
    if fmt == "json":
        print_json(report)
    elif report["ok"]:
        console.print(
            f"audit log intact: {report['entries']} entries, {report['records_checked']} records "
            f"and {report['judgements_checked']} judgements match; head {report['head']['hash']}",
            markup=False,
        )
    else:
        err_console.print(
            f"audit log TAMPERED: {len(report['problems'])} problem(s)",
            markup=False,
            style="bold red",
        )
        for p in report["problems"]:
            where = f"entry {p['seq']}: " if p["seq"] else ""
            err_console.print(f"  {where}{p['kind']}: {p['detail']}", markup=False)
    if not report["ok"]:
        raise typer.Exit(1)


@audit_app.command("list")
@handle_errors
def audit_list(
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    subject: Annotated[str | None, typer.Option(help="Only entries about this subject.")] = None,
    fmt: Format = "text",
) -> None:
    """The latest audit entries, newest first."""
    check_format(fmt)
    data = _services().audit_entries(limit=limit, subject=subject)
    if fmt == "json":
        print_json(data)
        return
    for e in data["entries"]:
        summary = e["payload"].get("summary", "") if isinstance(e["payload"], dict) else ""
        console.print(
            f"{e['seq']:>6}  {e['at'][:19]}  {e['actor']:<18} {e['action']:<12} {e['subject']:<22} "
            f"{e['hash'][:12]}  {summary}",
            markup=False,
        )


# ------------------------------------------------------------------ replay


def replay(
    record_id: Annotated[str, typer.Argument(metavar="ID", help="A record id (rec-...).")],
    fmt: Format = "text",
) -> None:
    """Recompute a stored record under its recorded rulebook version and list snapshots,
    and show whether it matches (exit 1 when it does not)."""
    handle_errors(_replay)(record_id, fmt)


def _replay(record_id: str, fmt: str) -> None:
    check_format(fmt)
    report = _services().replay(record_id)
    if fmt == "json":
        print_json(report)
    else:
        snaps = ", ".join(report["list_snapshots"]) or "none"
        console.print(
            f"{report['record_id']} ({report['kind']}) as of {report['as_of']}, rulebook "
            f"{report['rulebook_version']}, list snapshots {snaps}",
            markup=False,
        )
        console.print(f"  recorded: {report['summary']}", markup=False)
        if report["matches"]:
            console.print("  replay: MATCHES - recomputed answer is identical", markup=False)
        else:
            console.print("  replay: DIFFERS at " + ", ".join(report["differences"]), markup=False)
        eng = report["engine_version"]
        if eng["recorded"] != eng["now"]:
            console.print(f"  engine {eng['recorded']} then, {eng['now']} now", markup=False)
    if not report["matches"]:
        raise typer.Exit(1)


# ------------------------------------------------------------------ batch


def batch(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="Order lines: .csv, .xlsx or .parquet")
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Results file (default FILE.results.EXT).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default today).")
    ] = None,
    chunk: Annotated[int | None, typer.Option(min=1, max=10000, help="Lines per commit.")] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="Compute on a Dask cluster: a scheduler address (tcp://host:8786) or "
            "local:N (N worker processes here). See docs/scale.md.",
        ),
    ] = None,
    work_dir: Annotated[
        Path | None,
        typer.Option(
            "--work-dir",
            help="With --dask: the Parquet partitions' directory, shared with the workers "
            "(default beside the results file).",
        ),
    ] = None,
    partition: Annotated[
        int | None,
        typer.Option(min=1, max=1_000_000, help="With --dask: transactions per task."),
    ] = None,
    fmt: Format = "text",
) -> None:
    """Check every order line; write the results file and a summary. Run it again after an
    interruption to carry on: no line is lost or checked twice."""
    handle_errors(_batch)(file, output, as_of, chunk, fmt, dask, work_dir, partition)


def _batch(
    file: Path,
    output: Path | None,
    as_of: str | None,
    chunk: int | None,
    fmt: str,
    dask: str | None = None,
    work_dir: Path | None = None,
    partition: int | None = None,
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from chipcontrols.batch import run_batch

    check_format(fmt)
    svc = _services()
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    )
    task = progress.add_task("order lines", total=None)
    started = False

    def update(done: int, total: int) -> None:
        # drawn from the first progress report: the file and options are checked by then,
        # so an input error is one line with no bar before it
        nonlocal started
        if not started:
            progress.start()
            started = True
        progress.update(task, completed=done, total=total)

    try:
        summary = run_batch(
            svc,
            file,
            output=output,
            as_of=as_of,
            actor=_actor(),
            chunk=chunk,
            on_progress=update,
            dask=dask,
            work_dir=work_dir,
            partition=partition,
        )
    finally:
        if started:
            progress.stop()
    if fmt == "json":
        print_json(summary)
        return
    console.print(
        f"{summary['lines']} lines: {summary['ok']} checked, {summary['errors']} with errors"
        + (f" (resumed after {summary['resumed_after']})" if summary["resumed_after"] else ""),
        markup=False,
    )
    console.print(f"results: {summary['output']}\nsummary: {summary['summary_file']}", markup=False)


# ------------------------------------------------------------------ users and keys

users_app = typer.Typer(help="Users of the service and their roles.")
keys_app = typer.Typer(help="API keys (stored hashed; shown once).")


@users_app.command("add")
@handle_errors
def users_add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option(help="viewer, analyst or admin.")] = "analyst",
    fmt: Format = "text",
) -> None:
    """Create a user and a first API key (printed once)."""
    check_format(fmt)
    data = _services().create_user(name, role, actor=_actor())
    if fmt == "json":
        print_json(data)
    else:
        console.print(
            f"user {data['user']} ({data['role']}); API key:\n{data['api_key']}", markup=False
        )


@users_app.command("list")
@handle_errors
def users_list(fmt: Format = "text") -> None:
    """Users and their API keys (never the secrets)."""
    check_format(fmt)
    data = _services().users()
    if fmt == "json":
        print_json(data)
        return
    for u in data["users"]:
        console.print(f"{u['name']:<24} {u['role']:<8} {u['created_at'][:19]}", markup=False)


@keys_app.command("create")
@handle_errors
def keys_create(
    user: Annotated[str, typer.Option(help="The user the key belongs to.")] = "admin",
    label: Annotated[str, typer.Option(help="What the key is for.")] = "",
    fmt: Format = "text",
) -> None:
    """A new API key for a user (printed once)."""
    check_format(fmt)
    data = _services().create_key(user, label=label, actor=_actor())
    if fmt == "json":
        print_json(data)
    else:
        console.print(
            f"key {data['id']} for {data['user']} ({data['role']}):\n{data['api_key']}",
            markup=False,
        )


@keys_app.command("list")
@handle_errors
def keys_list(fmt: Format = "text") -> None:
    check_format(fmt)
    data = _services().users()["keys"]
    if fmt == "json":
        print_json({"keys": data})
        return
    for k in data:
        state = f"revoked {k['revoked_at'][:19]}" if k["revoked_at"] else "active"
        console.print(
            f"{k['id']:<14} {k['user']:<20} {k['role']:<8} {state:<28} {k['label']}", markup=False
        )


@keys_app.command("revoke")
@handle_errors
def keys_revoke(key_id: Annotated[str, typer.Argument(metavar="KEY_ID")]) -> None:
    """Revoke a key (the web sessions opened with it end at once) or a session."""
    data = _services().revoke_key(key_id, actor=_actor())
    console.print(f"{data['kind']} {data['id']} revoked at {data['revoked_at']}", markup=False)


@keys_app.command("sessions")
@handle_errors
def keys_sessions(
    all_: Annotated[bool, typer.Option("--all", help="Also ended sessions.")] = False,
    fmt: Format = "text",
) -> None:
    """Web sessions (active ones by default); end one with 'keys revoke ID'."""
    check_format(fmt)
    data = _services().sessions(active_only=not all_)
    if fmt == "json":
        print_json(data)
        return
    for k in data["sessions"]:
        state = f"ended {k['revoked_at'][:19]}" if k["revoked_at"] else "active"
        console.print(
            f"{k['id']:<14} {k['user']:<20} {k['role']:<8} key {k['key_id'] or '-':<14} "
            f"{state:<26} until {(k['expires_at'] or '')[:19]}",
            markup=False,
        )


db_app = typer.Typer(help="The service database.")


@db_app.command("upgrade")
@handle_errors
def db_upgrade() -> None:
    """Apply the schema migrations (serve and the other commands do this themselves)."""
    svc = _services(migrate=False)
    revision = svc.db.migrate()
    console.print(f"{svc.db.safe_url}: schema at revision {revision}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("replay")(replay)
    app.command("batch")(batch)
    app.add_typer(audit_app, name="audit")
    app.add_typer(users_app, name="users")
    app.add_typer(keys_app, name="keys")
    app.add_typer(db_app, name="db")
