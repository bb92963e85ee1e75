"""The EAR procedure names provisions in its prose through `us.ear.procedure.<key>` (law), never
through literals: each `{key}` of a template is the short citation in force on the date."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from chipcontrols.determination.coverage import (
    STEP_NAMES,
    procedure_short,
    procedure_text,
)
from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook

DAY = dt.date(2025, 6, 1)


@pytest.fixture(scope="module")
def rulebook() -> Rulebook:
    return load_rulebook()


@pytest.mark.parametrize(
    ("key", "short"),
    [
        ("subject_in_us", "734.3(a)(1)"),  # citation 15 CFR 734.3(a)(1)
        ("step_us_person", "744.6"),  # the gloss "(U.S. persons)" is dropped
        ("embargo", "part 746"),
        ("entity_list", "Supp. No. 4 to part 744"),
        ("rff", "740.26"),
        ("nac_aca_restriction", "740.8(b)"),
    ],
)
def test_the_short_citation_drops_the_title_and_a_closing_gloss(
    rulebook: Rulebook, key: str, short: str
) -> None:
    assert procedure_short(rulebook, key, DAY) == short


def test_the_step_names_name_the_provisions_of_the_law(rulebook: Rulebook) -> None:
    names = {step: procedure_text(rulebook, t, DAY) for step, t in STEP_NAMES.items()}
    assert names["end_user"] == "the end-user controls of part 744 (Entity List, 744.11)"
    assert names["subject"] == "whether a foreign-made item is subject to the EAR (734.4, 734.9)"
    assert all("{" not in n for n in names.values())


def test_an_unknown_key_is_an_error(rulebook: Rulebook) -> None:
    with pytest.raises(KeyError, match="no_such_step"):
        procedure_text(rulebook, "see {no_such_step}", DAY)


def test_a_change_of_citation_in_the_law_changes_the_text(rulebook: Rulebook) -> None:
    """The text follows the list version, so a new citation is a new (hashed) law version."""
    dated = rulebook.lists["us.ear.procedure.embargo"]
    version = dated.versions[0]
    changed = dataclasses.replace(
        version, source=dataclasses.replace(version.source, citation="15 CFR part 999")
    )
    copy = Rulebook(
        rulebook.kinds,
        rulebook.parameters,
        rulebook.entries,
        "rb-test",
        {**rulebook.lists, dated.id: dataclasses.replace(dated, versions=(changed,))},
    )
    assert procedure_text(copy, "{embargo} embargoes are not encoded", DAY) == (
        "part 999 embargoes are not encoded"
    )
