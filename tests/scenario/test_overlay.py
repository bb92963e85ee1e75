"""Scenario files: built by the law loader's own parsers, validated as strictly, never touching
the real rulebook."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from chipcontrols.rulebook.rulebook import LAW_DIR, content_hash, load_rulebook
from chipcontrols.scenario.overlay import ScenarioError, load_scenario, parse_scenario

EXAMPLES = Path(__file__).parents[2] / "examples" / "scenarios"
BAD = Path(__file__).parent / "fixtures" / "bad"


def _expectations(path: Path) -> tuple[str, str | None]:
    text = path.read_text()
    expect = re.search(r"^# expect: (.+)$", text, re.M)
    loc = re.search(r"^# loc: (.+)$", text, re.M)
    assert expect, f"{path.name} states no expected error"
    return expect.group(1), loc.group(1) if loc else None


@pytest.mark.parametrize("path", sorted(BAD.glob("*.yaml")), ids=lambda p: p.stem)
def test_bad_scenario_is_refused_with_location(path: Path) -> None:
    message, loc = _expectations(path)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    error = info.value
    assert error.code == "invalid_scenario"
    assert error.exit_code == 2
    assert message in error.message, error.one_line()
    assert error.loc and str(path) in error.loc
    if loc:
        assert loc in error.loc


def test_at_least_a_dozen_bad_fixtures() -> None:
    assert len(list(BAD.glob("*.yaml"))) >= 12


SCENARIOS = [
    p
    for p in sorted(EXAMPLES.glob("*.yaml"))
    if p.stem not in ("past-determinations", "assumptions-example")
]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_example_scenarios_build(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.rulebook.version.startswith("sc-")
    assert scenario.rulebook.version != scenario.base.version
    assert scenario.changes


def test_scenario_never_alters_the_real_rulebook() -> None:
    real = load_rulebook()
    before_version, before_hash = real.version, content_hash(LAW_DIR)
    entry = real.entries["nl.sme_2023.3b001.f.4"]
    versions = entry.versions
    scenario = load_scenario(EXAMPLES / "nl-extension-2024-01.yaml")
    assert len(scenario.rulebook.entries["nl.sme_2023.3b001.f.4"].versions) == len(versions) + 1
    assert real.entries["nl.sme_2023.3b001.f.4"] is entry
    assert entry.versions is versions
    assert real.version == before_version
    assert content_hash(LAW_DIR) == before_hash
    # untouched entries are shared, not copied
    assert scenario.rulebook.entries["us.ear.ccl.3a090.a"] is real.entries["us.ear.ccl.3a090.a"]


def test_added_version_is_in_force_from_its_date() -> None:
    scenario = load_scenario(EXAMPLES / "nl-extension-2024-01.yaml")
    entry = scenario.rulebook.entries["nl.sme_2023.3b001.f.4"]
    assert entry.version_at(dt.date(2023, 12, 31)) is entry.versions[0]
    assert entry.version_at(dt.date(2024, 1, 1)).effective == dt.date(2024, 1, 1)  # type: ignore[union-attr]
    assert entry.version_at(dt.date(2024, 9, 7)).effective == dt.date(2024, 9, 7)  # type: ignore[union-attr]


def test_remove_entry_ends_it_from_its_date() -> None:
    scenario = load_scenario(EXAMPLES / "japan-lifts-arfi.yaml")
    view_before = scenario.rulebook.at(dt.date(2025, 6, 30))
    view_after = scenario.rulebook.at(dt.date(2025, 7, 1))
    assert view_before.get("jp.meti.goods_ordinance.art6.item17.wo") is not None
    assert view_after.get("jp.meti.goods_ordinance.art6.item17.wo") is None
    assert load_rulebook().at(dt.date(2025, 7, 1)).get("jp.meti.goods_ordinance.art6.item17.wo")


def test_list_versions_change_members() -> None:
    scenario = parse_scenario(
        {
            "name": "Singapore in D:5",
            "changes": [
                {
                    "add_list_versions": {
                        "list": "us.ear.country_groups.d5",
                        "versions": [
                            {
                                "effective": "2027-01-01",
                                "source": {"citation": "Scenario"},
                                "text": "Singapore added",
                                "members": sorted(
                                    load_rulebook().members(
                                        "us.ear.country_groups.d5", dt.date(2026, 11, 1)
                                    )
                                    | {"SG"}
                                ),
                            }
                        ],
                    }
                }
            ],
        }
    )
    assert "SG" in scenario.rulebook.members("us.ear.country_groups.d5", dt.date(2027, 1, 1))
    assert "SG" not in scenario.rulebook.members("us.ear.country_groups.d5", dt.date(2026, 12, 31))
    assert "SG" not in load_rulebook().members("us.ear.country_groups.d5", dt.date(2027, 1, 1))


def test_same_document_gives_the_same_rulebook() -> None:
    a = load_scenario(EXAMPLES / "us-rs-3b993-f1.yaml")
    b = load_scenario(EXAMPLES / "us-rs-3b993-f1.yaml")
    assert a.rulebook is b.rulebook


def test_a_scenario_may_build_on_its_own_earlier_change() -> None:
    base_entry = {
        "id": "us.ear.scenario_two_steps",
        "jurisdiction": "US",
        "instrument": "Scenario",
        "title": "Two steps",
        "applies_to": ["lithography_scanner"],
        "entries": [
            {
                "id": "us.ear.scenario_two_steps.a",
                "entry": "X.a",
                "title": "X",
                "versions": [
                    {
                        "effective": "2027-01-01",
                        "source": {"citation": "Scenario"},
                        "text": "x",
                        "condition": {"param": "euv", "op": "==", "value": True},
                    }
                ],
            }
        ],
    }
    scenario = parse_scenario(
        {
            "name": "two steps",
            "changes": [
                {"add_entry": base_entry},
                {
                    "remove_entry": {
                        "entry": "us.ear.scenario_two_steps.a",
                        "effective": "2028-01-01",
                        "source": {"citation": "Scenario"},
                        "text": "gone",
                    }
                },
            ],
        }
    )
    entry = scenario.rulebook.entries["us.ear.scenario_two_steps.a"]
    assert [v.status for v in entry.versions] == ["in_force", "removed"]
    assert [c.kind for c in scenario.changes] == ["add_entry", "remove_entry"]


def test_a_scenario_that_builds_a_reference_cycle_is_refused() -> None:
    entry = {
        "id": "us.ear.cycle",
        "jurisdiction": "US",
        "instrument": "Scenario",
        "title": "cycle",
        "applies_to": ["lithography_scanner"],
        "entries": [
            {
                "id": f"us.ear.cycle.{a}",
                "entry": a,
                "title": a,
                "versions": [
                    {
                        "effective": "2027-01-01",
                        "source": {"citation": "Scenario"},
                        "text": "x",
                        "condition": {"ref": f"us.ear.cycle.{b}"},
                    }
                ],
            }
            for a, b in (("a", "b"), ("b", "a"))
        ],
    }
    with pytest.raises(ScenarioError, match="cycle"):
        parse_scenario({"name": "cycle", "changes": [{"add_entry": entry}]})
