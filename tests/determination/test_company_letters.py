"""Company-specific licence requirements (is-informed letters) and the GP10 guidance flags:
what `company_letters` tells the EAR procedure to add, from the law files and user letters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chipcontrols.determination.company_letters import (
    CompanyOutcome,
    UserLetter,
    gp10_flags,
    letter_requirements,
    name_tokens,
    parse_letter,
)
from chipcontrols.determination.transaction import parse_transaction
from chipcontrols.errors import InputError
from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook

H20_RULE = "us.ear.informed_letters.nvidia_2025_04_09_h20"
A100_RULE = "us.ear.informed_letters.nvidia_2022_08_26"
MI308_RULE = "us.ear.informed_letters.amd_2025_04_15_mi308"
GP10_RULE = "us.ear.gp10.prc_3a090_ics"

NVIDIA = {"role": "exporter", "name": "NVIDIA Corporation", "country": "US", "headquarters": "US"}
AMD = {"role": "exporter", "name": "Advanced Micro Devices, Inc.", "country": "US"}
DISTRIBUTOR = {"role": "exporter", "name": "Example Distribution LLC", "country": "US"}


@pytest.fixture(scope="module")
def rulebook() -> Rulebook:
    return load_rulebook()


def _end_user(country: str, hq: str | None) -> dict[str, Any]:
    party: dict[str, Any] = {"role": "end_user", "name": "Example Computing", "country": country}
    if hq:
        party["headquarters"] = hq
    return party


def _txn(
    rulebook: Rulebook,
    item: dict[str, Any],
    parties: list[dict[str, Any]],
    destination: str = "CN",
    export_from: str = "US",
) -> Any:
    raw = {
        "kind": "transaction",
        "export_from": export_from,
        "destination": destination,
        "items": [{"item": item, "made_in": "TW"}],
        "parties": parties,
    }
    return parse_transaction(raw, rulebook)


def _letters(
    rulebook: Rulebook, txn: Any, day: str, user: tuple[UserLetter, ...] = ()
) -> CompanyOutcome:
    view = rulebook.at(dt.date.fromisoformat(day))
    return letter_requirements(rulebook, view, txn, txn.lines[0], user)


def _gp10(rulebook: Rulebook, txn: Any, day: str) -> CompanyOutcome:
    view = rulebook.at(dt.date.fromisoformat(day))
    return gp10_flags(rulebook, view, txn, txn.lines[0])


def _ids(outcome: CompanyOutcome) -> list[str]:
    return [r.rule_id for r in outcome.requirements]


def test_designations_are_runs_of_whole_words() -> None:
    tokens = name_tokens(["NVIDIA HGX H20 96GB"])
    assert {"h20", "hgxh20", "nvidia"} <= tokens
    assert "h20" not in name_tokens(["NVIDIA H200 SXM 141GB"])
    assert "ascend910b" in name_tokens(["Huawei Ascend 910B"])
    assert "ascend910b" in name_tokens(["Ascend910B"])


# ---------------------------------------------------------------- letters from SEC filings


def test_h20_letter_binds_nvidia_from_april_9_2025(rulebook: Rulebook) -> None:
    txn = _txn(rulebook, {"product": "NVIDIA HGX H20 96GB"}, [NVIDIA, _end_user("CN", "CN")])
    before = _letters(rulebook, txn, "2025-04-08")
    assert H20_RULE not in _ids(before)
    after = _letters(rulebook, txn, "2025-05-01")
    assert H20_RULE in _ids(after)
    found = next(r for r in after.requirements if r.rule_id == H20_RULE)
    assert found.verdict == "licence_required"
    assert "8-K" in found.citation and "744.23(b)" in found.citation
    assert "H20" in found.text
    assert after.trace is not None and after.trace.outcome == "licence required"


def test_h20_letter_does_not_bind_another_exporter(rulebook: Rulebook) -> None:
    txn = _txn(rulebook, {"product": "NVIDIA HGX H20 96GB"}, [DISTRIBUTOR, _end_user("CN", "CN")])
    outcome = _letters(rulebook, txn, "2025-05-01")
    assert outcome.requirements == []
    assert outcome.questions == []


def test_unnamed_exporter_is_asked_never_assumed(rulebook: Rulebook) -> None:
    txn = _txn(rulebook, {"product": "NVIDIA HGX H20 96GB"}, [_end_user("CN", "CN")])
    outcome = _letters(rulebook, txn, "2025-05-01")
    assert outcome.requirements == []
    assert "exporter" in [q.id for q in outcome.questions]


def test_h20_letter_reaches_companies_headquartered_in_china(rulebook: Rulebook) -> None:
    item = {"product": "NVIDIA HGX H20 96GB"}
    to_sg = _txn(rulebook, item, [NVIDIA, _end_user("SG", "CN")], destination="SG")
    assert H20_RULE in _ids(_letters(rulebook, to_sg, "2025-05-01"))
    unknown = _txn(rulebook, item, [NVIDIA, _end_user("SG", None)], destination="SG")
    outcome = _letters(rulebook, unknown, "2025-05-01")
    assert H20_RULE not in _ids(outcome)
    assert "end_user_hq_groups" in [q.id for q in outcome.questions]
    local = _txn(rulebook, item, [NVIDIA, _end_user("SG", "SG")], destination="SG")
    assert _letters(rulebook, local, "2025-05-01").requirements == []


def test_2022_letter_a100_to_china_and_russia(rulebook: Rulebook) -> None:
    item = {"product": "NVIDIA A100 SXM4 80GB"}
    china = _txn(rulebook, item, [NVIDIA, _end_user("CN", "CN")])
    assert _ids(_letters(rulebook, china, "2022-09-01")) == [A100_RULE]
    assert _letters(rulebook, china, "2022-08-25").requirements == []
    japan = _txn(rulebook, item, [NVIDIA, _end_user("JP", "JP")], destination="JP")
    assert _letters(rulebook, japan, "2022-09-01").requirements == []


def test_2022_letter_asks_about_other_nvidia_chips(rulebook: Rulebook) -> None:
    """'Any future NVIDIA IC roughly equivalent to the A100': thresholds not public."""
    txn = _txn(rulebook, {"product": "NVIDIA A800 SXM4 80GB"}, [NVIDIA, _end_user("CN", "CN")])
    outcome = _letters(rulebook, txn, "2022-11-01")
    assert outcome.requirements == []
    assert f"review:{A100_RULE}" in [q.id for q in outcome.questions]


def test_mi308_letter_binds_amd(rulebook: Rulebook) -> None:
    item = {"kind": "integrated_circuit", "name": "AMD Instinct MI308X"}
    txn = _txn(rulebook, item, [AMD, _end_user("CN", "CN")])
    assert _ids(_letters(rulebook, txn, "2025-05-01")) == [MI308_RULE]
    assert _letters(rulebook, txn, "2025-04-14").requirements == []


def test_every_disclosed_letter_cites_its_sec_filing(rulebook: Rulebook) -> None:
    letters = [e for e in rulebook.entries.values() if e.family == "us.ear.informed_letters"]
    assert len(letters) >= 3
    for entry in letters:
        for version in entry.versions:
            assert "Form 8-K" in version.source.citation, entry.id
            assert version.effect is not None and version.effect.verdict == "licence_required"


# ---------------------------------------------------------------- user letters


def _letter(**overrides: Any) -> UserLetter:
    raw: dict[str, Any] = {
        "exporters": ["Example Chips Inc."],
        "products": ["XC-9*", "XC 800"],
        "destinations": ["D:5", "macau"],
        "headquarters": True,
        "basis": "744.23(b)",
        "effective": "2024-01-10",
        "reference": "BIS letter of 2024-01-10",
        "text": "A license is required for ...",
    }
    raw.update(overrides)
    return parse_letter(raw, letter_id="ltr-test")


def test_user_letter_applies_to_its_exporter_products_and_places(rulebook: Rulebook) -> None:
    letter = _letter()
    assert letter.destinations == ("D:5", "Macau")
    exporter = {"role": "exporter", "name": "Example Chips, Inc.", "country": "US"}
    item = {"kind": "integrated_circuit", "name": "Example XC-900"}
    txn = _txn(rulebook, item, [exporter, _end_user("SG", "CN")], destination="SG")
    outcome = _letters(rulebook, txn, "2024-06-01", (letter,))
    assert _ids(outcome) == ["user_letter:ltr-test"]
    assert outcome.requirements[0].citation.startswith("15 CFR 744.23(b)")
    assert _letters(rulebook, txn, "2024-01-09", (letter,)).requirements == []
    other = {"kind": "integrated_circuit", "name": "Example XD-100"}
    txn2 = _txn(rulebook, other, [exporter, _end_user("SG", "CN")], destination="SG")
    assert _letters(rulebook, txn2, "2024-06-01", (letter,)).requirements == []
    named = {"kind": "integrated_circuit", "name": "XC 800"}
    txn3 = _txn(rulebook, named, [exporter, _end_user("CN", "CN")])
    assert _ids(_letters(rulebook, txn3, "2024-06-01", (letter,))) == ["user_letter:ltr-test"]


def test_user_letter_lifted_on_its_end_date(rulebook: Rulebook) -> None:
    letter = _letter(ends="2024-06-01")
    exporter = {"role": "exporter", "name": "Example Chips Inc", "country": "US"}
    txn = _txn(rulebook, {"kind": "integrated_circuit", "name": "XC-9"}, [exporter])
    assert _ids(_letters(rulebook, txn, "2024-05-31", (letter,))) == ["user_letter:ltr-test"]
    assert _letters(rulebook, txn, "2024-06-01", (letter,)).requirements == []


@pytest.mark.parametrize(
    ("override", "loc"),
    [
        ({"basis": "744.99"}, "letter.basis"),
        ({"destinations": ["Atlantis"]}, "letter.destinations[0]"),
        ({"ends": "2024-01-01"}, "letter.ends"),
        ({"effective": "10 Jan 2024"}, "letter.effective"),
        ({"products": []}, "letter.products"),
        ({"review_policy": "lenient"}, "letter.review_policy"),
        ({"colour": "red"}, "letter"),
    ],
)
def test_bad_letters_name_the_field(override: dict[str, Any], loc: str) -> None:
    with pytest.raises(InputError) as err:
        _letter(**override)
    assert err.value.loc == loc


def test_letter_round_trips_through_its_dict() -> None:
    letter = _letter(ends="2025-01-01", review_policy="presumption_of_denial")
    again = parse_letter(letter.to_dict())
    assert again == letter


# ---------------------------------------------------------------- GP10 guidance


def _ascend(**extra: Any) -> dict[str, Any]:
    return {"kind": "integrated_circuit", "name": "Huawei Ascend 910B", **extra}


def test_ascend_910b_asks_the_gp10_question_from_may_13_2025(rulebook: Rulebook) -> None:
    txn = _txn(rulebook, _ascend(), [], destination="MY", export_from="SG")
    assert _gp10(rulebook, txn, "2025-05-12").questions == []
    outcome = _gp10(rulebook, txn, "2025-05-13")
    assert outcome.requirements == []
    assert [q.id for q in outcome.questions] == ["gp10_violation_known"]
    assert outcome.questions[0].field == "items[].item.gp10_violation_known"
    assert outcome.trace is not None and outcome.trace.outcome == "undetermined"


def test_gp10_presumption_standing_prohibits(rulebook: Rulebook) -> None:
    txn = _txn(rulebook, _ascend(gp10_violation_known=True), [], destination="MY", export_from="SG")
    outcome = _gp10(rulebook, txn, "2025-06-01")
    assert [(r.rule_id, r.verdict) for r in outcome.requirements] == [(GP10_RULE, "prohibited")]
    assert "736.2(b)(10)" in outcome.requirements[0].citation


def test_gp10_presumption_rebutted_clears_the_flag(rulebook: Rulebook) -> None:
    txn = _txn(
        rulebook, _ascend(gp10_violation_known=False), [], destination="MY", export_from="SG"
    )
    outcome = _gp10(rulebook, txn, "2025-06-01")
    assert outcome.requirements == [] and outcome.questions == []


def test_user_flag_and_other_chips(rulebook: Rulebook) -> None:
    flagged = {"kind": "integrated_circuit", "name": "Example PRC GPU", "prc_3a090_ic": True}
    txn = _txn(rulebook, flagged, [], destination="MY", export_from="SG")
    assert [q.id for q in _gp10(rulebook, txn, "2025-06-01").questions] == ["gp10_violation_known"]
    h100 = _txn(
        rulebook,
        {"product": "NVIDIA H100 SXM5 80GB"},
        [NVIDIA, _end_user("JP", "JP")],
        destination="JP",
    )
    clean = _gp10(rulebook, h100, "2025-06-01")
    assert clean.requirements == [] and clean.questions == []
