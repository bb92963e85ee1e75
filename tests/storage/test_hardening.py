"""Issue 16 on SQLite and PostgreSQL: every table a decision depends on is covered by the
audit chain or a verified hash; revocation ends sessions; published heads; hostile values
refused before the database sees them; the web page verifies incrementally."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from chipcontrols.access import AuthError
from chipcontrols.app_services import Services
from chipcontrols.app_services.letters import add_letter, revoke_letter
from chipcontrols.batch import run_batch
from chipcontrols.cli.main import app
from chipcontrols.errors import InputError
from chipcontrols.storage.models import (
    ApiKeyRow,
    AuditRow,
    BatchRowRow,
    BatchRunRow,
    CompanyLetterRow,
    HitRow,
    ListSnapshotRow,
    RulebookArchive,
    TransactionRow,
    UserRow,
)
from tests.servicekit import H100, LISTED, transaction

runner = CliRunner()

LETTER: dict[str, Any] = {
    "exporters": ["Example Chips Inc."],
    "products": ["XC-900"],
    "destinations": ["D:5"],
    "basis": "744.23(b)",
    "effective": "2024-01-10",
    "reference": "BIS letter of 2024-01-10",
}


@pytest.fixture
def full(svc: Services, tmp_path: Path) -> Services:
    """A database with a row in every table a decision depends on."""
    svc.create_user("ana", "analyst", actor="test")
    key = svc.create_key("ana", label="laptop", actor="test")
    svc.sign_in(key["api_key"])
    other = svc.create_key("ana", label="old", actor="test")
    svc.revoke_key(other["id"], actor="test")
    svc.run(
        "screening",
        {"parties": [{"name": LISTED, "country": "CN"}]},
        as_of="2024-01-01",
        actor="user:ana",
    )
    svc.check(transaction(), as_of="2024-06-01", actor="user:ana")
    letter = add_letter(svc, LETTER, actor="user:ana")
    second = add_letter(svc, {**LETTER, "reference": "another"}, actor="user:ana")
    revoke_letter(svc, second["id"], reason="lifted", actor="user:ana")
    assert letter
    csv = tmp_path / "orders.csv"
    csv.write_text(
        "kind,name,tpp,die_area_mm2,datacenter,export_from,destination\n"
        "integrated_circuit,a,5000,800,true,US,CN\nintegrated_circuit,b,x,800,true,US,CN\n",
        encoding="utf-8",
    )
    run_batch(svc, csv, as_of="2024-06-01", actor="test")
    report = svc.audit_verify()
    assert report["ok"], report["problems"]
    assert {
        "users",
        "keys",
        "hits",
        "transactions",
        "letters",
        "batch_runs",
        "batch_lines",
        "rulebooks",
        "list_snapshots",
    } <= set(report["checked"]), report["checked"]
    return svc


def _first(session: Session, model: Any, *where: Any) -> Any:
    row = session.execute(select(model).where(*where)).scalars().first()
    assert row is not None, model
    return row


def _set(attr: str, value: Any) -> Callable[[Any], None]:
    def apply(row: Any) -> None:
        setattr(row, attr, value)

    return apply


def _doc(row: Any) -> None:
    doc = json.loads(row.document)
    doc["edited"] = True
    row.document = json.dumps(doc)


def _entry(row: Any) -> None:
    doc = json.loads(row.document)
    doc["entries"][0]["name"] = "Someone Else Entirely"
    row.document = json.dumps(doc)


EDITS: dict[str, tuple[Any, tuple[Any, ...], Callable[[Any], None], str]] = {
    "user_role": (UserRow, (UserRow.name == "ana",), _set("role", "admin"), "user_edited"),
    "user_disabled_cleared": (
        UserRow,
        (UserRow.name == "ana",),
        _set("disabled", True),
        "user_edited",
    ),
    "key_unrevoked": (
        ApiKeyRow,
        (ApiKeyRow.label == "old",),
        _set("revoked_at", None),
        "key_unrevoked",
    ),
    "key_secret_swapped": (
        ApiKeyRow,
        (ApiKeyRow.label == "laptop",),
        _set("secret_sha256", "0" * 64),
        "key_edited",
    ),
    "key_given_to_another_user": (
        ApiKeyRow,
        (ApiKeyRow.label == "laptop",),
        _set("user_id", 1),
        "key_edited",
    ),
    "session_extended": (
        ApiKeyRow,
        (ApiKeyRow.kind == "session",),
        _set("expires_at", "2999-01-01T00:00:00Z"),
        "key_edited",
    ),
    "hit_score": (HitRow, (), _set("score", 0.01), "hits_edited"),
    "hit_entry": (HitRow, (), _set("entry_hash", "f" * 64), "hits_edited"),
    "transaction_document": (TransactionRow, (), _doc, "transaction_edited"),
    "batch_line_output": (
        BatchRowRow,
        (),
        _set("output", '{"line":1,"status":"ok","summary":"fine"}'),
        "batch_edited",
    ),
    "batch_options": (
        BatchRunRow,
        (),
        _set("options", '{"as_of_used":"2020-01-01"}'),
        "batch_edited",
    ),
    "letter_document": (CompanyLetterRow, (), _doc, "letter_edited"),
    "letter_unrevoked": (
        CompanyLetterRow,
        (CompanyLetterRow.revoked_at.is_not(None),),
        _set("revoked_at", None),
        "letter_edited",
    ),
    "snapshot_document": (ListSnapshotRow, (), _entry, "snapshot_edited"),
    "archived_law": (
        RulebookArchive,
        (),
        lambda r: setattr(r, "files", json.dumps({"x.yaml": "a: 1"})),
        "law_edited",
    ),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_an_edit_outside_the_log_is_caught(full: Services, name: str) -> None:
    model, where, edit, kind = EDITS[name]
    with full.db.write() as s:
        edit(_first(s, model, *where))
    found = [p["kind"] for p in full.audit_verify()["problems"]]
    assert kind in found, found


def test_deleted_rows_are_caught(full: Services) -> None:
    with full.db.write() as s:
        s.delete(_first(s, HitRow))
        s.delete(_first(s, BatchRowRow))
    found = [p["kind"] for p in full.audit_verify()["problems"]]
    assert "hits_edited" in found and "subject_deleted" in found


# ---------------------------------------------------------------- 1. sessions


def test_revoking_a_key_ends_its_sessions(svc: Services) -> None:
    svc.create_user("ben", "viewer", actor="test")
    key = svc.create_key("ben", label="k", actor="test")
    _, token = svc.sign_in(key["api_key"])
    _, token2 = svc.sign_in(token)  # a session opened from a session belongs to the key too
    assert svc.authenticate(token).kind == "session"
    sessions = svc.sessions()["sessions"]
    assert {s["key_id"] for s in sessions} == {key["id"]} and len(sessions) == 2
    svc.revoke_key(key["id"], actor="test")
    for t in (token, token2):
        with pytest.raises(AuthError):
            svc.authenticate(t)
    assert svc.sessions()["sessions"] == []
    assert len(svc.sessions(active_only=False)["sessions"]) == 2
    assert svc.audit_verify()["ok"]
    # a session of a disabled key's user is refused even if its own row is untouched
    key2 = svc.create_key("ben", label="k2", actor="test")
    _, token3 = svc.sign_in(key2["api_key"])
    with svc.db.write() as s:
        s.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.id == key2["id"])
            .values(revoked_at="2020-01-01T00:00:00.000000Z")
        )
    with pytest.raises(AuthError):
        svc.authenticate(token3)


# ---------------------------------------------------------------- 2. published heads


def test_audit_verify_accepts_earlier_heads_and_refuses_malformed_ones(
    svc: Services, backend: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend:
        monkeypatch.setenv("CHIPCONTROLS_DATABASE_URL", backend)
    else:
        monkeypatch.delenv("CHIPCONTROLS_DATABASE_URL", raising=False)
    first = svc.audit_verify()["head"]["hash"]
    svc.run("classification", {"item": H100}, as_of="2024-01-01", actor="user:a")
    assert runner.invoke(app, ["audit", "verify", "--expect-head", first]).exit_code == 0
    for bad in ("abc", "z" * 64, first[:-1]):
        result = runner.invoke(app, ["audit", "verify", "--expect-head", bad])
        assert result.exit_code == 2, result.output
        assert "TAMPERED" not in result.output and result.output.startswith("error[")
    unknown = runner.invoke(app, ["audit", "verify", "--expect-head", "ab" * 32])
    assert unknown.exit_code == 1 and "head_mismatch" in unknown.output


# ---------------------------------------------------------------- 3. hostile values


def test_hostile_values_never_reach_the_database(svc: Services) -> None:
    for party in ("Acme\x00 Ltd", "Acme \ud800"):
        with pytest.raises(InputError):
            svc.run("screening", {"parties": [{"name": party}]}, as_of="2024-01-01", actor="a")
        with pytest.raises(InputError):
            svc.check(
                transaction(parties=[{"role": "end_user", "name": party, "country": "CN"}]),
                as_of="2024-06-01",
                actor="a",
            )
    for item in ({**H100, "tpp": float("nan")}, {**H100, "tpp": 10**30}):
        with pytest.raises(InputError):
            svc.run("classification", {"item": item}, as_of="2024-01-01", actor="a")
    principal = svc.authenticate(svc.admin_key)  # type: ignore[attr-defined]
    for hit_id in (2**31, 2**63, 2**70):
        with pytest.raises(InputError):
            svc.judge_hit(hit_id, decision="cleared", reason="r", principal=principal)
    assert svc.records()["total"] == 0
    assert svc.audit_entries(before=2**31 - 1)["entries"]


# ---------------------------------------------------------------- 11. incremental page


def test_the_page_verifies_incrementally(svc: Services) -> None:
    first = svc.audit_verify_recent()
    assert first["ok"] and "incremental" not in first  # the first view verifies everything
    svc.run("classification", {"item": H100}, as_of="2024-01-01", actor="user:a")
    later = svc.audit_verify_recent()
    assert later["ok"] and later["incremental"]["after_seq"] == first["head"]["seq"]
    assert later["head"]["seq"] > first["head"]["seq"]
    # an edit of an entry after the checkpoint is caught by the next view
    svc.run("classification", {"item": H100}, as_of="2024-01-01", actor="user:b")
    with svc.db.write() as s:
        s.execute(
            update(AuditRow)
            .where(AuditRow.seq == later["head"]["seq"] + 1)
            .values(actor="user:mallory")
        )
    assert not svc.audit_verify_recent()["ok"]
    # undone, a full verification passes and sets the checkpoint again
    with svc.db.write() as s:
        s.execute(
            update(AuditRow).where(AuditRow.seq == later["head"]["seq"] + 1).values(actor="user:b")
        )
    assert svc.audit_verify()["ok"]
    assert svc.audit_verify_recent()["incremental"]
