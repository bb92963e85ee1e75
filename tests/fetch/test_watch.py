"""`chipcontrols watch`: a recorded CSL update that lists a stored customer gives a new
snapshot, a diff, a review item, a changed determination of the customer's order, one
webhook call and one e-mail."""

from __future__ import annotations

import datetime as dt
import email
import json
from collections.abc import Iterator
from email import policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipcontrols.app_services import Services
from chipcontrols.errors import InputError
from chipcontrols.screening.fetch.http import Fetcher
from chipcontrols.screening.fetch.notify import MailSettings
from chipcontrols.screening.fetch.sources import select
from chipcontrols.screening.fetch.update import update_source
from chipcontrols.screening.fetch.watch import WatchConfig, parse_every, watch_once
from tests.fetch.conftest import LocalHTTP, LocalSMTP
from tests.servicekit import make_services

DAY = dt.date(2026, 12, 1)
CUSTOMER = "Zephyrcrest Lithography Supply Co., Ltd."
ORDER = {
    "kind": "transaction",
    "reference": "SO-4711",
    "export_from": "US",
    "destination": "CN",
    "items": [
        {
            "item": {
                "kind": "integrated_circuit",
                "name": "US-made test IC (not in 3A090)",
                "tpp": 10,
                "die_area_mm2": 50,
                "datacenter": False,
                "described_in": [],
            },
            "made_in": "US",
        }
    ],
    "parties": [{"role": "end_user", "name": CUSTOMER, "country": "CN"}],
    "end_uses": ["none_of_these"],
}


@pytest.fixture
def services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    home = tmp_path / "home"
    monkeypatch.setenv("CHIPCONTROLS_HOME", str(home))
    svc = make_services(home)
    svc.start(create_admin=False)
    try:
        yield svc
    finally:
        svc.close()


def _config(http_server: LocalHTTP, smtp: LocalSMTP | None, url: str) -> WatchConfig:
    return WatchConfig(
        sources=select("csl_json", {"csl_json": url}),
        webhook_url=http_server.url + "/hook",
        mail=MailSettings(
            host=smtp.host,
            port=smtp.port,
            sender="watch@example.test",
            recipients=("compliance@example.test",),
        )
        if smtp
        else None,
    )


def test_a_new_listing_of_a_stored_customer(
    services: Services,
    http_server: LocalHTTP,
    smtp_server: LocalSMTP,
    fetcher: Fetcher,
) -> None:
    url = http_server.serve_file("/csl.json", "csl_base.json")
    config = _config(http_server, smtp_server, url)
    # the lists as they were: the customer is not on them
    base = update_source(services.snapshots, config.sources[0], fetcher, day=DAY)
    assert base.status == "updated"
    # the customer's open order, determined and recorded (its parties are stored)
    first = services.check(ORDER, as_of=DAY, actor="test")
    assert first["result"]["verdicts"][0]["verdict"] == "no_licence_required"
    assert services.review_queue()["hits"] == []

    http_server.serve_file("/csl.json", "csl_update.json")  # the recorded update
    report = watch_once(services, config, fetcher=fetcher, as_of=DAY)
    alert = report.alert

    # a new snapshot, active, and its diff
    (result,) = report.results
    assert result.status == "updated" and result.previous == base.snapshot
    assert services.snapshots.active_ids()["csl"] == result.snapshot
    assert result.diff is not None and [e.name for e in result.diff.added] == [CUSTOMER]

    # the stored customer is hit, and the hit waits in the review queue
    assert [p["name"] for p in alert["parties"]] == [CUSTOMER]
    assert alert["parties"][0]["hits"][0]["change"] == "new"
    queue = [q for q in services.review_queue()["hits"] if q["party"]["name"] == CUSTOMER]
    assert len(queue) == 1 and queue[0]["list"] == "EL"
    assert [i["hit_id"] for i in alert["review_items"]] == [queue[0]["hit_id"]]

    # the order is determined again, and its determination changed
    (det,) = alert["determinations"]
    assert det["order"] == "SO-4711" and det["changed"]
    assert det["previous_record"] == first["id"]
    assert det["verdicts_before"]["US"][0] == "no_licence_required"
    assert det["verdicts_after"]["US"][0] == "licence_required"
    new = services.record(det["record"])
    assert new["kind"] == "determination" and result.snapshot in new["list_snapshots"]

    # one webhook call and one e-mail, each saying what changed and who is hit
    hooks = http_server.got("POST", "/hook")
    assert len(hooks) == 1
    payload = json.loads(hooks[0].body)
    assert payload["lists"][0]["diff"]["added_entries"][0]["name"] == CUSTOMER
    assert payload["parties"][0]["name"] == CUSTOMER
    assert payload["determinations"][0]["changed"] is True
    assert len(smtp_server.messages) == 1
    mail = email.message_from_string(smtp_server.messages[0]["data"], policy=policy.default)
    assert smtp_server.messages[0]["to"] == ["<compliance@example.test>"]
    assert "1 stored party hit" in mail["Subject"]
    body = mail.get_content()
    assert CUSTOMER in body and "CHANGED" in body and "SO-4711" in body
    assert report.notified == ["webhook", "email"]

    # a second pass with nothing new: no alert, no new record
    http_server.routes["/csl.json"].etag = None
    again = watch_once(services, config, fetcher=fetcher, as_of=DAY)
    assert again.results[0].status == "not_modified"
    assert again.notified == [] and len(http_server.got("POST", "/hook")) == 1
    assert len(smtp_server.messages) == 1


