"""`chipcontrols watch`: fetch the official lists on a schedule, re-screen, alert."""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated, Any

import typer

from chipcontrols.cli.common import check_format, console, err_console, handle_errors, print_json


def config_from_settings(settings: Any, sources: str | None = None) -> Any:
    """The watch configuration from CHIPCONTROLS_* settings (sources as given, or set)."""
    from chipcontrols.screening.fetch.notify import MailSettings
    from chipcontrols.screening.fetch.sources import select
    from chipcontrols.screening.fetch.watch import WatchConfig

    mail = None
    if settings.smtp_host:
        mail = MailSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            recipients=tuple(a.strip() for a in (settings.smtp_to or "").split(",") if a.strip()),
            user=settings.smtp_user,
            password=settings.smtp_password,
            security=settings.smtp_security,
        )
    header = None
    if settings.watch_webhook_header and ":" in settings.watch_webhook_header:
        name, _, value = settings.watch_webhook_header.partition(":")
        header = (name.strip(), value.strip())
    return WatchConfig(
        sources=select(sources or settings.watch_sources, settings.watch_urls),
        webhook_url=settings.watch_webhook_url,
        webhook_header=header,
        mail=mail,
        notify=settings.watch_notify,
    )


def _print(alert: dict[str, Any]) -> None:
    from chipcontrols.screening.fetch.notify import render

    subject, body = render(alert)
    console.print(subject, markup=False)
    console.print(body, markup=False)


@handle_errors
def watch_command(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    every: Annotated[
        str | None, typer.Option(help="Interval between passes, e.g. 6h, 30m, 1d.")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="Sources to fetch, comma-separated (default CHIPCONTROLS_WATCH_SOURCES): "
            "csl_json, csl_csv, ofac_sdn, ofac_consolidated, eu_fsf, uk_sanctions_list, "
            "bis_entity_list, jp_meti_eul.",
        ),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Screen and determine as of (default today).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Fetch the official lists, activate new snapshots, re-screen the stored parties and
    re-determine their orders, and alert by webhook and e-mail (CHIPCONTROLS_WATCH_*,
    CHIPCONTROLS_SMTP_*)."""
    from chipcontrols.app_services import Services
    from chipcontrols.cli.common import parse_date
    from chipcontrols.screening.fetch.watch import parse_every, watch_once

    check_format(fmt)
    services = Services()
    services.start(create_admin=False)
    config = config_from_settings(services.settings, source)
    interval = parse_every(every or services.settings.watch_every)
    day = parse_date(as_of) if as_of else None
    failed = False
    try:
        while True:
            report = watch_once(services, config, as_of=day)
            failed = any(r.status == "failed" for r in report.results)
            if fmt == "json":
                print_json(report.alert)
            else:
                _print(report.alert)
            if once:
                break
            next_at = dt.datetime.now() + dt.timedelta(seconds=interval)
            err_console.print(f"next pass at {next_at:%Y-%m-%d %H:%M}", markup=False)
            time.sleep(interval)
    except KeyboardInterrupt:
        pass
    finally:
        services.close()
    if once and failed:
        raise typer.Exit(4)


def register(app: typer.Typer) -> None:
    app.command("watch")(watch_command)
