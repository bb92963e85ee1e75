"""Storage on SQLite and PostgreSQL: schema, records, the audit chain and its tampering."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, func, select, text, update

from chipcontrols.access import AuthError, Principal
from chipcontrols.app_services import Services
from chipcontrols.errors import ChipControlsError, InputError
from chipcontrols.storage.models import (
    ApiKeyRow,
    AuditHeadRow,
    AuditRow,
    Base,
    JudgementRow,
    RecordRow,
    TransactionRow,
)
from tests.servicekit import H100, LISTED, transaction


def admin(svc: Services) -> Principal:
    return svc.authenticate(svc.admin_key)  # type: ignore[attr-defined]


def counts(svc: Services) -> dict[str, int]:
    with svc.db.read() as s:
        return {
            t.__tablename__: s.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (RecordRow, AuditRow, TransactionRow, JudgementRow)
        }


def problems(svc: Services) -> list[str]:
    return [p["kind"] for p in svc.audit_verify()["problems"]]


def test_migrations_build_the_schema_of_the_models(svc: Services) -> None:
    with svc.db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []
    assert svc.db.revision() == svc.db.head_revision()
    assert svc.db.migrate() == svc.db.head_revision()  # a second run changes nothing


def test_first_start_creates_one_admin_and_only_then(svc: Services) -> None:
    key = svc.admin_key  # type: ignore[attr-defined]
    assert key.startswith("cck_")
    assert svc.start() is None
    assert admin(svc).role == "admin"
    with svc.db.read() as s:
        stored = s.execute(select(ApiKeyRow.secret_sha256)).scalars().all()
    assert key not in stored and all(len(h) == 64 for h in stored)


def test_every_answer_is_recorded_audited_and_replays(svc: Services) -> None:
    made = [
        svc.run("classification", {"item": H100}, as_of="2024-01-01", actor="user:a"),
        svc.run(
            "screening",
            {"parties": [{"name": LISTED, "country": "CN"}]},
            as_of="2024-01-01",
            actor="user:a",
        ),
        svc.run("check", {"transaction": transaction()}, as_of="2024-06-01", actor="user:a"),
    ]
    if "determination" in svc.operations():
        made.append(svc.check(transaction(), as_of="2024-06-01", actor="user:a"))
    for record in made:
        stored = svc.record(record["id"])
        assert stored == record
        assert stored["audit_seq"] is not None
        report = svc.replay(record["id"])
        assert report["matches"], report["differences"]
    screening = made[1]["result"]
    assert screening["results"][0]["match"] is True
    assert made[1]["list_snapshots"] == [s["id"] for s in screening["list_snapshots"]]
    verdict = svc.audit_verify()
    assert verdict["ok"], verdict["problems"]
    assert verdict["records_checked"] == len(made)
    entries = svc.audit_entries(limit=100)["entries"]
    assert {e["action"] for e in entries} >= {"classify", "screen", "check"}


def test_bad_input_stores_nothing(svc: Services) -> None:
    before = counts(svc)
    bad: list[tuple[str, Any]] = [
        ("classification", {"item": {"kind": "integrated_circuit", "tpp": -5}}),
        ("classification", {"item": {"kind": "no_such_kind"}}),
        ("screening", {"parties": [{"name": "   "}]}),
        ("check", {"transaction": {"items": []}}),
        ("check", {"transaction": transaction(parties=[{"name": "x", "country": "China"}])}),
    ]
    for kind, payload in bad:
        with pytest.raises(InputError):
            svc.run(kind, payload, as_of="2024-01-01", actor="user:a")
    with pytest.raises(InputError):
        svc.run("classification", {"item": H100}, as_of="1999-01-01", actor="user:a")
    assert counts(svc) == before
    assert svc.audit_verify()["ok"]


def _judge_first_hit(svc: Services) -> dict[str, Any]:
    svc.run(
        "screening",
        {"parties": [{"name": LISTED, "country": "CN"}]},
        as_of="2024-01-01",
        actor="user:a",
    )
    queue = svc.review_queue()["hits"]
    assert queue, "a listed name must produce a hit to review"
    return svc.judge_hit(
        queue[0]["hit_id"], decision="confirmed", reason="same company", principal=admin(svc)
    )


def test_judgements_leave_the_queue_and_do_not_change_old_answers(svc: Services) -> None:
    first = svc.run(
        "screening",
        {"parties": [{"name": LISTED, "country": "CN"}]},
        as_of="2024-01-01",
        actor="user:a",
    )
    hits = svc.review_queue()["hits"]
    judgement = svc.judge_hit(
        hits[0]["hit_id"], decision="cleared", reason="different entity", principal=admin(svc)
    )
    assert judgement["decision"] == "cleared" and judgement["author"] == "admin"
    assert all(h["entry_id"] != judgement["entry_id"] for h in svc.review_queue()["hits"])
    # the first answer was made before the judgement: its replay still shows none
    assert svc.replay(first["id"])["matches"]
    later = svc.run(
        "screening",
        {"parties": [{"name": LISTED, "country": "CN"}]},
        as_of="2024-01-01",
        actor="user:a",
    )
    shown = [
        h["judgement"]
        for h in later["result"]["results"][0]["hits"]
        if h["entry_id"] == judgement["entry_id"]
    ]
    assert shown and shown[0]["decision"] == "cleared"
    assert svc.replay(later["id"])["matches"]
    with pytest.raises(InputError):
        svc.judge_hit(hits[0]["hit_id"], decision="maybe", reason="x", principal=admin(svc))
    with pytest.raises(InputError):
        svc.judge_hit(hits[0]["hit_id"], decision="cleared", reason="  ", principal=admin(svc))
    assert svc.audit_verify()["ok"]


# ------------------------------------------------------------------ tampering


@pytest.fixture
def logged(svc: Services) -> Services:
    svc.run("classification", {"item": H100}, as_of="2024-01-01", actor="user:a")
    _judge_first_hit(svc)
    svc.run("classification", {"item": {**H100, "tpp": 1000}}, as_of="2024-01-01", actor="user:a")
    assert svc.audit_verify()["ok"]
    return svc


def _seqs(svc: Services) -> list[int]:
    with svc.db.read() as s:
        return list(s.execute(select(AuditRow.seq).order_by(AuditRow.seq)).scalars())


def test_verify_catches_an_edited_entry(logged: Services) -> None:
    seq = _seqs(logged)[2]
    with logged.db.write() as s:
        s.execute(update(AuditRow).where(AuditRow.seq == seq).values(actor="user:someone-else"))
    assert "edited" in problems(logged)


def test_verify_catches_an_edited_entry_with_its_hash_recomputed(logged: Services) -> None:
    from chipcontrols.storage.audit import entry_hash

    seq = _seqs(logged)[2]
    with logged.db.write() as s:
        row = s.get(AuditRow, seq)
        assert row is not None
        row.payload = row.payload.replace('"kind"', '"kind_"')
        row.hash = entry_hash(
            row.seq, row.at, row.actor, row.action, row.subject, row.payload, row.prev_hash
        )
    found = problems(logged)
    assert "edited" not in found and "broken_link" in found


def test_verify_catches_a_deleted_entry(logged: Services) -> None:
    seq = _seqs(logged)[3]
    with logged.db.write() as s:
        s.execute(delete(AuditRow).where(AuditRow.seq == seq))
    assert "missing" in problems(logged)


def test_verify_catches_reordered_entries(logged: Services) -> None:
    a, b = _seqs(logged)[2:4]
    with logged.db.write() as s:
        s.execute(update(AuditRow).where(AuditRow.seq == a).values(seq=-1))
        s.execute(update(AuditRow).where(AuditRow.seq == b).values(seq=a))
        s.execute(update(AuditRow).where(AuditRow.seq == -1).values(seq=b))
    found = problems(logged)
    assert "edited" in found and ("reordered" in found or "broken_link" in found)


def test_verify_catches_a_deleted_tail(logged: Services) -> None:
    last = _seqs(logged)[-1]
    with logged.db.write() as s:
        s.execute(delete(AuditRow).where(AuditRow.seq == last))
    assert "truncated" in problems(logged)


def test_verify_checks_a_published_head(logged: Services) -> None:
    head = logged.audit_verify()["head"]["hash"]
    assert logged.audit_verify(expect_head=head)["ok"]
    # an attacker who deletes the tail and rewinds the head is caught by the published head
    last = _seqs(logged)[-1]
    with logged.db.write() as s:
        prev = s.get(AuditRow, last)
        assert prev is not None
        s.execute(delete(AuditRow).where(AuditRow.seq == last))
        s.execute(update(AuditHeadRow).values(seq=last - 1, hash=prev.prev_hash))
    assert logged.audit_verify()["ok"] is False  # the record the entry described is unlogged
    assert "head_mismatch" in [p["kind"] for p in logged.audit_verify(expect_head=head)["problems"]]


def test_verify_catches_an_edited_record_and_judgement(logged: Services) -> None:
    with logged.db.write() as s:
        rec = (
            s.execute(select(RecordRow).where(RecordRow.kind == "classification")).scalars().first()
        )
        assert rec is not None
        rec.result = rec.result.replace('"met"', '"not_met"')
    assert "record_edited" in problems(logged)


def test_verify_catches_an_edited_judgement(logged: Services) -> None:
    with logged.db.write() as s:
        s.execute(update(JudgementRow).values(decision="cleared"))
    assert "judgement_edited" in problems(logged)


def test_verify_catches_a_deleted_record(logged: Services) -> None:
    with logged.db.write() as s:
        rec = (
            s.execute(select(RecordRow).where(RecordRow.kind == "classification")).scalars().first()
        )
        assert rec is not None
        s.execute(text("DELETE FROM records WHERE id = :id"), {"id": rec.id})
    assert "subject_deleted" in problems(logged)


def test_concurrent_writers_keep_one_chain(svc: Services) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(4):
                svc.run(
                    "classification",
                    {"item": {**H100, "tpp": 1000 + 10 * n + i}},
                    as_of="2024-01-01",
                    actor=f"user:w{n}",
                )
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    report = svc.audit_verify()
    assert report["ok"], report["problems"]
    assert report["records_checked"] == 16
    seqs = _seqs(svc)
    assert seqs == list(range(1, len(seqs) + 1))


# ------------------------------------------------------------------ users and keys


def test_keys_authenticate_until_revoked(svc: Services) -> None:
    made = svc.create_user("ana", "analyst", actor="user:admin")
    who = svc.authenticate(made["api_key"])
    assert (who.name, who.role) == ("ana", "analyst")
    extra = svc.create_key("ana", label="batch job", actor="user:admin")
    assert svc.authenticate(extra["api_key"]).key_id == extra["id"]
    svc.revoke_key(extra["id"], actor="user:admin")
    for bad in (extra["api_key"], made["api_key"] + "x", "cck_nothing_here", "", "Bearer x"):
        with pytest.raises(AuthError):
            svc.authenticate(bad)
    assert svc.authenticate(made["api_key"]).name == "ana"
    with pytest.raises(ChipControlsError):
        svc.create_user("ana", "viewer", actor="user:admin")
    with pytest.raises(InputError):
        svc.create_user("robert'); DROP TABLE users;--", "viewer", actor="user:admin")
    assert svc.audit_verify()["ok"]
