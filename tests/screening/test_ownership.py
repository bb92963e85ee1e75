from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chipcontrols.errors import InputError
from chipcontrols.screening.lists.snapshots import SnapshotStore
from chipcontrols.screening.ownership import ownership_rules, parse_owners
from chipcontrols.screening.service import ScreeningService, parse_parties
from tests.screening.conftest import shared

IN_FORCE = dt.date(2025, 10, 15)  # after 90 FR 47212, before the stay of 90 FR 50857
STAYED = dt.date(2026, 3, 1)
BEFORE = dt.date(2025, 9, 1)


def _rule(report: dict[str, Any], rule_id: str = "us.ear.744.affiliates_rule") -> dict[str, Any]:
    return next(r for r in report["results"][0]["ownership"] if r["rule_id"] == rule_id)


def _screen(party: dict[str, Any], on: dt.date) -> dict[str, Any]:
    return ScreeningService().screen(parse_parties([party], loc="test"), as_of=on)


def test_rule_versions_are_dated_and_cited() -> None:
    rule = next(r for r in ownership_rules() if r.id == "us.ear.744.affiliates_rule")
    assert rule.at(BEFORE) is None
    v = rule.at(IN_FORCE)
    assert v and v.status == "in_force" and "90 FR 47212" in v.citation
    assert rule.at(dt.date(2025, 11, 10)).status == "suspended"  # type: ignore[union-attr]
    assert rule.at(dt.date(2026, 11, 9)).status == "suspended"  # type: ignore[union-attr]
    assert rule.at(dt.date(2026, 11, 10)).status == "in_force"  # type: ignore[union-attr]


def test_direct_majority_owner_on_the_entity_list() -> None:
    party = {
        "name": "Example Foundry Services Co., Ltd.",
        "country": "CN",
        "owners": [
            {"name": "Semiconductor Manufacturing International Corporation", "percent": 51}
        ],
    }
    r = _rule(_screen(party, IN_FORCE))
    assert r["status"] == "applies" and r["owned_percent"] == 51
    assert r["listed_owners"][0]["entry_name"].startswith(
        "Semiconductor Manufacturing International"
    )
    assert "90 FR 47212" in r["version"]["citation"]


def test_shares_of_several_listed_owners_add_up() -> None:
    party = {
        "name": "Joint Venture Co.",
        "owners": [
            {"name": "Yangtze Memory Technologies Co., Ltd.", "percent": 30},
            {"name": "Huawei Technologies Co., Ltd.", "percent": 25},
            {"name": "Some Fund LP", "percent": 45},
        ],
    }
    r = _rule(_screen(party, IN_FORCE))
    assert r["status"] == "applies" and r["owned_percent"] == 55


def test_indirect_ownership_through_an_owned_entity() -> None:
    # X (listed) owns 50% of A; A owns 50% of the party: A is reached, so the party is too.
    party = {
        "name": "Downstream Trading Ltd",
        "owners": [
            {
                "name": "Intermediate Holdings Ltd",
                "percent": 50,
                "owners": [{"name": "Huawei Technologies Co., Ltd.", "percent": 50}],
            },
            {"name": "Local Partner Ltd", "percent": 50},
        ],
    }
    r = _rule(_screen(party, IN_FORCE))
    assert r["status"] == "applies" and r["owned_percent"] == 50
    assert any("Intermediate Holdings Ltd" in s for s in r["steps"])


def test_below_the_threshold_and_chains_that_stop() -> None:
    party = {
        "name": "Minority Investee Ltd",
        "owners": [
            {
                "name": "Intermediate Holdings Ltd",
                "percent": 90,
                "owners": [{"name": "Huawei Technologies Co., Ltd.", "percent": 40}],
            },
            {"name": "Yangtze Memory Technologies Co., Ltd.", "percent": 10},
        ],
    }
    r = _rule(_screen(party, IN_FORCE))
    assert r["status"] == "does_not_apply" and r["owned_percent"] == 10


