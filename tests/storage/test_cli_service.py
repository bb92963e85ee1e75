"""The service commands on both backends: audit verify/list, replay, users, keys, db."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from chipcontrols.app_services import Services
from chipcontrols.cli.main import app
from chipcontrols.storage.models import AuditRow, RecordRow
from tests.servicekit import H100

runner = CliRunner()


@pytest.fixture
def cli_env(svc: Services, backend: str | None, monkeypatch: pytest.MonkeyPatch) -> Services:
    if backend:
        monkeypatch.setenv("CHIPCONTROLS_DATABASE_URL", backend)
    else:
        monkeypatch.delenv("CHIPCONTROLS_DATABASE_URL", raising=False)
    return svc


def test_audit_verify_and_replay_from_the_command_line(cli_env: Services) -> None:
    record = cli_env.run("classification", {"item": H100}, as_of="2024-01-01", actor="user:a")
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "audit log intact" in ok.output
    report = json.loads(runner.invoke(app, ["audit", "verify", "--format", "json"]).stdout)
    assert report["ok"] and report["records_checked"] == 1
    head = report["head"]["hash"]
    assert runner.invoke(app, ["audit", "verify", "--expect-head", head]).exit_code == 0
    listed = runner.invoke(app, ["audit", "list", "--format", "json"])
    assert record["id"] in listed.stdout
    replayed = runner.invoke(app, ["replay", record["id"]])
    assert replayed.exit_code == 0 and "MATCHES" in replayed.output
    assert runner.invoke(app, ["replay", "rec-nonexistent"]).exit_code == 2

    with cli_env.db.write() as s:
        s.execute(
            update(RecordRow).where(RecordRow.id == record["id"]).values(summary="meets nothing")
        )
    edited = runner.invoke(app, ["audit", "verify"])
    assert (
        edited.exit_code == 1 and "TAMPERED" in edited.output and "record_edited" in edited.output
    )
    with cli_env.db.write() as s:
        s.execute(update(AuditRow).where(AuditRow.subject == record["id"]).values(actor="user:b"))
    assert "edited" in runner.invoke(app, ["audit", "verify"]).output


def test_users_keys_and_schema_commands(cli_env: Services) -> None:
    made = runner.invoke(app, ["users", "add", "olga", "--role", "viewer", "--format", "json"])
    assert made.exit_code == 0, made.output
    key = json.loads(made.stdout)["api_key"]
    assert cli_env.authenticate(key).role == "viewer"
    extra = json.loads(
        runner.invoke(app, ["keys", "create", "--user", "olga", "--format", "json"]).stdout
    )
    assert runner.invoke(app, ["keys", "revoke", extra["id"]]).exit_code == 0
    keys = json.loads(runner.invoke(app, ["keys", "list", "--format", "json"]).stdout)["keys"]
    assert {k["id"] for k in keys if k["revoked_at"]} == {extra["id"]}
    assert key not in runner.invoke(app, ["users", "list", "--format", "json"]).stdout
    bad = runner.invoke(app, ["users", "add", "x y", "--role", "viewer"])
    assert bad.exit_code == 2 and "error[invalid_input]" in bad.output
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0 and "schema at revision 0004_rescreen_state" in upgraded.output
