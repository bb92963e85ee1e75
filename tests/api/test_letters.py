"""The user's BIS letters: stored once, audited, revocable, read back for a replay as they
stood; through the API (/v1/letters), the service functions and the CLI."""

from __future__ import annotations

import json
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select
from typer.testing import CliRunner

from chipcontrols.app_services import Services
from chipcontrols.app_services.letters import add_letter, letters_for, revoke_letter
from chipcontrols.storage import audit
from chipcontrols.storage.models import AuditRow, Base
from tests.api.conftest import Api

LETTER: dict[str, Any] = {
    "exporters": ["Example Chips Inc."],
    "products": ["XC-900", "XC-9*"],
    "destinations": ["D:5", "Macau"],
    "headquarters": True,
    "basis": "744.23(b)",
    "effective": "2024-01-10",
    "reference": "BIS letter of 2024-01-10",
    "text": "A license is required for exports of the XC-900 to ...",
}


def test_the_migration_builds_the_letters_table(sqlite_svc: Services) -> None:
    with sqlite_svc.db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []
    assert sqlite_svc.db.revision() == sqlite_svc.db.head_revision()


def test_add_list_and_revoke_through_the_api(api: Api) -> None:
    created = api.client.post("/v1/letters", json=LETTER, headers=api.headers("analyst"))
    assert created.status_code == 201, created.text
    letter = created.json()
    assert letter["id"].startswith("ltr-")
    assert letter["destinations"] == ["D:5", "Macau"]
    assert letter["created_by"].endswith("analyst1")
    listed = api.client.get("/v1/letters", headers=api.headers("viewer")).json()["letters"]
    assert [item["id"] for item in listed] == [letter["id"]]
    one = api.client.get(f"/v1/letters/{letter['id']}", headers=api.headers("viewer"))
    assert one.json()["reference"] == LETTER["reference"]

    revoked = api.client.post(
        f"/v1/letters/{letter['id']}/revoke",
        json={"reason": "entered in error"},
        headers=api.headers("analyst"),
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoke_reason"] == "entered in error"
    assert api.client.get("/v1/letters", headers=api.headers("viewer")).json()["letters"] == []
    every = api.client.get(
        "/v1/letters", params={"include_revoked": True}, headers=api.headers("viewer")
    ).json()["letters"]
    assert [item["id"] for item in every] == [letter["id"]]
    again = api.client.post(
        f"/v1/letters/{letter['id']}/revoke", json={"reason": "twice"}, headers=api.headers("admin")
    )
    assert again.status_code == 422

    with api.svc.db.read() as session:
        actions = session.execute(
            select(AuditRow.action).where(AuditRow.subject == f"letter:{letter['id']}")
        ).scalars()
        assert list(actions) == ["add_letter", "revoke_letter"]
    assert api.svc.audit_verify()["ok"]


def test_viewers_cannot_record_letters_and_bad_letters_name_the_field(api: Api) -> None:
    denied = api.client.post("/v1/letters", json=LETTER, headers=api.headers("viewer"))
    assert denied.status_code == 403
    bad = api.client.post(
        "/v1/letters", json={**LETTER, "basis": "744.99"}, headers=api.headers("analyst")
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["loc"] == "letter.basis"
    place = api.client.post(
        "/v1/letters", json={**LETTER, "destinations": ["Atlantis"]}, headers=api.headers("admin")
    )
    assert place.status_code == 422
    missing = api.client.get("/v1/letters/ltr-0000000000000000", headers=api.headers("viewer"))
    assert missing.status_code == 404


def test_a_replay_sees_the_letters_as_they_stood(sqlite_svc: Services) -> None:
    first = add_letter(sqlite_svc, LETTER, actor="test")
    with sqlite_svc.db.write() as session:
        mark = audit.append(session, actor="test", action="determine", subject="rec-x", payload={})
        cut = mark.seq
    second = add_letter(sqlite_svc, {**LETTER, "reference": "second"}, actor="test")
    revoke_letter(sqlite_svc, first["id"], reason="withdrawn by BIS", actor="test")
    with sqlite_svc.db.read() as session:
        now = [letter.id for letter in letters_for(session)]
        then = [letter.id for letter in letters_for(session, until_seq=cut)]
    assert now == [second["id"]]
    assert then == [first["id"]]


def test_cli_letters_add_list_revoke(sqlite_svc: Services, tmp_path: Any) -> None:
    from chipcontrols.cli.main import app

    file = tmp_path / "letter.yaml"
    file.write_text(json.dumps(LETTER))
    runner = CliRunner()
    added = runner.invoke(app, ["letters", "add", str(file), "--format", "json"])
    assert added.exit_code == 0, added.output
    letter_id = json.loads(added.output)["id"]
    listed = runner.invoke(app, ["letters", "list"])
    assert letter_id in listed.output and "744.23(b)" in listed.output
    revoked = runner.invoke(app, ["letters", "revoke", letter_id, "--reason", "lifted"])
    assert revoked.exit_code == 0, revoked.output
    assert "no letters recorded" in runner.invoke(app, ["letters", "list"]).output
    bad = runner.invoke(app, ["letters", "revoke", letter_id, "--reason", "again"])
    assert bad.exit_code == 2