def test_unknown_share_is_undetermined_with_a_question() -> None:
    party = {
        "name": "Opaque Ventures Ltd",
        "owners": [
            {"name": "Huawei Technologies Co., Ltd."},
            {"name": "Another Owner", "percent": 20},
        ],
    }
    r = _rule(_screen(party, IN_FORCE))
    assert r["status"] == "undetermined"
    assert r["questions"] == [
        "What percentage of Opaque Ventures Ltd does Huawei Technologies Co., Ltd. own?"
    ]


def test_rule_dates_decide_the_status() -> None:
    party = {
        "name": "Example Foundry Services Co., Ltd.",
        "owners": [
            {"name": "Semiconductor Manufacturing International Corporation", "percent": 60}
        ],
    }
    assert _rule(_screen(party, BEFORE))["status"] == "not_in_force"
    stayed = _rule(_screen(party, STAYED))
    assert stayed["status"] == "suspended" and stayed["owned_percent"] == 60
    assert "90 FR 50857" in stayed["version"]["citation"]


def test_ofac_rule_counts_sdn_owners() -> None:
    SnapshotStore().import_file(shared("moov-watchman/test_testdata_static/sdn.csv"))
    party = {
        "name": "Havana Leasing SA",
        "owners": [{"name": "BANCO NACIONAL DE CUBA", "percent": 50}],
    }
    report = _screen(party, dt.date(2025, 1, 1))
    ofac = _rule(report, "us.ofac.50_percent_rule")
    assert ofac["status"] == "applies" and ofac["version"]["aggregation"] == "aggregate"
    assert _rule(report)["status"] == "not_in_force"  # EAR rule, and SDN owners do not count there
    old = _rule(
        _screen(
            {
                "name": "X SA",
                "owners": [
                    {"name": "BANCO NACIONAL DE CUBA", "percent": 30},
                    {"name": "AEROCARIBBEAN AIRLINES", "percent": 30},
                ],
            },
            dt.date(2010, 1, 1),
        ),
        "us.ofac.50_percent_rule",
    )
    assert old["status"] == "does_not_apply"  # 2008 guidance: one blocked owner of 50% or more


@pytest.mark.parametrize(
    "owners",
    [
        [{"name": "A", "percent": 60}, {"name": "B", "percent": 60}],
        [{"name": "A", "percent": -1}],
        [{"name": "A", "percent": "half"}],
        [{"name": "", "percent": 10}],
        [{"name": "A", "percent": 10, "shares": 5}],
        {"name": "A"},
    ],
)
def test_bad_ownership_input(owners: Any) -> None:
    with pytest.raises(InputError):
        parse_owners(owners, loc="owners")


def test_the_ownership_rules_of_the_answer_s_rulebook_apply(tmp_path: Any) -> None:
    """A replay computes under the record's (archived) rulebook: the ownership rules are that
    rulebook's, not the bundled ones. Here a copy of the law with the threshold at 60%."""
    import shutil

    from chipcontrols.rulebook.rulebook import LAW_DIR, load_rulebook_from

    law = tmp_path / "law"
    shutil.copytree(LAW_DIR, law)
    path = law / "screening" / "us_ear_affiliates_rule.yaml"
    text = path.read_text("utf-8")
    assert text.count("      value: 50\n") >= 1
    path.write_text(text.replace("      value: 50\n", "      value: 60\n"), "utf-8")
    other = load_rulebook_from(law)
    party = parse_parties(
        [
            {
                "name": "Example Foundry Services Co., Ltd.",
                "country": "CN",
                "owners": [
                    {"name": "Semiconductor Manufacturing International Corporation", "percent": 51}
                ],
            }
        ],
        loc="test",
    )
    bundled = ScreeningService().screen(party, as_of=IN_FORCE)
    edited = ScreeningService(rulebook=other).screen(party, as_of=IN_FORCE)
    assert _rule(bundled)["status"] == "applies"
    assert _rule(edited)["status"] != "applies"
