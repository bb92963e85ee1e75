"""Issue 16: revocation that revokes, no 500s on hostile values, the transaction's own date,
jurisdiction codes that exist."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.test_api import assert_error
from tests.servicekit import H100, transaction

HTML = {"accept": "text/html"}


def _session(api: Api, key: str) -> str:
    response = api.client.post(
        "/login", json={"api_key": key}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200, response.text
    cookie = response.cookies.get("chipcontrols_session")
    assert cookie
    api.client.cookies.clear()
    return str(cookie)


# ---------------------------------------------------------------- 1. revocation


def test_revoking_a_key_ends_its_sessions_at_once(api: Api) -> None:
    created = api.client.post(
        "/v1/keys", json={"user": "analyst1", "label": "laptop"}, headers=api.headers("admin")
    ).json()
    token = _session(api, created["api_key"])
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/v1/me", headers=bearer).status_code == 200
    page = api.client.get("/records", headers=HTML, cookies={"chipcontrols_session": token})
    assert page.status_code == 200

    listed = api.client.get("/v1/sessions", headers=api.headers("admin")).json()["sessions"]
    mine = [s for s in listed if s["key_id"] == created["id"]]
    assert len(mine) == 1 and mine[0]["user"] == "analyst1" and mine[0]["revoked_at"] is None
    assert "api_key" not in mine[0] and all("secret" not in k for k in mine[0])

    revoked = api.client.delete(f"/v1/keys/{created['id']}", headers=api.headers("admin"))
    assert revoked.status_code == 200
    assert_error(api.client.get("/v1/me", headers=bearer), 401, "unauthenticated")
    page = api.client.get(
        "/records",
        headers=HTML,
        cookies={"chipcontrols_session": token},
        follow_redirects=False,
    )
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    active = api.client.get("/v1/sessions", headers=api.headers("admin")).json()["sessions"]
    assert all(s["key_id"] != created["id"] for s in active)
    ended = api.client.get(
        "/v1/sessions", params={"include_ended": "true"}, headers=api.headers("admin")
    ).json()["sessions"]
    assert any(s["id"] == mine[0]["id"] and s["revoked_at"] for s in ended)
    # every ending is in the audit log, and the chain verifies
    entries = api.client.get(
        "/v1/audit", params={"subject": f"key:{mine[0]['id']}"}, headers=api.headers("admin")
    ).json()["entries"]
    assert [e["action"] for e in entries] == ["sign_out", "sign_in"]
    assert api.svc.audit_verify()["ok"]


def test_an_admin_ends_one_session(api: Api) -> None:
    token = _session(api, api.keys["viewer"])
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/v1/me", headers=bearer).status_code == 200
    sessions = api.client.get("/v1/sessions", headers=api.headers("admin")).json()["sessions"]
    (target,) = [s for s in sessions if s["user"] == "viewer1"]
    # a session id is not a key id: DELETE /v1/sessions refuses API keys
    keys = api.client.get("/v1/users", headers=api.headers("admin")).json()["keys"]
    assert_error(
        api.client.delete(f"/v1/sessions/{keys[0]['id']}", headers=api.headers("admin")),
        404,
        "not_found",
    )
    assert (
        api.client.delete(f"/v1/sessions/{target['id']}", headers=api.headers("admin")).status_code
        == 200
    )
    assert_error(api.client.get("/v1/me", headers=bearer), 401, "unauthenticated")
    # the key it was opened with still works
    assert api.client.get("/v1/me", headers=api.headers("viewer")).status_code == 200


# ---------------------------------------------------------------- 3 and 8. no 500s

BIG = 2**64 + 1


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("GET", "/v1/records", {"offset": str(BIG)}),
        ("GET", "/v1/records", {"offset": str(2**40)}),
        ("GET", "/v1/audit", {"before": str(BIG)}),
        ("GET", "/v1/audit", {"before": str(2**40)}),
        ("GET", "/v1/lists/snapshots/bundled", {"offset": str(BIG)}),
        ("GET", "/v1/records", {"kind": "a\x00b"}),
        ("GET", "/v1/audit", {"subject": "x\x00"}),
    ],
)
def test_huge_integers_and_nul_in_queries_are_4xx(
    api: Api, method: str, path: str, params: dict[str, str]
) -> None:
    response = api.client.request(method, path, params=params, headers=api.headers("admin"))
    assert_error(response, 422, "invalid_input")


def test_huge_ids_in_bodies_and_web_paths_are_4xx(api: Api) -> None:
    for hit_id in (BIG, 2**40, 2**31):
        assert_error(
            api.client.post(
                "/v1/judgements",
                json={"decision": "cleared", "reason": "r", "hit_id": hit_id},
                headers=api.headers("analyst"),
            ),
            422,
            "invalid_input",
        )
    for path in (f"/records?offset={BIG}", f"/audit?before={BIG}", "/records?offset=x"):
        response = api.client.get(path + "&format=json", headers=api.headers("admin"))
        assert_error(response, 422, "invalid_input")
    review = api.client.post(
        f"/review/{BIG}",
        json={"decision": "cleared", "reason": "r"},
        headers=api.headers("analyst"),
    )
    assert_error(review, 422, "invalid_input")
    assert_error(
        api.client.get(
            "/records/rec-%00x", params={"format": "json"}, headers=api.headers("admin")
        ),
        422,
    )


def _raw(api: Api, path: str, text: str, role: str = "analyst") -> Any:
    return api.client.post(
        path,
        content=text.encode("utf-8", "surrogatepass"),
        headers={**api.headers(role), "content-type": "application/json"},
    )


def _txn_text(item_extra: str = "", line_extra: str = "", party_name: str = '"Acme"') -> str:
    return (
        '{"as_of": "2024-06-01", "transaction": {"kind": "transaction", "export_from": "US", '
        '"destination": "DE", "items": [{"item": {"kind": "integrated_circuit", '
        f'"name": "x"{item_extra}}}, "made_in": "US"{line_extra}}}], '
        f'"parties": [{{"role": "end_user", "name": {party_name}, "country": "DE"}}]}}}}'
    )


@pytest.mark.parametrize(
    "text",
    [
        _txn_text(item_extra=', "tpp": 1e999'),
        _txn_text(item_extra=', "tpp": -1e999'),
        _txn_text(item_extra=', "tpp": NaN'),
        _txn_text(item_extra=', "tpp": Infinity'),
        _txn_text(item_extra=', "tops": ' + "9" * 400),
        _txn_text(item_extra=f', "tpp": {BIG}'),
        _txn_text(line_extra=', "quantity": NaN'),
        _txn_text(line_extra=', "quantity": 1e400'),
        _txn_text(line_extra=f', "quantity": {BIG}'),
        _txn_text(line_extra=', "us_content_pct": NaN'),
        _txn_text(line_extra=', "us_content_pct": 1e999'),
        _txn_text(party_name='"Acme \\ud800 Ltd"'),
        _txn_text(party_name='"Acme \\udfff"'),
        _txn_text(party_name='"Acme\\u0000 Ltd"'),
        _txn_text(party_name='"' + "A" * 5000 + '"'),
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_hostile_numbers_and_names_are_4xx(api: Api, text: str) -> None:
    for path in ("/v1/check", "/v1/determine"):
        if path == "/v1/determine" and "determination" not in api.svc.operations():
            continue
        response = _raw(api, path, text)
        assert 400 <= response.status_code < 500, response.text
        assert_error(response, response.status_code)
    # nothing was recorded
    assert api.svc.records()["total"] == 0


def test_hostile_values_in_screening_and_classify_are_4xx(api: Api) -> None:
    for path, text in (
        ("/v1/screen", '{"parties": [{"name": "A\\ud800", "country": "DE"}]}'),
        ("/v1/screen", '{"parties": [{"name": "A\\u0000B", "country": "DE"}]}'),
        ("/v1/classify", '{"item": {"kind": "integrated_circuit", "tpp": NaN}}'),
        ("/v1/classify", '{"item": {"kind": "integrated_circuit", "tpp": 1e999}}'),
        ("/v1/users", '{"name": "x\\ud800", "role": "viewer"}'),
    ):
        response = _raw(api, path, text, role="admin")
        assert_error(response, 422, "invalid_input")


# ---------------------------------------------------------------- 2. published heads


def test_any_published_head_still_in_the_chain_verifies(api: Api) -> None:
    first = api.svc.audit_verify()["head"]["hash"]
    api.client.post("/v1/classify", json={"item": H100}, headers=api.headers("analyst"))
    later = api.svc.audit_verify()
    assert later["head"]["hash"] != first
    verified = api.client.get(
        "/v1/audit/verify", params={"expect_head": first}, headers=api.headers("viewer")
    ).json()
    assert verified["ok"], verified
    assert api.svc.audit_verify(expect_head=first.upper())["ok"]
    unknown = api.svc.audit_verify(expect_head="ab" * 32)
    assert [p["kind"] for p in unknown["problems"]] == ["head_mismatch"]
    assert_error(
        api.client.get(
            "/v1/audit/verify", params={"expect_head": "nothex"}, headers=api.headers("viewer")
        ),
        422,
        "invalid_input",
    )


# ---------------------------------------------------------------- 5. jurisdictions


def test_unknown_jurisdictions_are_errors_naming_the_valid_ones(api: Api) -> None:
    for code in ("USA", "ZZ"):
        error = assert_error(
            api.client.get(
                "/v1/rules", params={"jurisdiction": code}, headers=api.headers("viewer")
            ),
            422,
            "invalid_input",
        )
        assert "US" in error["message"] and "GB" in error["message"]
    uk = api.client.get(
        "/v1/rules",
        params={"jurisdiction": "UK", "as_of": "2024-06-01"},
        headers=api.headers("viewer"),
    )
    assert uk.status_code == 200
    assert {e["jurisdiction"] for e in uk.json()["entries"]} <= {"GB"}


# ---------------------------------------------------------------- 6. the transaction's date


def test_the_transactions_own_date_is_used_and_checked(api: Api) -> None:
    txn = transaction(parties=[], date="2023-06-01")
    record = api.client.post(
        "/v1/check", json={"transaction": txn}, headers=api.headers("analyst")
    ).json()
    assert record["as_of"] == "2023-06-01"
    given = api.client.post(
        "/v1/check",
        json={"transaction": txn, "as_of": "2024-06-01"},
        headers=api.headers("analyst"),
    ).json()
    assert given["as_of"] == "2024-06-01"  # an explicit as_of wins, as on the CLI
    for bad in ("2023-13-45", "2023-02-30", "yesterday"):
        error = assert_error(
            api.client.post(
                "/v1/check",
                json={"transaction": transaction(parties=[], date=bad)},
                headers=api.headers("analyst"),
            ),
            422,
            "invalid_input",
        )
        assert error["loc"] == "transaction.date"
    assert_error(
        api.client.post(
            "/v1/check",
            json={"transaction": transaction(parties=[]), "as_of": "2023-02-30"},
            headers=api.headers("analyst"),
        ),
        422,
        "invalid_input",
    )


def test_error_bodies_never_echo_a_hostile_value_whole(api: Api) -> None:
    response = _raw(api, "/v1/check", _txn_text(party_name='"' + "B" * 50_000 + '"'))
    assert response.status_code == 422
    assert len(json.dumps(response.json())) < 2000


# ---------------------------------------------------------------- 11. the web's defences


def test_security_headers(api: Api) -> None:
    login = api.client.get("/login", headers=HTML)
    assert login.status_code == 200
    csp = login.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert login.headers["x-frame-options"] == "DENY"
    assert login.headers["x-content-type-options"] == "nosniff"
    assert login.headers["cache-control"] == "no-store"
    api.client.cookies.clear()
    token = _session(api, api.keys["viewer"])
    for path in ("/", "/records", "/audit", "/rules"):
        page = api.client.get(path, headers=HTML, cookies={"chipcontrols_session": token})
        assert page.status_code == 200, path
        assert page.headers["cache-control"] == "no-store"
        assert "content-security-policy" in page.headers
        assert "onclick=" not in page.text and "<script>" not in page.text
    answer = api.client.get("/v1/me", headers=api.headers("viewer"))
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    # an error from the request limits carries them too
    refused = api.client.get("/v1/records?kind=%00", headers=api.headers("viewer"))
    assert refused.status_code == 422 and refused.headers["x-frame-options"] == "DENY"


def test_login_refuses_cross_site_posts(api: Api) -> None:
    evil = {"origin": "https://evil.example", **HTML}
    response = api.client.post(
        "/login", data={"api_key": api.keys["viewer"]}, headers=evil, follow_redirects=False
    )
    assert response.status_code == 403 and "chipcontrols_session" not in response.cookies
    fetch = {"sec-fetch-site": "cross-site", **HTML}
    response = api.client.post(
        "/login", data={"api_key": api.keys["viewer"]}, headers=fetch, follow_redirects=False
    )
    assert response.status_code == 403
    # a browser on this site: its Origin, and the token the login page set
    same = {"origin": "http://testserver", **HTML}
    no_token = api.client.post(
        "/login", data={"api_key": api.keys["viewer"]}, headers=same, follow_redirects=False
    )
    assert no_token.status_code == 403
    form = api.client.get("/login", headers=HTML)
    found = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert found
    ok = api.client.post(
        "/login",
        data={"api_key": api.keys["viewer"], "login_token": found.group(1)},
        headers=same,
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.cookies.get("chipcontrols_session")


@pytest.mark.parametrize(
    "name",
    [
        "ａｄｍｉｎ",  # full-width
        "admin٣",  # Arabic-Indic digit
        "adm\u0456n",  # Cyrillic i
        "Admin",  # differs from 'admin' only in case
        "x" * 81,
        "a b",
        "",
    ],
)
def test_confusable_and_overlong_user_names_are_refused(api: Api, name: str) -> None:
    response = api.client.post(
        "/v1/users", json={"name": name, "role": "viewer"}, headers=api.headers("admin")
    )
    assert_error(response, 422)
    assert name.strip() == "" or name not in [u["name"] for u in api.svc.users()["users"]]


def test_long_party_and_item_names_are_refused(api: Api) -> None:
    long = "N" * 501
    for path, body in (
        ("/v1/screen", {"parties": [{"name": long}]}),
        ("/v1/classify", {"item": {**H100, "name": long}}),
        ("/v1/check", {"transaction": transaction(parties=[{"role": "end_user", "name": long}])}),
    ):
        assert_error(
            api.client.post(path, json=body, headers=api.headers("analyst")), 422, "invalid_input"
        )
