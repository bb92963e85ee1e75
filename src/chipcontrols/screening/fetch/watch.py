"""One pass of `chipcontrols watch`: fetch, activate, re-screen, re-determine, notify.

1. Each configured source is fetched (update.update_source); a new snapshot with changes
   becomes active, a failed fetch leaves the active one.
2. When a list changed, the stored (watched) parties are screened again with the service's
   own re-screening (ScreeningService.rescreen over the service database): it reports only
   hits that are new or whose entry changed, and reported hits whose entry is no longer in
   force; incremental (only what changed) unless a full run is needed, as the alert says.
   The parties with such hits are screened once more as a recorded "screening"
   (Services.run_in), which puts the hits in the review queue.
3. The recorded orders (determination records whose screened parties include a party with
   a new hit) are determined again as of today through Services.run_in; the new record is
   compared with the last one.
4. An alert (what changed, who is hit, which determinations changed) goes to the webhook
   and by e-mail, when something changed or a fetch failed.
All of steps 2 and 3 happen in one database transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from chipcontrols.screening.fetch.http import Fetcher
from chipcontrols.screening.fetch.notify import (
    MailSettings,
    NotifyError,
    post_webhook,
    render,
    send_mail,
)
from chipcontrols.screening.fetch.sources import Source
from chipcontrols.screening.fetch.update import FetchResult, update_source

ACTOR = "watch"
_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_every(text: str) -> float:
    """'6h', '30m', '1d', '90' (seconds) -> seconds."""
    m = _EVERY.match(text or "")
    if not m or float(m.group(1)) <= 0:
        from chipcontrols.errors import InputError

        raise InputError("give an interval such as 6h, 30m or 1d", loc="--every")
    return float(m.group(1)) * _UNITS[m.group(2)]


@dataclass
class WatchConfig:
    sources: list[Source]
    webhook_url: str | None = None
    webhook_header: tuple[str, str] | None = None
    mail: MailSettings | None = None
    notify: str = "changes"  # changes | always | never
    actor: str = ACTOR


@dataclass
class WatchReport:
    alert: dict[str, Any]
    results: list[FetchResult] = field(default_factory=list)
    notified: list[str] = field(default_factory=list)


def watch_once(
    services: Any,
    config: WatchConfig,
    *,
    fetcher: Fetcher | None = None,
    as_of: dt.date | None = None,
) -> WatchReport:
    """One pass over the configured sources (see the module text)."""
    day = as_of or dt.date.today()
    own = fetcher is None
    http = fetcher or Fetcher()
    try:
        results = [update_source(services.snapshots, s, http, day=day) for s in config.sources]
    finally:
        if own:
            http.close()
    alert: dict[str, Any] = {
        "kind": "chipcontrols.watch",
        "checked_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "as_of": day.isoformat(),
        "lists": [r.to_dict() for r in results],
        "parties": [],
        "determinations": [],
        "review_items": [],
        "errors": [],
    }
    if any(r.changed for r in results):
        _rescreen(services, config.actor, day, alert)
    report = WatchReport(alert, results)
    wanted = config.notify == "always" or (
        config.notify == "changes" and any(r.changed or r.status == "failed" for r in results)
    )
    if wanted:
        _notify(config, alert, report)
    return report


def _rescreen(services: Any, actor: str, day: dt.date, alert: dict[str, Any]) -> None:
    from chipcontrols.storage import records

    with services.db.write() as session:
        screening = services.screening(session, actor)
        report = screening.rescreen(as_of=day)
        hit_parties = report["results"]
        keys = set()
        docs = []
        for result in hit_parties:
            party = result["party"]
            keys.add(party["key"])
            docs.append({k: v for k, v in party.items() if k != "key" and v is not None})
            alert["parties"].append(
                {
                    "name": party["name"],
                    "country": party.get("country"),
                    "key": party["key"],
                    "hits": [
                        {
                            "change": h.get("change"),
                            "entry_id": h["entry_id"],
                            "entry_name": h.get("name"),
                            "list": h.get("list"),
                            "score": h.get("score"),
                            "snapshot": h.get("list_snapshot"),
                        }
                        for h in result["hits"]
                    ],
                }
            )
        alert["parties_screened"] = report.get("parties_screened", 0)
        info = report.get("rescreen") or {}
        alert["rescreen"] = {k: info.get(k) for k in ("mode", "reason", "fully_screened")}
        alert["removed"] = [
            {
                "name": r["party"]["name"],
                "country": r["party"].get("country"),
                "key": r["party"]["key"],
                "entry_id": r["entry_id"],
                "snapshot": r.get("last_snapshot"),
            }
            for r in report.get("removed") or []
        ]
        if docs:
            record = services.run_in(
                session, "screening", {"parties": docs}, as_of=day, actor=actor
            )
            alert["screening_record"] = record["id"]
        if keys:
            alert["determinations"] = _redetermine(services, session, records, keys, day, actor)
    if keys:
        hit_names = {(p["name"], p.get("country")) for p in alert["parties"]}
        queue = services.review_queue()["hits"]
        alert["review_items"] = [
            {
                "hit_id": q["hit_id"],
                "party": q["party"].get("name"),
                "entry_id": q["entry_id"],
                "entry_name": q["entry_name"],
                "list": q["list"],
                "record_id": q["record_id"],
            }
            for q in queue
            if (q["party"].get("name"), q["party"].get("country")) in hit_names
        ]


def _redetermine(
    services: Any, session: Any, repo: Any, keys: set[str], day: dt.date, actor: str
) -> list[dict[str, Any]]:
    """Determine again the latest recorded order of every transaction naming a hit party."""
    kind = services.check_kind()
    latest: dict[str, dict[str, Any]] = {}
    offset = 0
    while True:
        total, rows = repo.list_records(session, kind=kind, limit=200, offset=offset)
        for row in rows:  # newest first
            rec = repo.record_dict(row)
            txn = (rec.get("input") or {}).get("transaction")
            if not isinstance(txn, dict):
                continue
            ident = json.dumps(txn, sort_keys=True, default=str)
            if ident in latest:
                continue
            screened = (rec.get("result") or {}).get("screening") or {}
            party_keys = {(r.get("party") or {}).get("key") for r in screened.get("results") or []}
            latest[ident] = rec if party_keys & keys else {}
        offset += 200
        if offset >= total or not rows:
            break
    out = []
    for rec in latest.values():
        if not rec:
            continue
        txn = rec["input"]["transaction"]
        new = services.run_in(session, kind, {"transaction": txn}, as_of=day, actor=actor)
        before, after = _verdicts(rec), _verdicts(new)
        out.append(
            {
                "order": txn.get("reference") or txn.get("name") or rec.get("transaction_id"),
                "previous_record": rec["id"],
                "record": new["id"],
                "before": rec["summary"],
                "after": new["summary"],
                "verdicts_before": before,
                "verdicts_after": after,
                "changed": before != after,
            }
        )
    return out


def _verdicts(record: dict[str, Any]) -> dict[str, Any]:
    """What decides: each jurisdiction's verdict and review policy, and the listed parties."""
    result = record.get("result") or {}
    out: dict[str, Any] = {}
    for v in result.get("verdicts") or []:
        if isinstance(v, dict):
            out[str(v.get("jurisdiction"))] = [v.get("verdict"), v.get("review_policy")]
    if not out:  # a transaction check (no determination module): its summary decides
        out["summary"] = record.get("summary")
    return out


def _notify(config: WatchConfig, alert: dict[str, Any], report: WatchReport) -> None:
    subject, body = render(alert)
    if config.webhook_url:
        try:
            post_webhook(config.webhook_url, alert, secret_header=config.webhook_header)
            report.notified.append("webhook")
        except NotifyError as exc:
            alert["errors"].append(exc.one_line())
    if config.mail is not None:
        try:
            send_mail(config.mail, subject, body)
            report.notified.append("email")
        except NotifyError as exc:
            alert["errors"].append(exc.one_line())
