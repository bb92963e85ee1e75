"""Alerts: a JSON webhook (HTTP POST) and an e-mail (SMTP, standard library)."""

from __future__ import annotations

import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx

from chipcontrols.screening.fetch.http import USER_AGENT, FetchError

MAX_LINES = 50


class NotifyError(FetchError):
    code = "notify"


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int = 25
    sender: str = "chipcontrols@localhost"
    recipients: tuple[str, ...] = ()
    user: str | None = None
    password: str | None = None
    security: str = "none"  # none | starttls | ssl
    timeout: float = 30.0


def post_webhook(
    url: str,
    payload: dict[str, Any],
    *,
    client: httpx.Client | None = None,
    attempts: int = 3,
    backoff: float = 1.0,
    secret_header: tuple[str, str] | None = None,
) -> int:
    """POST the alert as JSON; retried on connection errors and 5xx/429. Returns the status."""
    headers = {"User-Agent": USER_AGENT}
    if secret_header:
        headers[secret_header[0]] = secret_header[1]
    own = client is None
    http = client or httpx.Client(timeout=30.0)
    last = ""
    try:
        for attempt in range(1, attempts + 1):
            try:
                resp = http.post(url, json=payload, headers=headers)
                if resp.status_code < 300:
                    return resp.status_code
                last = f"HTTP {resp.status_code}"
                if resp.status_code < 500 and resp.status_code != 429:
                    break
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            if attempt < attempts:
                time.sleep(backoff * 2 ** (attempt - 1))
    finally:
        if own:
            http.close()
    raise NotifyError(f"webhook failed ({last})", loc="CHIPCONTROLS_WATCH_WEBHOOK_URL")


def send_mail(settings: MailSettings, subject: str, body: str) -> None:
    if not settings.recipients:
        raise NotifyError("no recipient", loc="CHIPCONTROLS_SMTP_TO")
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.recipients)
    msg.set_content(body)
    try:
        if settings.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                timeout=settings.timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with smtp:
            smtp.ehlo()
            if settings.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise NotifyError(
            f"e-mail failed ({type(exc).__name__}: {exc})", loc="CHIPCONTROLS_SMTP_HOST"
        ) from None


def render(alert: dict[str, Any]) -> tuple[str, str]:
    """Subject and plain-text body of an alert."""
    lists = alert.get("lists", [])
    updated = [r for r in lists if r["status"] == "updated"]
    failed = [r for r in lists if r["status"] == "failed"]
    parties = alert.get("parties", [])
    changed = [d for d in alert.get("determinations", []) if d.get("changed")]
    bits = []
    if updated:
        bits.append(f"{len(updated)} list(s) changed")
    if parties:
        bits.append(f"{len(parties)} stored part{'y' if len(parties) == 1 else 'ies'} hit")
    if changed:
        bits.append(f"{len(changed)} determination(s) changed")
    if failed:
        bits.append(f"{len(failed)} fetch(es) failed")
    subject = "chipcontrols watch: " + ("; ".join(bits) or "no change")
    lines = [f"List check of {alert.get('checked_at')} (screening as of {alert.get('as_of')}).", ""]
    for r in lists:
        line = f"- {r['source']} ({r['dataset']}): {r['status']}"
        diff = r.get("diff")
        if diff and r["status"] == "updated":
            line += (
                f", snapshot {r['snapshot']} (was {r['previous']}): {diff['added']} added, "
                f"{diff['removed']} removed, {diff['changed']} changed"
            )
        if r.get("error"):
            line += f": {r['error']}"
        lines.append(line)
        if diff and r["status"] == "updated":
            for e in diff["added_entries"][:MAX_LINES]:
                lines.append(f"    + {e['name']} [{e['list']}] {e['id']}")
            for e in diff["removed_entries"][:MAX_LINES]:
                lines.append(f"    - {e['name']} [{e['list']}] {e['id']}")
            for e in diff["changed_entries"][:MAX_LINES]:
                lines.append(f"    ~ {e['name']} {e['id']} ({', '.join(e['fields'])})")
    if parties:
        lines += ["", "Stored parties with new or changed hits (to review):"]
        for p in parties[:MAX_LINES]:
            for h in p["hits"]:
                lines.append(
                    f"- {p['name']} ({p.get('country') or '?'}): {h['change']} hit on "
                    f"{h['entry_name']} [{h['list']}] {h['entry_id']}, score {h['score']}"
                )
    dets = alert.get("determinations", [])
    if dets:
        lines += ["", "Determinations re-run for the orders of those parties:"]
        for d in dets[:MAX_LINES]:
            mark = "CHANGED" if d["changed"] else "same"
            lines.append(
                f"- {d['order']}: {mark}: {d['before']} -> {d['after']} "
                f"(record {d['record']}, was {d['previous_record']})"
            )
    if alert.get("review_items"):
        lines += ["", f"Review queue: {len(alert['review_items'])} item(s) for these parties."]
    for n in alert.get("errors", []):
        lines.append(f"! {n}")
    return subject, "\n".join(lines) + "\n"
