"""EU Russia sanctions (Regulation 833/2014) findings per line: Art. 2, Art. 2a, Art. 12g."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chipcontrols.catalog import load_catalog
from chipcontrols.classification import classify
from chipcontrols.determination.eu_sanctions import eu_sanctions
from chipcontrols.determination.transaction import parse_transaction
from chipcontrols.rulebook.rulebook import load_rulebook


def _run(item: dict[str, Any], dest: str, day: dt.date, hts: str | None = None) -> list[Any]:
    rulebook, catalog = load_rulebook(), load_catalog()
    line: dict[str, Any] = {"item": item, "made_in": "DE"}
    if hts:
        line["hts_code"] = hts
    raw = {
        "kind": "transaction",
        "export_from": "DE",
        "destination": dest,
        "transfer": "export",
        "items": [line],
        "parties": [],
        "end_uses": ["none_of_these"],
    }
    txn = parse_transaction(raw, rulebook, catalog=catalog)
    view = rulebook.at(day)
    classes = [classify(x.item, day, rulebook=rulebook, catalog=catalog) for x in txn.lines]
    return eu_sanctions(rulebook, view, txn, classes)


CHIP = {"kind": "integrated_circuit", "name": "Example MCU", "eu_833_annex_vii": True}
EUV = {"kind": "lithography_scanner", "name": "EUV scanner", "wavelength_nm": 13.5}


def outcomes(found: list[Any]) -> dict[str, str]:
    return {f.rule_id: f.outcome for f in found}


def test_annex_vii_chip_to_russia_prohibited_from_2022() -> None:
    found = outcomes(_run(CHIP, "RU", dt.date(2023, 1, 10)))
    assert found["eu.sanctions_833.art2a"] == "prohibited"
    assert "eu.sanctions_833.art2a" not in outcomes(_run(CHIP, "RU", dt.date(2022, 2, 1)))


def test_annex_vii_unknown_asks() -> None:
    found = _run({"kind": "integrated_circuit", "name": "X"}, "RU", dt.date(2023, 1, 10))
    art2a = [f for f in found if f.rule_id == "eu.sanctions_833.art2a"]
    assert art2a and art2a[0].outcome == "undetermined"
    assert any("eu_833_annex_vii" in q.id for q in art2a[0].questions)


def test_dual_use_scanner_to_russia() -> None:
    assert outcomes(_run(EUV, "RU", dt.date(2023, 1, 10)))["eu.sanctions_833.art2"] == "prohibited"
    # before 26.2.2022 only for military use: undetermined, never prohibited or free
    assert outcomes(_run(EUV, "RU", dt.date(2021, 6, 1)))["eu.sanctions_833.art2"] == "undetermined"


@pytest.mark.parametrize(
    ("dest", "day", "flagged"),
    [
        ("KZ", dt.date(2024, 6, 1), True),
        ("KZ", dt.date(2024, 3, 19), False),
        ("US", dt.date(2024, 6, 1), False),
        ("FR", dt.date(2024, 6, 1), False),
    ],
)
def test_no_russia_clause(dest: str, day: dt.date, flagged: bool) -> None:
    found = outcomes(_run(CHIP, dest, day, hts="854231"))
    assert (found.get("eu.sanctions_833.art12g") == "flag") is flagged