def test_a_failed_fetch_keeps_the_lists_and_is_reported(
    services: Services, http_server: LocalHTTP, smtp_server: LocalSMTP, fetcher: Fetcher
) -> None:
    before = services.snapshots.active_ids()
    body = b'{"results": [{"name": "x", "source": "Entity List (EL)'
    url = http_server.serve("/csl.json", body + b" " * 100, truncate_to=len(body))
    report = watch_once(
        services, _config(http_server, smtp_server, url), fetcher=fetcher, as_of=DAY
    )
    assert report.results[0].status == "failed"
    assert services.snapshots.active_ids() == before
    assert report.alert["parties"] == [] and report.alert["determinations"] == []
    assert len(http_server.got("POST", "/hook")) == 1
    assert "1 fetch(es) failed" in smtp_server.messages[0]["data"]


def test_a_failing_webhook_does_not_stop_the_mail(
    services: Services, http_server: LocalHTTP, smtp_server: LocalSMTP, fetcher: Fetcher
) -> None:
    url = http_server.serve_file("/csl.json", "csl_base.json")
    http_server.serve("/hook", b"", status=400)
    report = watch_once(
        services, _config(http_server, smtp_server, url), fetcher=fetcher, as_of=DAY
    )
    assert report.notified == ["email"]
    assert any("webhook failed" in e for e in report.alert["errors"])


def test_parse_every() -> None:
    assert parse_every("6h") == 21600
    assert parse_every("30m") == 1800
    assert parse_every("1d") == 86400
    assert parse_every("90") == 90
    for bad in ("", "0h", "6 hours", "-1h"):
        with pytest.raises(InputError):
            parse_every(bad)


def test_cli_watch_once(
    tmp_path: Path,
    http_server: LocalHTTP,
    smtp_server: LocalSMTP,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chipcontrols.cli.main import app

    url = http_server.serve_file("/csl.json", "csl_base.json")
    env = {
        "CHIPCONTROLS_HOME": str(tmp_path / "home"),
        "CHIPCONTROLS_WATCH_URLS": json.dumps({"csl_json": url}),
        "CHIPCONTROLS_WATCH_WEBHOOK_URL": http_server.url + "/hook",
        "CHIPCONTROLS_WATCH_WEBHOOK_HEADER": "X-Token: s3cret",
        "CHIPCONTROLS_SMTP_HOST": smtp_server.host,
        "CHIPCONTROLS_SMTP_PORT": str(smtp_server.port),
        "CHIPCONTROLS_SMTP_TO": "a@example.test, b@example.test",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    res = CliRunner().invoke(app, ["watch", "--once", "--as-of", "2026-12-01", "-f", "json"])
    assert res.exit_code == 0, res.output
    alert = json.loads(res.output)
    assert alert["lists"][0]["status"] == "updated"
    (hook,) = http_server.got("POST", "/hook")
    assert hook.headers["X-Token"] == "s3cret"
    assert smtp_server.messages[0]["to"] == ["<a@example.test>", "<b@example.test>"]
    # an unreachable source: the pass reports it and exits 4
    monkeypatch.setenv("CHIPCONTROLS_WATCH_URLS", json.dumps({"csl_json": url + "-gone"}))
    res = CliRunner().invoke(app, ["watch", "--once", "--source", "csl_json"])
    assert res.exit_code == 4, res.output
    assert "failed" in res.output
