"""Issue 17: the screening answer is described by typed models in /v1/openapi.json, and every
key a real answer carries is one the models name (only the matcher's explanations are open);
the letter bases the API documents are the law file's; a scenario given as text is checked
by the scenario document model, naming the field."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from chipcontrols.app_services.documents import HitExplanation, Report, ScreeningRecord
from chipcontrols.determination.company_letters import letter_bases
from tests.api.conftest import Api
from tests.servicekit import LISTED

# A fictitious company, owned in majority by the listed party (the ownership rules apply).
OWNED = {
    "name": "Fictitious Subsidiary Trading Co",
    "country": "CN",
    "owners": [{"name": LISTED, "country": "CN", "percent": 60}],
}


def _undocumented(model: BaseModel, path: str = "") -> list[str]:
    """The keys of an answer that its model does not name (the explanations are open)."""
    out: list[str] = []
    if isinstance(model, Report) and not isinstance(model, HitExplanation):
        out.extend(f"{path}.{key}" for key in model.model_extra or {})
    for name in type(model).model_fields:
        value = getattr(model, name)
        values = (
            value
            if isinstance(value, list)
            else list(value.values())
            if isinstance(value, dict)
            else [value]
        )
        for i, item in enumerate(values):
            if isinstance(item, BaseModel):
                out.extend(_undocumented(item, f"{path}.{name}[{i}]"))
    return out


def test_screening_answers_are_the_documented_record(api: Api) -> None:
    h = api.headers("analyst")
    body = {"parties": [{"name": LISTED, "country": "CN"}, OWNED, "Acme"], "as_of": "2024-06-01"}
    first = api.client.post("/v1/screen", json=body, headers=h)
    assert first.status_code == 200, first.text
    hit = api.client.get("/v1/review-queue", headers=h).json()["hits"][0]
    judged = api.client.post(
        "/v1/judgements",
        json={"hit_id": hit["hit_id"], "decision": "confirmed", "reason": "same address"},
        headers=h,
    )
    assert judged.status_code == 200, judged.text
    again = api.client.post("/v1/screen", json=body, headers=h)
    assert again.status_code == 200, again.text
    for answer in (first.json(), again.json()):
        record = ScreeningRecord.model_validate(answer)
        assert _undocumented(record) == []
        listed, owned, plain = record.result.results
        assert listed.match and listed.hits and listed.hits[0].entry.content_hash
        assert owned.ownership, "a party given with owners is assessed under the ownership rules"
        assert plain.party.name == "Acme" and plain.ownership is None
    judged_hits = [
        h
        for h in ScreeningRecord.model_validate(again.json()).result.results[0].hits
        if h.judgement
    ]
    assert judged_hits and judged_hits[0].judgement is not None
    assert judged_hits[0].judgement.decision == "confirmed"


def test_openapi_describes_the_screening_answer(api: Api) -> None:
    spec = api.client.get("/v1/openapi.json").json()
    answer = spec["paths"]["/v1/screen"]["post"]["responses"]["200"]["content"]
    assert answer["application/json"]["schema"] == {"$ref": "#/components/schemas/ScreeningRecord"}
    schemas = spec["components"]["schemas"]
    assert "result" in schemas["ScreeningRecord"]["required"]
    report = schemas["ScreeningReport"]
    assert {"as_of", "matcher", "list_snapshots", "warnings", "results"} <= set(report["required"])
    party = schemas["PartyScreening"]["properties"]
    assert {"query", "party", "match", "hits", "excluded", "ownership"} <= set(party)
    hit = schemas["ScreeningHit"]["properties"]
    assert {"entry", "explanations", "judgement", "list"} <= set(hit)
    assert schemas["HitExplanation"]["additionalProperties"] is True


def test_letter_bases_documented_from_the_law(api: Api) -> None:
    spec = api.client.get("/v1/openapi.json").json()
    basis = spec["components"]["schemas"]["LetterBody"]["properties"]["basis"]
    bases = letter_bases()
    assert basis["enum"] == list(bases)
    for key, cites in bases.items():
        assert key in basis["description"] and cites in basis["description"]


def _scenario_error(api: Api, text: str) -> dict[str, Any]:
    response = api.client.post(
        "/v1/scenario", json={"scenario_text": text}, headers=api.headers("viewer")
    )
    assert response.status_code == 422, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


def test_scenario_text_is_checked_by_the_document_model(api: Api) -> None:
    error = _scenario_error(api, "name: [a, b]\nchanges:\n  - add_versions: {entry: 5}\n")
    assert error["code"] == "invalid_scenario"
    assert error["loc"] == "scenario_text:name"
    assert error["message"] == "Input should be a valid string"
    locs = [e["loc"] for e in error["ctx"]["errors"]]
    assert "scenario_text:changes[0].add_versions.entry" in locs
    assert "scenario_text:changes[0].add_versions.versions" in locs
    # what the model leaves to the overlay's parser is still refused by it
    empty = _scenario_error(api, "name: x\nchanges: []\n")
    assert "non-empty" in empty["message"] and empty["loc"] == "scenario_text:changes"
