"""The REST API: keys and roles on every route, one error shape, limits, injection."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from chipcontrols.storage.models import AuditRow, JudgementRow, RecordRow, TransactionRow, UserRow
from tests.api.conftest import Api
from tests.servicekit import H100, LISTED, transaction

BASE_OPERATIONS = {
    "list_scenarios": "viewer",
    "what_if_scenario": "viewer",
    "run_batch": "analyst",
    "batch_results": "viewer",
    "rescreen_status": "viewer",
    "rescreen": "analyst",
    "list_sources": "viewer",
    "import_list": "admin",
    "list_catalog": "viewer",
    "get_catalog_product": "viewer",
    "coalition_matrix": "viewer",
    "coalition_timeline": "viewer",
    "list_capabilities": "viewer",
    "dashboard": "viewer",
    "list_letters": "viewer",
    "get_letter": "viewer",
    "create_letter": "analyst",
    "revoke_letter": "analyst",
    "health": None,
    "whoami": "viewer",
    "classify": "analyst",
    "screen": "analyst",
    "check_transaction": "analyst",
    "list_records": "viewer",
    "get_record": "viewer",
    "replay_record": "viewer",
    "list_rules": "viewer",
    "diff_rules": "viewer",
    "get_rule": "viewer",
    "list_snapshots": "viewer",
    "get_snapshot": "viewer",
    "review_queue": "viewer",
    "list_judgements": "viewer",
    "create_judgement": "analyst",
    "list_audit": "viewer",
    "verify_audit": "viewer",
    "list_users": "admin",
    "create_user": "admin",
    "create_key": "admin",
    "revoke_key": "admin",
    "list_sessions": "admin",
    "revoke_session": "admin",
}
OPTIONAL_OPERATIONS = {
    "determine": ("determination", "analyst"),
    "assess": ("assessment", "analyst"),
}
ROLES = ("viewer", "analyst", "admin")
SAMPLE_BODIES: dict[str, Any] = {
    "classify": {"item": H100, "as_of": "2024-01-01"},
    "screen": {"parties": [{"name": "Nobody In Particular Ltd", "country": "DE"}]},
    "check_transaction": {"transaction": transaction(parties=[]), "as_of": "2024-06-01"},
    "determine": {"transaction": transaction(parties=[]), "as_of": "2024-06-01"},
    "assess": {"deal": {"kind": "deal"}},
    "create_judgement": {"decision": "cleared", "reason": "r", "hit_id": 999999},
    "create_user": {"name": "someone", "role": "viewer"},
    "create_key": {"user": "admin", "label": "x"},
}


def operations(api: Api) -> dict[str, tuple[str, str]]:
    doc = api.client.get("/v1/openapi.json").json()
    out = {}
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            out[op["operationId"]] = (method.upper(), path)
    return out


def expected_operations(api: Api) -> dict[str, str | None]:
    expected = dict(BASE_OPERATIONS)
    for op_id, (kind, role) in OPTIONAL_OPERATIONS.items():
        if kind in api.svc.operations():
            expected[op_id] = role
    return expected


def call(api: Api, op_id: str, role: str | None) -> Any:
    method, path = operations(api)[op_id]
    path = path.replace("{record_id}", "rec-0000000000000000").replace("{rule_id}", "3A090.a")
    path = path.replace("{snapshot_id}", "bundled").replace("{key_id}", "k000000000000")
    path = path.replace("{letter_id}", "ltr-0000000000000000")
    path = path.replace("{session_id}", "k000000000000")
    params = {"from": "2023-01-01", "to": "2025-01-01"} if op_id == "diff_rules" else None
    body = SAMPLE_BODIES.get(op_id)
    return api.client.request(
        method,
        path,
        params=params,
        json=body if method in ("POST", "PUT", "PATCH") else None,
        headers=api.headers(role),
    )


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "loc", "ctx"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def rows(api: Api) -> dict[str, int]:
    with api.svc.db.read() as s:
        return {
            t.__tablename__: s.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (RecordRow, AuditRow, TransactionRow, JudgementRow, UserRow)
        }


def test_operation_ids_are_stable(api: Api) -> None:
    assert set(operations(api)) == set(expected_operations(api))


def test_every_route_refuses_callers_without_a_valid_key(api: Api) -> None:
    for op_id, role in expected_operations(api).items():
        if role is None:
            continue
        for headers in (
            {},
            {"Authorization": "Bearer cck_k000000000000_nope"},
            {"Authorization": "Basic abc"},
            {"X-API-Key": "wrong"},
        ):
            method, path = operations(api)[op_id]
            response = (
                call(api, op_id, None)
                if not headers
                else api.client.request(
                    method,
                    path.replace("{record_id}", "rec-x")
                    .replace("{rule_id}", "x")
                    .replace("{snapshot_id}", "x")
                    .replace("{key_id}", "x")
                    .replace("{letter_id}", "x")
                    .replace("{session_id}", "x"),
                    headers=headers,
                    json=SAMPLE_BODIES.get(op_id) if method == "POST" else None,
                )
            )
            assert_error(response, 401, "unauthenticated")
            assert response.headers.get("www-authenticate") == "Bearer"


def test_every_route_enforces_its_role(api: Api) -> None:
    for op_id, need in expected_operations(api).items():
        if need is None:
            continue
        for role in ROLES:
            response = call(api, op_id, role)
            if ROLES.index(role) < ROLES.index(need):
                assert_error(response, 403, "forbidden")
            else:
                assert response.status_code not in (401, 403, 500), (op_id, role, response.text)


def test_health_tells_nothing(api: Api) -> None:
    assert api.client.get("/v1/health").json() == {"status": "ok"}


def test_answers_records_replay_and_audit(api: Api) -> None:
    h = api.headers("analyst")
    made = api.client.post("/v1/classify", json={"item": H100, "as_of": "2024-01-01"}, headers=h)
    assert made.status_code == 200, made.text
    record = made.json()
    assert record["kind"] == "classification" and record["as_of"] == "2024-01-01"
    met = [e["entry"] for e in record["result"]["entries"] if e["status"] == "met"]
    assert "3A090.a" in met
    got = api.client.get(f"/v1/records/{record['id']}", headers=api.headers("viewer")).json()
    assert got == record
    replay = api.client.post(
        f"/v1/records/{record['id']}/replay", headers=api.headers("viewer")
    ).json()
    assert replay["matches"] is True
    listed = api.client.get("/v1/records", params={"kind": "classification"}, headers=h).json()
    assert listed["total"] == 1 and listed["records"][0]["id"] == record["id"]
    checked = api.client.post(
        "/v1/check", json={"transaction": transaction(), "as_of": "2024-06-01"}, headers=h
    )
    assert checked.status_code == 200, checked.text
    assert checked.json()["kind"] in ("determination", "check")
    audit = api.client.get("/v1/audit", headers=h).json()["entries"]
    assert {e["subject"] for e in audit} >= {record["id"], checked.json()["id"]}
    verify = api.client.get("/v1/audit/verify", headers=h).json()
    assert verify["ok"] is True
    missing = api.client.get("/v1/records/rec-doesnotexist", headers=h)
    assert_error(missing, 404, "not_found")


def test_screening_review_and_judgements(api: Api) -> None:
    h = api.headers("analyst")
    screened = api.client.post(
        "/v1/screen",
        json={"parties": [{"name": LISTED, "country": "CN"}], "as_of": "2024-01-01"},
        headers=h,
    )
    assert screened.status_code == 200, screened.text
    queue = api.client.get("/v1/review-queue", headers=api.headers("viewer")).json()["hits"]
    assert queue
    hit = queue[0]
    denied = api.client.post(
        "/v1/judgements",
        json={"hit_id": hit["hit_id"], "decision": "cleared", "reason": "x"},
        headers=api.headers("viewer"),
    )
    assert_error(denied, 403)
    made = api.client.post(
        "/v1/judgements",
        json={
            "hit_id": hit["hit_id"],
            "decision": "confirmed",
            "reason": "same registration number",
        },
        headers=h,
    )
    assert made.status_code == 200, made.text
    assert made.json()["author"] == "analyst1"
    after = api.client.get("/v1/review-queue", headers=h).json()["hits"]
    assert hit["hit_id"] not in [x["hit_id"] for x in after]
    listed = api.client.get("/v1/judgements", headers=h).json()["judgements"]
    assert listed[0]["reason"] == "same registration number"
    by_party = api.client.post(
        "/v1/judgements",
        json={
            "party": {"name": LISTED, "country": "CN"},
            "entry_id": "no-such-entry",
            "decision": "cleared",
            "reason": "r",
        },
        headers=h,
    )
    assert_error(by_party, 404)


def test_law_and_lists(api: Api) -> None:
    h = api.headers("viewer")
    rules = api.client.get("/v1/rules", params={"as_of": "2024-01-01"}, headers=h).json()
    assert any(e["entry"] == "3A090.a" for e in rules["entries"])
    diff = api.client.get(
        "/v1/rules/diff", params={"from": "2023-01-01", "to": "2024-01-01"}, headers=h
    ).json()
    assert any(c["id"].startswith("us.ear.ccl.3a090") for c in diff["changes"])
    rule = api.client.get("/v1/rules/3A090.a", params={"as_of": "2024-01-01"}, headers=h).json()
    assert rule["entries"][0]["in_force"]["effective"] == "2023-11-17"
    assert_error(api.client.get("/v1/rules/zz9", headers=h), 404)
    assert_error(
        api.client.get("/v1/rules", params={"as_of": "17/11/2023"}, headers=h), 422, "invalid_input"
    )
    assert_error(api.client.get("/v1/rules", params={"as_of": "2023-02-30"}, headers=h), 422)
    lists = api.client.get("/v1/lists", headers=h).json()
    snap = lists["snapshots"][0]
    page = api.client.get(
        f"/v1/lists/snapshots/{snap['id']}", params={"q": "huawei", "limit": 5}, headers=h
    ).json()
    assert page["matching"] > 0 and len(page["items"]) <= 5


def test_admin_manages_users_and_keys(api: Api) -> None:
    h = api.headers("admin")
    made = api.client.post("/v1/users", json={"name": "carol", "role": "viewer"}, headers=h)
    assert made.status_code == 201
    key = made.json()["api_key"]
    me = api.client.get("/v1/me", headers={"Authorization": f"Bearer {key}"}).json()
    assert (me["user"], me["role"]) == ("carol", "viewer")
    extra = api.client.post("/v1/keys", json={"user": "carol"}, headers=h).json()
    assert api.client.delete(f"/v1/keys/{extra['id']}", headers=h).status_code == 200
    assert_error(
        api.client.get("/v1/me", headers={"Authorization": f"Bearer {extra['api_key']}"}), 401
    )
    users = api.client.get("/v1/users", headers=h).json()
    assert "api_key" not in str(users) and key not in str(users)
    assert_error(
        api.client.post("/v1/users", json={"name": "carol", "role": "viewer"}, headers=h),
        422,
        "conflict",
    )
    assert_error(
        api.client.post("/v1/users", json={"name": "dave", "role": "root"}, headers=h), 422
    )


# ------------------------------------------------------------------ bad input


def test_malformed_oversized_and_mistyped_bodies(api: Api) -> None:
    h = api.headers("admin")
    before = rows(api)
    assert_error(
        api.client.post(
            "/v1/classify", content=b'{"item": ', headers={**h, "content-type": "application/json"}
        ),
        400,
        "malformed_json",
    )
    assert_error(
        api.client.post(
            "/v1/classify", content=b"\xff\xfe", headers={**h, "content-type": "application/json"}
        ),
        400,
        "malformed_json",
    )
    assert_error(
        api.client.post(
            "/v1/classify",
            content=b"item=1",
            headers={**h, "content-type": "application/x-www-form-urlencoded"},
        ),
        415,
        "unsupported_media_type",
    )
    assert_error(
        api.client.post("/v1/classify", content=b"{}", headers={**h, "content-type": "text/plain"}),
        415,
    )
    assert_error(api.client.post("/v1/classify", content=b"{}", headers=h), 415)
    big = b'{"item": {"kind": "integrated_circuit", "name": "' + b"x" * (2 << 20) + b'"}}'
    assert_error(
        api.client.post(
            "/v1/classify", content=big, headers={**h, "content-type": "application/json"}
        ),
        413,
        "payload_too_large",
    )

    def chunks() -> Any:
        yield b'{"item": {"name": "'
        for _ in range(40):
            yield b"y" * 65536
        yield b'"}}'

    streamed = api.client.post(
        "/v1/classify", content=chunks(), headers={**h, "content-type": "application/json"}
    )
    assert_error(streamed, 413, "payload_too_large")
    assert_error(api.client.post("/v1/classify", json=[1, 2], headers=h), 422, "invalid_input")
    assert_error(api.client.post("/v1/classify", json={"item": H100, "extra": 1}, headers=h), 422)
    assert_error(api.client.post("/v1/classify", json={"item": "H100"}, headers=h), 422)
    assert_error(
        api.client.post("/v1/classify", json={"item": {**H100, "tpp": "lots"}}, headers=h), 422
    )
    assert_error(
        api.client.post("/v1/classify", json={"item": H100, "as_of": "1999-01-01"}, headers=h), 422
    )
    assert_error(api.client.post("/v1/screen", json={"parties": []}, headers=h), 422)
    assert_error(
        api.client.post(
            "/v1/screen", json={"parties": [{"name": "x", "country": "China"}]}, headers=h
        ),
        422,
    )
    assert_error(
        api.client.post("/v1/check", json={"transaction": {"items": "many"}}, headers=h), 422
    )
    assert_error(
        api.client.post("/v1/judgements", json={"decision": "cleared", "reason": "r"}, headers=h),
        422,
    )
    assert_error(api.client.get("/v1/records", params={"limit": 100000}, headers=h), 422)
    assert_error(api.client.get("/v1/no-such-route", headers=h), 404, "not_found")
    assert_error(api.client.put("/v1/classify", json={}, headers=h), 405, "method_not_allowed")
    assert rows(api) == before


INJECTIONS = [
    "'; DROP TABLE records; --",
    '" OR 1=1 --',
    "Robert'); DELETE FROM audit_log;--",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}",
    "=cmd|' /C calc'!A0",
    "\x00\x1b[31m",
    "名称 ☃ \u202e",
]


@pytest.mark.parametrize("attack", INJECTIONS)
def test_injection_in_every_text_field(api: Api, attack: str) -> None:
    h = api.headers("admin")
    bodies: list[tuple[str, dict[str, Any]]] = [
        ("/v1/classify", {"item": {**H100, "name": attack}}),
        ("/v1/classify", {"item": {"kind": attack}}),
        ("/v1/classify", {"item": {"product": attack}}),
        ("/v1/classify", {"item": {**H100, attack: 1}}),
        ("/v1/classify", {"item": H100, "as_of": attack}),
        ("/v1/screen", {"parties": [{"name": attack, "country": "CN", "address": attack}]}),
        ("/v1/screen", {"parties": [{"name": "Acme", "country": attack}]}),
        ("/v1/screen", {"parties": [attack]}),
        ("/v1/check", {"transaction": transaction(destination=attack)}),
        (
            "/v1/check",
            {
                "transaction": transaction(
                    parties=[{"role": attack, "name": attack, "country": "CN"}]
                )
            },
        ),
        ("/v1/check", {"transaction": transaction(end_uses=[attack])}),
        (
            "/v1/judgements",
            {
                "party": {"name": attack},
                "entry_id": attack,
                "decision": "cleared",
                "reason": attack,
            },
        ),
        ("/v1/judgements", {"hit_id": 1, "decision": attack, "reason": attack}),
        ("/v1/users", {"name": attack, "role": "viewer"}),
        ("/v1/users", {"name": "eve", "role": attack}),
        ("/v1/keys", {"user": attack, "label": attack}),
    ]
    for path, body in bodies:
        response = api.client.post(path, json=body, headers=h)
        assert response.status_code < 500, (path, body, response.text)
        if response.status_code >= 400:
            assert_error(response, response.status_code)
    for path, params in (
        ("/v1/rules", {"as_of": attack}),
        ("/v1/rules", {"jurisdiction": attack[:8]}),
        ("/v1/records", {"kind": attack[:24]}),
        ("/v1/audit", {"subject": attack}),
        ("/v1/lists/snapshots/bundled", {"q": attack}),
    ):
        response = api.client.get(path, params=params, headers=h)
        assert response.status_code < 500, (path, response.text)
    segment = quote(attack, safe="")
    for path in (
        f"/v1/records/{segment}",
        f"/v1/rules/{segment}",
        f"/v1/lists/snapshots/{segment}",
    ):
        response = api.client.get(path, headers=h)
        assert response.status_code in (200, 404, 422), (path, response.text)
    with api.svc.db.read() as s:
        assert s.execute(select(func.count()).select_from(RecordRow)).scalar_one() >= 0
    assert api.svc.audit_verify()["ok"]
