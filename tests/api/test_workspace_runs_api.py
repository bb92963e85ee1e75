"""The longer workflows over HTTP: a what-if scenario, a file of order lines, the kept
parties screened again, the official lists and a list update from a file. Each at its /v1
route (documented in OpenAPI) and as the JSON twin of its page, with the API's roles, and
bad input answered with the field it concerns (never a 500)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import func, select

from chipcontrols.storage.models import RecordRow
from tests.api.conftest import Api

# Fictitious: a made-up company and a made-up list entry, for the re-screening only.
KEPT_PARTY = "Zeta Photonics Unlisted GmbH"
LIST_UPDATE = {
    "total": 1,
    "sources_used": [],
    "results": [
        {
            "id": "test-entry-zeta-0001",
            "source": "Entity List (EL) - Bureau of Industry and Security",
            "name": KEPT_PARTY,
            "addresses": [{"address": "1 Example Strasse", "city": "Berlin", "country": "DE"}],
            "start_date": "2024-01-02",
            "license_requirement": "For all items subject to the EAR.",
            "license_policy": "Presumption of denial.",
            "federal_register_notice": "test fixture, not a real notice",
            "alt_names": [],
            "programs": [],
        }
    ],
}

ORDERS = (
    "line_id,kind,name,tpp,die_area_mm2,datacenter,export_from,destination,made_in\n"
    "SO-1,integrated_circuit,Accelerator A,4800,800,true,US,NL,US\n"
    "SO-2,integrated_circuit,Accelerator B,1000,800,true,US,NL,US\n"
    "SO-3,integrated_circuit,Accelerator C,1000,800,true,US,,US\n"
)


def records(api: Api) -> int:
    with api.svc.db.read() as session:
        return int(session.execute(select(func.count()).select_from(RecordRow)).scalar_one())


def test_the_routes_are_documented_with_their_roles(api: Api) -> None:
    spec = api.client.get("/v1/openapi.json").json()
    ops = {
        (path, method): op["operationId"]
        for path, item in spec["paths"].items()
        for method, op in item.items()
    }
    for key, op_id in {
        ("/v1/scenarios", "get"): "list_scenarios",
        ("/v1/scenario", "post"): "what_if_scenario",
        ("/v1/batch", "post"): "run_batch",
        ("/v1/batch/{run}/results", "get"): "batch_results",
        ("/v1/rescreen", "get"): "rescreen_status",
        ("/v1/rescreen", "post"): "rescreen",
        ("/v1/watch", "get"): "list_sources",
        ("/v1/watch/import", "post"): "import_list",
    }.items():
        assert ops.get(key) == op_id, key
    assert api.client.get("/v1/rescreen").status_code == 401
    viewer = api.headers("viewer")
    assert api.client.get("/v1/rescreen", headers=viewer).status_code == 200
    assert api.client.get("/v1/watch", headers=viewer).status_code == 200
    refused = api.client.post("/v1/batch", json={"csv": ORDERS}, headers=viewer)
    assert refused.status_code == 403 and refused.json()["error"]["loc"] == "role"
    assert api.client.post("/v1/rescreen", json={}, headers=viewer).status_code == 403
    analyst = api.headers("analyst")
    refused = api.client.post("/v1/watch/import", json={"content": "x"}, headers=analyst)
    assert refused.status_code == 403 and "admin" in refused.json()["error"]["message"]
    # the pages' twins: the same rules
    assert api.client.post("/batch", json={"orders_csv": ORDERS}, headers=viewer).status_code == 403
    assert api.client.post("/rescreen", json={}, headers=viewer).status_code == 403
    assert api.client.post("/watch/import", json={}, headers=analyst).status_code == 403


def test_batch_summary_bad_lines_download_and_no_line_checked_twice(api: Api) -> None:
    analyst = api.headers("analyst")
    before = records(api)
    done = api.client.post(
        "/v1/batch",
        json={"csv": ORDERS, "file_name": "june orders.csv", "as_of": "2024-06-01"},
        headers=analyst,
    )
    assert done.status_code == 200, done.text
    doc = done.json()
    summary = doc["summary"]
    assert (summary["lines"], summary["ok"], summary["errors"]) == (3, 2, 1)
    assert summary["as_of"] == "2024-06-01"
    assert "file" not in summary and "output" not in summary  # no server path is shown
    assert doc["bad_lines"] == [
        {
            "line": 3,
            "line_id": "SO-3",
            "field": "destination",
            "code": "invalid_input",
            "message": "destination is empty",
        }
    ]
    assert sum(v["lines"] for v in doc["verdicts"] if v["jurisdiction"] == "US") == 2
    assert doc["download_name"] == "june_orders.results.csv"
    made = records(api) - before
    assert made >= 2  # each distinct good line's answer (and the screenings) recorded

    results = api.client.get(doc["api_download"], headers=api.headers("viewer"))
    assert results.status_code == 200 and results.headers["content-type"].startswith("text/csv")
    assert "june_orders.results.csv" in results.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(results.text)))
    assert [r["line_id"] for r in rows] == ["SO-1", "SO-2", "SO-3"]
    assert [r["status"] for r in rows] == ["ok", "ok", "error"]
    assert rows[0]["record_id"].startswith("rec-")

    # the page's twin: the same document; the same file again checks no line twice
    twin = api.client.get(f"/batch?run={doc['run']}&format=json", headers=analyst)
    assert twin.status_code == 200 and twin.json()["run"] == doc
    again = api.client.post(
        "/batch",
        json={"orders_csv": ORDERS, "as_of": "2024-06-01"},
        headers={**analyst, "accept": "application/json"},
    )
    assert again.status_code == 200 and again.json()["summary"]["resumed_after"] == 3
    assert records(api) - before == made
    page = api.client.get(doc["download"], headers=analyst)
    assert page.status_code == 200 and page.text == results.text


def test_batch_bad_input_names_the_field(api: Api) -> None:
    analyst = {**api.headers("analyst"), "accept": "application/json"}

    def error(body: dict[str, Any], path: str = "/batch") -> dict[str, Any]:
        response = api.client.post(path, json=body, headers=analyst)
        assert 400 <= response.status_code < 500, response.text
        found: dict[str, Any] = response.json()["error"]
        return found

    assert error({"orders_csv": "  "})["loc"] == "orders_csv"
    wrong = error({"orders_csv": "foo,bar\n1,2\n"})
    assert wrong["loc"] == "orders_csv" and "export_from" in wrong["message"]
    assert str(api.svc.settings.home) not in wrong["message"]  # no server path is shown
    assert "docs/" not in wrong["message"]
    assert error({"orders_csv": ORDERS, "as_of": "2024-13-45"})["loc"] == "as_of"
    big = "export_from,destination,product\n" + "US,NL,NVIDIA H100 SXM5 80GB\n" * 600
    too_many = error({"orders_csv": big})
    assert too_many["loc"] == "orders_csv" and "chipcontrols batch" in too_many["message"]
    broken = error({"orders_csv": 'export_from,destination,kind\n"US,NL\n'})
    assert broken["loc"] == "orders_csv"
    assert error({"orders_csv": ORDERS, "x": 1}, "/v1/batch")["loc"]  # unknown field
    missing = api.client.get("/v1/batch/0123456789abcdef01234567/results", headers=analyst)
    assert missing.status_code == 404
    assert api.client.get("/v1/batch/..%2F..%2Fetc/results", headers=analyst).status_code in (
        404,
        422,
    )


def test_rescreen_reports_and_records_its_time(api: Api) -> None:
    analyst = api.headers("analyst")
    status = api.client.get("/v1/rescreen", headers=analyst).json()
    assert status["last_run"] is None and status["kept_parties"] == 0
    assert "bis_entity_list" in status["active"]
    screened = api.client.post(
        "/v1/screen",
        json={"parties": [{"name": "Huawei Technologies", "country": "CN"}]},
        headers=analyst,
    )
    assert screened.status_code in (200, 201), screened.text
    run = api.client.post("/v1/rescreen", json={"as_of": "2026-09-01"}, headers=analyst)
    assert run.status_code == 200, run.text
    doc = run.json()
    assert doc["kept_parties"] == 1 and doc["last_run"]["as_of"] == "2026-09-01"
    result = doc["result"]
    assert result["parties_screened"] == 1 and result["rescreen"]["mode"] in ("full", "incremental")
    twin = api.client.get("/rescreen?format=json", headers=analyst).json()
    assert twin["last_run"] == doc["last_run"]
    bad = api.client.post("/v1/rescreen", json={"as_of": "01/09/2026"}, headers=analyst)
    assert bad.status_code == 422 and "as_of" in json.dumps(bad.json()["error"]["loc"])


def test_list_update_from_a_file_screens_the_kept_parties_again(api: Api) -> None:
    analyst, admin = api.headers("analyst"), api.headers("admin")
    status = api.client.get("/v1/watch", headers=analyst).json()
    csl = next(s for s in status["sources"] if s["name"] == "csl_json")
    assert csl["configured"] and csl["last_fetch"] is None  # never fetched here
    assert {"dataset": "csl"}.items() <= next(
        x for x in status["lists"] if x["dataset"] == "csl"
    ).items()
    # a party kept from an earlier screening, not listed then
    screened = api.client.post(
        "/v1/screen", json={"parties": [{"name": KEPT_PARTY, "country": "DE"}]}, headers=analyst
    )
    assert screened.status_code in (200, 201)
    assert "Possible" not in screened.text or '"match":true' not in screened.text.replace(" ", "")
    queue_before = len(api.svc.review_queue()["hits"])
    done = api.client.post(
        "/v1/watch/import",
        json={
            "content": json.dumps(LIST_UPDATE, indent=1),
            "file_name": "update.json",
            "dataset": "test_update",
            "as_of": "2026-09-01",
        },
        headers=admin,
    )
    assert done.status_code == 200, done.text
    doc = done.json()
    update = doc["result"]["lists"][0]
    assert update["status"] == "updated" and update["diff"]["added"] == 1
    assert next(x for x in doc["lists"] if x["dataset"] == "test_update")["active"]
    hit = [p for p in doc["result"]["parties"] if p["name"] == KEPT_PARTY]
    assert hit and hit[0]["hits"][0]["change"] == "new"
    assert hit[0]["hits"][0]["entry_id"].endswith("test-entry-zeta-0001")
    items = doc["result"]["review_items"]
    assert any(i["party"] == KEPT_PARTY for i in items)
    assert len(api.svc.review_queue()["hits"]) > queue_before
    # the same file again: nothing changed, nobody screened again
    same = api.client.post(
        "/watch/import",
        json={"list_text": json.dumps(LIST_UPDATE, indent=1), "dataset": "test_update"},
        headers={**admin, "accept": "application/json"},
    ).json()
    assert same["result"]["lists"][0]["status"] == "unchanged"
    assert same["result"]["parties"] == []


def test_list_update_bad_input_names_the_field(api: Api) -> None:
    admin = {**api.headers("admin"), "accept": "application/json"}

    def loc(body: dict[str, Any]) -> str:
        response = api.client.post("/watch/import", json=body, headers=admin)
        assert 400 <= response.status_code < 500, response.text
        return str(response.json()["error"]["loc"])

    assert loc({"list_text": ""}) == "list_text"
    assert loc({"list_text": "just some words\nnot a list"}) == "list_text"
    assert (
        loc({"list_text": json.dumps(LIST_UPDATE, indent=1), "dataset": "bad name!"}) == "dataset"
    )
    assert (
        loc({"list_text": json.dumps(LIST_UPDATE, indent=1), "input_format": "pdf"})
        == "input_format"
    )
    assert loc({"list_text": json.dumps(LIST_UPDATE, indent=1), "as_of": "yesterday"}) == "as_of"
    # nothing was made active by the failures
    assert "test_update" not in api.svc.snapshots.active_ids()


def test_scenario_shows_what_changes_and_bad_scenarios_name_the_field(api: Api) -> None:
    viewer = api.headers("viewer")
    bundled = api.client.get("/v1/scenarios", headers=viewer).json()["scenarios"]
    ids = {s["id"] for s in bundled}
    assert "japan-lifts-arfi" in ids and "past-determinations" not in ids
    # examples/scenarios/japan-lifts-arfi.yaml removes 貨物等省令 第六条第十七号ヲ (Japan's
    # ArF immersion scanner control, in force 23 July 2023) from 1 July 2025.
    body = {"scenario": "japan-lifts-arfi", "as_of": "2025-08-01", "destination": "CN"}
    done = api.client.post("/v1/scenario", json=body, headers=viewer)
    assert done.status_code == 200, done.text
    doc = done.json()
    removed = [c for c in doc["law_changes"] if c["change"] == "removed"]
    assert [c["id"] for c in removed] == ["jp.meti.goods_ordinance.art6.item17.wo"]
    moved = [c for c in doc["product_changes"] if c["jurisdiction"] == "JP"]
    assert moved and all(c["base"]["status"] != c["scenario"]["status"] for c in moved)
    assert doc["determinations"]["checked"] == 0 and doc["past"] == "none"
    twin = api.client.get(
        "/scenario",
        params={**body, "format": "json"},
        headers=viewer,
    )
    assert twin.status_code == 200
    assert twin.json()["report"]["law_changes"] == doc["law_changes"]

    def error(payload: dict[str, Any]) -> dict[str, Any]:
        response = api.client.post(
            "/scenario", json=payload, headers={**viewer, "accept": "application/json"}
        )
        assert 400 <= response.status_code < 500, response.text
        found: dict[str, Any] = response.json()["error"]
        return found

    assert error({})["loc"] == "scenario"
    assert error({"scenario": "no-such-thing"})["loc"] == "scenario"
    assert error({"scenario": "japan-lifts-arfi", "scenario_text": "name: x"})["loc"] == "scenario"
    assert error({"scenario_text": "name: [unclosed"})["loc"].startswith("scenario_text")
    unknown = error({"scenario_text": "name: x\ndescription: y\nchanges: []\n"})
    assert unknown["loc"].startswith("scenario_text")
    assert error({"scenario": "japan-lifts-arfi", "as_of": "2025-02-30"})["loc"] == "as_of"
    assert error({"scenario": "japan-lifts-arfi", "destination": "Atlantis"})["loc"] == (
        "destination"
    )
    assert error({"scenario": "japan-lifts-arfi", "past": "all"})["loc"] == "past"
