"""The web pages without a browser: sign-in, CSRF, JSON twins, escaping, bad forms."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.servicekit import LISTED, transaction

HTML = {"accept": "text/html"}
PAGES = [
    "/",
    "/check",
    "/records",
    "/review",
    "/rules",
    "/rules?as_of=2024-01-01",
    "/rules/diff",
    "/rules/diff?from=2023-01-01&to=2025-01-01",
    "/rules/3A090.a",
    "/lists",
    "/audit",
]


def sign_in(api: Api, role: str) -> str:
    response = api.client.post(
        "/login", data={"api_key": api.keys[role], "next": "/check"}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/check"
    cookie = response.cookies.get("chipcontrols_session")
    assert cookie and cookie != api.keys[role]
    assert "httponly" in response.headers["set-cookie"].lower()
    assert "samesite=strict" in response.headers["set-cookie"].lower()
    page = api.client.get("/check", headers=HTML)
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert found
    return found.group(1)


def test_pages_need_a_sign_in(api: Api) -> None:
    for path in PAGES:
        response = api.client.get(path, headers=HTML, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith(
            "/login?next="
        )
        twin = api.client.get(path, params={"format": "json"})
        assert twin.status_code == 401 and set(twin.json()) == {"error"}
    bad = api.client.post("/login", data={"api_key": "cck_k0_wrong"}, headers=HTML)
    assert bad.status_code == 401 and "invalid or revoked" in bad.text
    assert (
        api.client.post(
            "/login", data={"api_key": "x", "next": "https://evil.example/"}, follow_redirects=False
        ).status_code
        == 401
    )
    ok = api.client.post(
        "/login",
        data={"api_key": api.keys["viewer"], "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert ok.headers["location"] == "/"


def test_every_page_and_its_json_twin(api: Api) -> None:
    api.svc.run(
        "screening", {"parties": [{"name": LISTED, "country": "CN"}]}, as_of="2024-01-01", actor="t"
    )
    record = api.svc.check(transaction(), as_of="2024-06-01", actor="t")
    sign_in(api, "viewer")
    for path in [
        *PAGES,
        f"/records/{record['id']}",
        f"/records/{record['id']}/print",
        "/lists/bundled?q=huawei",
    ]:
        page = api.client.get(path, headers=HTML)
        assert page.status_code == 200, (path, page.text[:500])
        assert page.headers["content-type"].startswith("text/html")
        twin = api.client.get(path, headers={"accept": "application/json"})
        assert twin.status_code == 200 and isinstance(twin.json(), dict), path
    twin = api.client.get(f"/records/{record['id']}", params={"format": "json"}).json()
    assert (
        twin == api.client.get(f"/v1/records/{record['id']}", headers=api.headers("viewer")).json()
    )
    rules = api.client.get("/rules", params={"as_of": "2024-01-01", "format": "json"}).json()
    assert (
        rules
        == api.client.get(
            "/v1/rules", params={"as_of": "2024-01-01"}, headers=api.headers("viewer")
        ).json()
    )


def test_writes_need_the_page_token_and_the_role(api: Api) -> None:
    csrf = sign_in(api, "viewer")
    form = {"export_from": "US", "destination": "CN", "kind": "integrated_circuit", "csrf": csrf}
    denied = api.client.post("/check", data=form, headers=HTML)
    assert denied.status_code == 403 and "analyst" in denied.text
    csrf = sign_in(api, "analyst")
    stale = api.client.post("/check", data={**form, "csrf": "0" * 32}, headers=HTML)
    assert stale.status_code == 403
    missing = api.client.post(
        "/check",
        data={k: v for k, v in form.items() if k != "csrf"},
        headers={"accept": "application/json"},
    )
    assert missing.status_code == 403 and missing.json()["error"]["code"] == "forbidden"
    made = api.client.post(
        "/check", data={**form, "csrf": csrf, "end_user": LISTED}, follow_redirects=False
    )
    assert made.status_code == 303 and made.headers["location"].startswith("/records/rec-")


def test_the_check_asks_for_missing_facts_and_takes_answers(api: Api) -> None:
    csrf = sign_in(api, "analyst")
    form = {
        "export_from": "US",
        "destination": "CN",
        "kind": "integrated_circuit",
        "item_name": "Unknown board",
        "made_in": "US",
        "as_of": "2024-06-01",
        "csrf": csrf,
    }
    first = api.client.post("/check", data=form, headers={"accept": "application/json"}).json()
    page = api.client.get(f"/records/{first['id']}", headers=HTML)
    names = re.findall(r'name="q:([^"]+)"', page.text)
    assert names, "an item without figures must leave facts to ask"
    tpp = next(n for n in names if n.endswith("tpp"))
    answered = api.client.post(
        f"/records/{first['id']}/answers",
        data={"csrf": csrf, f"q:{tpp}": "4992", "q:datacenter": "true"}
        | {f"q:{n}": "true" for n in names if n.endswith("datacenter")},
        follow_redirects=False,
    )
    assert answered.status_code == 303, answered.text
    second = api.client.get(answered.headers["location"], params={"format": "json"}).json()
    assert second["id"] != first["id"]
    line = second["input"]["transaction"]["items"][0]["item"]
    assert line["tpp"] == 4992
    none = api.client.post(
        f"/records/{first['id']}/answers",
        data={"csrf": csrf},
        headers={"accept": "application/json"},
    )
    assert none.status_code == 422


@pytest.mark.parametrize(
    "attack",
    ["<script>window.__xss=1</script>", "'; DROP TABLE records; --", '" onmouseover="alert(1)'],
)
def test_form_fields_are_escaped_and_injection_is_inert(api: Api, attack: str) -> None:
    csrf = sign_in(api, "analyst")
    fields: dict[str, Any] = {
        "export_from": "US",
        "destination": "CN",
        "kind": "integrated_circuit",
        "item_name": attack,
        "end_user": attack,
        "csrf": csrf,
    }
    made = api.client.post("/check", data=fields, follow_redirects=False)
    assert made.status_code == 303, made.text
    page = api.client.get(made.headers["location"], headers=HTML)
    assert page.status_code == 200
    assert attack not in page.text
    for field in ("export_from", "destination", "kind", "made_in", "end_user_country", "as_of"):
        bad = api.client.post("/check", data={**fields, field: attack}, headers=HTML)
        assert bad.status_code in (404, 422), (field, bad.status_code)
        assert attack not in bad.text
    for path in (
        f"/rules?as_of={attack}",
        f"/lists/bundled?q={attack}",
        f"/audit?before={attack}",
        f"/records?offset={attack}",
    ):
        response = api.client.get(path, headers=HTML)
        assert response.status_code in (200, 422), (path, response.status_code)
        assert attack not in response.text
    assert api.svc.audit_verify()["ok"]


def test_review_decisions_from_the_page(api: Api) -> None:
    api.svc.run(
        "screening", {"parties": [{"name": LISTED, "country": "CN"}]}, as_of="2024-01-01", actor="t"
    )
    csrf = sign_in(api, "analyst")
    queue = api.client.get("/review", params={"format": "json"}).json()["hits"]
    hit = queue[0]["hit_id"]
    empty = api.client.post(
        f"/review/{hit}", data={"csrf": csrf, "decision": "cleared", "reason": ""}, headers=HTML
    )
    assert empty.status_code == 422
    done = api.client.post(
        f"/review/{hit}",
        data={"csrf": csrf, "decision": "cleared", "reason": "other company"},
        headers={"hx-request": "true"},
    )
    assert done.status_code == 200 and "Cleared" in done.text
    after = api.client.get("/review", params={"format": "json"}).json()["hits"]
    assert hit not in [h["hit_id"] for h in after]


def test_sign_out_ends_the_session(api: Api) -> None:
    csrf = sign_in(api, "viewer")
    session = api.client.cookies.get("chipcontrols_session")
    assert (
        api.client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    )
    api.client.cookies.set("chipcontrols_session", session)  # a copy kept by an attacker
    assert api.client.get("/", headers=HTML, follow_redirects=False).status_code == 303
    assert api.client.get("/", params={"format": "json"}).status_code == 401
