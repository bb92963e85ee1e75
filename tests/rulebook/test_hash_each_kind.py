"""The rulebook version is a hash of the law: an edit of any kind of law file changes it, so a
replay can never differ from its record without a version change that explains it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chipcontrols.rulebook.rulebook import LAW_DIR, content_hash

# One file of each kind of law, and a value in it whose edit changes what the engine answers.
KINDS = {
    "parameter declarations": ("parameters/chips.yaml", "unit:"),
    "control entry (CCL)": ("us/ear/ccl/3a090.yaml", "4800"),
    "licence rule (part 744)": ("us/ear/licence/744_23.yaml", "effective:"),
    "dated list (country groups)": ("us/ear/lists/country_groups.yaml", "members:"),
    "coverage list": ("us/ear/coverage.yaml", "effective:"),
    "national regime": ("nl/regime.yaml", "citation:"),
    "procedure citations": ("us/ear/procedure.yaml", "citation:"),
    "EU entry": ("eu/dual_use/3b001.yaml", "effective:"),
    "Chinese controls": ("cn/coverage.yaml", "effective:"),
    "investment rule": ("fdi/uk_nsi.yaml", "citation:"),
    "ownership rule (screening)": ("screening/us_ear_affiliates_rule.yaml", "citation:"),
    "restricted-party lists (data beside the law)": ("screening/_lists.yaml", "publication:"),
    "question wording (data beside the law)": ("us/ear/_questions.yaml", "text:"),
    "letter bases (data beside the law)": ("us/ear/_letter_bases.yaml", "bases:"),
    "Federal Register effective dates (data beside the law)": (
        "screening/_fr_effective_dates.yaml",
        "effective:",
    ),
}


@pytest.fixture(scope="module")
def law(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("law") / "law"
    shutil.copytree(LAW_DIR, root)
    return root


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_an_edit_of_each_kind_of_law_changes_the_version(law: Path, kind: str) -> None:
    rel, marker = KINDS[kind]
    path = law / rel
    assert path.exists(), f"{rel}: the law file this test edits has moved"
    original = path.read_text("utf-8")
    assert marker in original, f"{rel}: no '{marker}' to edit"
    before = content_hash(law)
    # A one-character change after the marker (a space in a YAML value keeps the file valid).
    path.write_text(original.replace(marker, marker + " ", 1), "utf-8")
    try:
        assert content_hash(law) != before  # the rulebook's version (test_loader checks that)
    finally:
        path.write_text(original, "utf-8")
    assert content_hash(law) == before
