"""Maker statements against the engine's classification, and the generated table in docs/."""

from __future__ import annotations

from pathlib import Path

from chipcontrols.catalog import load_catalog
from chipcontrols.catalog.statements import (
    AGREES,
    END_MARKER,
    NOT_COMPARABLE,
    OPEN,
    START_MARKER,
    compare_catalog,
    compare_product,
    statements_markdown,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "maker-statements.md"


def test_nvidia_8k_agrees_with_3a090_for_the_a800() -> None:
    # NVIDIA's 8-K of 17 Oct 2023 names the A800; under 88 FR 73458 (from 17 Nov 2023) its TPP
    # (312 x 16 = 4992 >= 4800) meets 3A090.a.
    (c,) = compare_product(load_catalog().get("NVIDIA A800 SXM4 80GB"))
    assert c.outcome == AGREES and "3A090.a" in c.engine


def test_dgx_h100_agrees_through_4a090() -> None:
    (c,) = compare_product(load_catalog().get("NVIDIA DGX H100"))
    assert c.outcome == AGREES and "4A090.a" in c.engine


def test_asml_statement_is_open_and_names_the_unpublished_figure() -> None:
    # ASML names the NXT:2050i in its Dutch statement of 30 June 2023; no overlay for it is held.
    c = compare_product(load_catalog().get("NXT:2050i"))[0]
    assert c.outcome == OPEN
    assert c.unpublished == ["dedicated_chuck_overlay_nm"]
    assert "not published by the maker" in c.reason


def test_asml_dutch_statements_agree_where_the_overlay_is_known() -> None:
    # ASML (30 June 2023): NXT:2000i licensed from 1 Sept 2023; (6 Sept 2024): NXT:1970i and
    # NXT:1980i from 7 Sept 2024. Overlays 1.4 / 2.0 / 1.6 nm as quoted from ASML (catalog sources).
    cat = load_catalog()
    for name in ("NXT:2000i", "NXT:1970Ci", "NXT:1980Di"):
        (nl,) = [c for c in compare_product(cat.get(name)) if c.statement.jurisdiction == "NL"]
        assert nl.outcome == AGREES, (name, nl.reason)


def test_letter_requirements_are_not_compared_with_the_list() -> None:
    (c,) = compare_product(load_catalog().get("H20"))
    assert c.outcome == NOT_COMPARABLE and "letter" in c.reason


def test_generated_table_is_in_sync() -> None:
    text = DOC.read_text()
    start = text.index(START_MARKER)
    end = text.index(END_MARKER) + len(END_MARKER)
    assert text[start:end] + "\n" == statements_markdown(compare_catalog()), (
        "docs/maker-statements.md is out of date: run "
        "`chipcontrols catalog statements --write docs/maker-statements.md`"
    )


def test_unpublished_note_for_questions() -> None:
    from chipcontrols.catalog.statements import unpublished_note

    text = unpublished_note("NXT:2050i", "dedicated_chuck_overlay_nm")
    assert text is not None
    assert text.startswith("ASML does not publish the dedicated_chuck_overlay_nm")
    assert "What the maker has said" in text and "NXT:2050i" in text
    assert unpublished_note("NXT:2000i", "dedicated_chuck_overlay_nm") is None
    assert unpublished_note("NXT:2050i", "wavelength_nm") is None
    assert unpublished_note("no such product", "wavelength_nm") is None
