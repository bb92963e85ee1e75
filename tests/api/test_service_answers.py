"""Issue 16, on SQLite and PostgreSQL: an answer is computed outside the writing transaction
(so that others are stored meanwhile) and stored with what it used; a judgement recorded
while it was computed makes the service compute it again under the audit lock, so the
record reflects every judgement logged before its own entry, and its replay matches."""

from __future__ import annotations

from typing import Any

import pytest

from chipcontrols.app_services import Services
from tests.servicekit import LISTED, backend, pg_schema, svc

__all__ = ["backend", "pg_schema", "svc"]

PARTY = {"parties": [{"name": LISTED, "country": "CN"}]}


def _judgements(record: dict[str, Any]) -> list[Any]:
    return [h.get("judgement") for r in record["result"]["results"] for h in r["hits"]]


def test_an_answer_is_computed_once_and_replays(
    svc: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    original = Services._compute

    def compute(self: Services, *args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Services, "_compute", compute)
    record = svc.run("screening", PARTY, as_of="2024-06-01", actor="test")
    assert len(calls) == 1
    assert svc.replay(record["id"])["matches"]
    assert svc.review_queue()["hits"], "the screening's hits are stored with the record"


def test_a_judgement_made_meanwhile_is_in_the_answer(
    svc: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc.run("screening", PARTY, as_of="2024-06-01", actor="test")
    hit = svc.review_queue()["hits"][0]
    admin = svc.authenticate(svc.admin_key)  # type: ignore[attr-defined]
    calls: list[object] = []
    original = Services._compute

    def compute(self: Services, *args: Any, **kwargs: Any) -> Any:
        out = original(self, *args, **kwargs)
        if not calls:  # another analyst clears the hit before this answer is stored
            svc.judge_hit(hit["hit_id"], decision="cleared", reason="another firm", principal=admin)
        calls.append(args)
        return out

    monkeypatch.setattr(Services, "_compute", compute)
    record = svc.run("screening", PARTY, as_of="2024-06-01", actor="test")
    assert len(calls) == 2  # computed again under the lock
    cleared = [j for j in _judgements(record) if j and j.get("decision") == "cleared"]
    assert cleared, _judgements(record)
    replay = svc.replay(record["id"])
    assert replay["matches"], replay["differences"]
    report = svc.audit_verify()
    assert report["ok"], report["problems"]
