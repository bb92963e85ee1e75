"""Issue 16: the typed request models describe items, transactions, parties and deals in
/v1/openapi.json, accept every document the engine's parsers accept (each golden case, each
example and catalog product, sent unchanged to the engine), and leave the engine's own error
messages to name the field and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chipcontrols.app_services.documents import (
    Deal,
    ScreeningParty,
    item_model,
    transaction_models,
)
from chipcontrols.determination import transaction as txn_parser
from chipcontrols.investment import deal as deal_parser
from chipcontrols.model.items import DESCRIPTIVE_KEYS
from chipcontrols.rulebook.rulebook import load_rulebook
from chipcontrols.storage.canonical import plain
from tests.api.conftest import Api
from tests.servicekit import H100, LISTED, transaction

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"


def _documents(folder: str, key: str) -> list[tuple[str, Any]]:
    out = []
    for path in sorted((GOLDEN / folder).glob("*.yaml")):
        case = yaml.safe_load(path.read_text("utf-8"))
        if isinstance(case, dict) and isinstance(case.get(key), dict):
            out.append((path.name, plain(case[key])))  # as a JSON client sends it
    return out


TRANSACTIONS = _documents("determine", "transaction") + [
    (p.name, plain(yaml.safe_load(p.read_text("utf-8"))))
    for p in sorted((ROOT / "examples" / "transactions").glob("*.yaml"))
]
ITEMS = _documents("classify", "item") + [
    (p.name, plain(yaml.safe_load(p.read_text("utf-8"))))
    for p in sorted((ROOT / "examples" / "items").glob("*.yaml"))
]
DEALS = _documents("assess", "deal") + [
    (p.name, plain(yaml.safe_load(p.read_text("utf-8"))))
    for p in sorted((ROOT / "examples" / "deals").glob("*.yaml"))
]


def test_the_corpora_are_there() -> None:
    assert len(TRANSACTIONS) >= 100 and len(ITEMS) >= 20 and len(DEALS) >= 10


@pytest.mark.parametrize(("name", "document"), TRANSACTIONS, ids=[n for n, _ in TRANSACTIONS])
def test_every_golden_transaction_passes_unchanged(name: str, document: dict[str, Any]) -> None:
    model, _ = transaction_models(load_rulebook())
    assert model.model_validate(document).document() == document


@pytest.mark.parametrize(("name", "document"), ITEMS, ids=[n for n, _ in ITEMS])
def test_every_golden_item_passes_unchanged(name: str, document: dict[str, Any]) -> None:
    assert item_model(load_rulebook()).model_validate(document).document() == document


@pytest.mark.parametrize(("name", "document"), DEALS, ids=[n for n, _ in DEALS])
def test_every_golden_deal_passes_unchanged(name: str, document: dict[str, Any]) -> None:
    assert Deal.model_validate(document).document() == document


def test_every_catalog_product_passes_unchanged() -> None:
    from chipcontrols.catalog import load_catalog

    model = item_model(load_rulebook())
    products = load_catalog().products
    assert len(products) > 50
    for product in products:
        document = plain(product.spec())
        assert model.model_validate(document).document() == document, product.file
        assert model.model_validate({"product": product.name}).document() == {
            "product": product.name
        }


def test_the_models_name_every_field_the_parsers_read() -> None:
    rulebook = load_rulebook()
    transaction_model, line = transaction_models(rulebook)
    fields = transaction_model.model_fields
    assert set(fields) == txn_parser._TXN_KEYS
    assert set(line.model_fields) == txn_parser._LINE_KEYS
    party = fields["parties"].annotation.__args__[0].__args__[0]  # type: ignore[union-attr]
    assert set(party.model_fields) == txn_parser._PARTY_KEYS
    item = set(item_model(rulebook).model_fields)
    assert item == {"kind", "product", "components", *DESCRIPTIVE_KEYS, *rulebook.parameters}
    assert set(Deal.model_fields) == set(deal_parser._DEAL_KEYS)
    from chipcontrols.screening.service import _PARTY_FIELDS

    assert set(ScreeningParty.model_fields) == _PARTY_FIELDS


def test_openapi_describes_the_documents(api: Api) -> None:
    doc = api.client.get("/v1/openapi.json").json()
    schemas = doc["components"]["schemas"]
    item = schemas["Item"]["properties"]
    assert "GB/s" in item["io_bandwidth_gbps"]["description"]
    assert "integrated_circuit" in item["kind"]["enum"]
    assert schemas["Item"]["additionalProperties"] is False
    txn = schemas["Transaction"]
    assert {"export_from", "destination", "items"} <= set(txn["required"])
    party = schemas["TransactionParty"]["properties"]
    assert set(party["role"]["enum"]) == set(txn_parser.ROLES)
    assert "headquarters" in party
    assert {"kind", "structure", "acquirer", "target"} <= set(schemas["Deal"]["required"])
    for path in ("/v1/classify", "/v1/check", "/v1/screen", "/v1/judgements"):
        body = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        ref = body["schema"]["$ref"].rsplit("/", 1)[-1]
        for prop in schemas[ref]["properties"].values():
            # no free-form object left: every document is a described model
            assert prop.get("additionalProperties") is not True, (path, prop)
            assert prop.get("type") != "object" or "properties" in prop, (path, prop)


def _post(api: Api, path: str, body: dict[str, Any]) -> Any:
    return api.client.post(path, json=body, headers=api.headers("analyst"))


def test_the_engine_still_names_the_field_and_the_fix(api: Api) -> None:
    """Unknown fields and bad values reach the engine's parsers, whose messages suggest the
    field meant (a model refusing them first would say only 'extra input')."""
    bad_param = _post(api, "/v1/classify", {"item": {**H100, "tpq": 5}})
    assert bad_param.status_code == 422
    error = bad_param.json()["error"]
    assert error["loc"].endswith("item.tpq") and "tpp" in error["message"]
    bad_country = _post(
        api, "/v1/check", {"transaction": transaction(destination="China"), "as_of": "2024-06-01"}
    )
    assert bad_country.status_code == 422
    error = bad_country.json()["error"]
    assert error["loc"].endswith("destination") and "CN" in error["message"]
    unknown = _post(api, "/v1/check", {"transaction": transaction(destinaton="CN")})
    assert unknown.status_code == 422
    assert "destination" in unknown.json()["error"]["message"]
    # a wrong JSON type is refused by the model, in the same error shape, naming the field
    wrong = _post(api, "/v1/check", {"transaction": transaction(exporter_us_person="yes")})
    assert wrong.status_code == 422
    error = wrong.json()["error"]
    assert error["code"] == "invalid_input" and "exporter_us_person" in error["loc"]
    assert api.svc.records()["total"] == 0


def test_typed_bodies_still_answer(api: Api) -> None:
    item = _post(api, "/v1/classify", {"item": H100, "as_of": "2024-06-01"})
    assert item.status_code == 200, item.text
    assert item.json()["input"] == {"item": H100}
    txn = transaction()
    checked = _post(api, "/v1/check", {"transaction": txn, "as_of": "2024-06-01"})
    assert checked.status_code == 200, checked.text
    assert checked.json()["input"] == {"transaction": txn}
    screened = _post(api, "/v1/screen", {"parties": [LISTED, {"name": "Acme", "country": "DE"}]})
    assert screened.status_code == 200, screened.text
    assert screened.json()["input"]["parties"] == [LISTED, {"name": "Acme", "country": "DE"}]
