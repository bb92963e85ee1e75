"""The catalog loader is strict: every figure has a source; statements are checked data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chipcontrols.catalog import load_catalog
from chipcontrols.catalog.catalog import load_catalog_from
from chipcontrols.catalog.query import parse_where, search_products
from chipcontrols.errors import DataError, InputError

GOOD = """
name: Test Scanner
maker: Acme
item:
  kind: lithography_scanner
  wavelength_nm: 193
  numerical_aperture: 1.35
figures:
  - fields: [wavelength_nm, numerical_aperture]
    source: Acme datasheet
    url: https://example.com
    date: 2024-05
"""


def _load(tmp_path: Path, text: str):
    (tmp_path / "p.yaml").write_text(text)
    return load_catalog_from(tmp_path)


def test_every_catalog_figure_has_a_source() -> None:
    # The loader refuses a product whose figure no `figures` entry names; check it holds here too.
    for product in load_catalog().products:
        for key in product.figure_keys():
            fig = product.source_of(key)
            assert fig is not None, f"{product.file}: {key} has no source"
            assert str(fig.get("source", "")).strip(), f"{product.file}: {key} source is empty"


def test_a_figure_without_a_source_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace(
        "  numerical_aperture: 1.35\n", "  numerical_aperture: 1.35\n  immersion: true\n"
    )
    with pytest.raises(DataError, match=r"immersion.*no source"):
        _load(tmp_path, text)


def test_a_source_naming_a_missing_figure_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace(
        "fields: [wavelength_nm, numerical_aperture]",
        "fields: [wavelength_nm, numerical_aperture, euv]",
    )
    with pytest.raises(DataError, match="not a figure of the item"):
        _load(tmp_path, text)


def test_statements_are_validated(tmp_path: Path) -> None:
    base = GOOD + "maker_statements:\n  - date: 2023-06-30\n    text: x\n    source: y\n"
    with pytest.raises(DataError, match="claim"):
        _load(tmp_path, base + "    claim: licensed\n    jurisdiction: NL\n")
    with pytest.raises(DataError, match="jurisdiction"):
        _load(tmp_path, base + "    claim: controlled\n")
    with pytest.raises(DataError, match="eccn"):
        _load(tmp_path, base + "    claim: eccn\n")
    with pytest.raises(DataError, match="unknown key"):
        _load(tmp_path, base + "    claim: controlled\n    jurisdiction: NL\n    licence: yes\n")
    cat = _load(tmp_path, base + "    claim: eccn\n    eccn: 3B001.f.1\n")
    (s,) = cat.products[0].statements
    assert s.jurisdiction == "US" and s.date == dt.date(2023, 6, 30)


def test_unpublished_figure_cannot_also_be_given(tmp_path: Path) -> None:
    text = GOOD + (
        "unpublished:\n  - param: wavelength_nm\n    note: not published\n    checked: 2026-12-04\n"
    )
    with pytest.raises(DataError, match="not unpublished"):
        _load(tmp_path, text)


def test_figure_dates_are_dates(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="date"):
        _load(tmp_path, GOOD.replace("date: 2024-05", "date: May 2024"))


def test_undated_sources_do_not_grow() -> None:
    # Sources recorded before figures carried dates; new ones must be dated. Lower the bound as
    # dates are added, never raise it.
    undated = sum(1 for p in load_catalog().products for f in p.figures if "date" not in f)
    assert undated <= 100


# ASML's dedicated chuck overlay where a source quoting ASML gives it (highuvlith docs/nodes/
# 22-to-10nm.md and litho-math.md, citing ASML's SPIE 2014 presentation and product pages).
_ASML_DCO = {"NXT:1950i": 2.5, "NXT:1970Ci": 2.0, "NXT:1980Di": 1.6, "NXT:2000i": 1.4}


def test_asml_immersion_scanners_give_the_overlay_or_say_it_is_unpublished() -> None:
    cat = load_catalog()
    for name, dco in _ASML_DCO.items():
        product = cat.get(name)
        assert product.item["dedicated_chuck_overlay_nm"] == dco
        source = product.source_of("dedicated_chuck_overlay_nm")
        assert source is not None and "highuvlith" in source["source"]
    for name in ("NXT:2050i", "NXT:2100i", "NXT:2150i", "NXT:1980Fi"):
        product = cat.get(name)
        assert "dedicated_chuck_overlay_nm" not in product.item
        note = product.unpublished_note("dedicated_chuck_overlay_nm")
        assert note is not None and "does not publish" in note["note"]


def test_dgx_h100_is_known() -> None:
    product = load_catalog().get("NVIDIA DGX H100")
    assert product.kind == "computer"


def test_where_filters() -> None:
    cat = load_catalog()
    big = search_products(cat, kind="integrated_circuit", where=[parse_where("tpp>=4800")])
    names = {p.name for p in big}
    assert "NVIDIA H100 SXM5 80GB" in names and "NVIDIA HGX H20 96GB" not in names
    asml = search_products(cat, maker="asml", where=[parse_where("euv=true")])
    assert asml and all(p.maker == "ASML" and p.item.get("euv") is True for p in asml)
    lacking = search_products(
        cat,
        maker="ASML",
        where=[parse_where("!dedicated_chuck_overlay_nm"), parse_where("immersion=true")],
    )
    assert {p.name for p in lacking} >= {"ASML TWINSCAN NXT:2050i"}
    assert "ASML TWINSCAN NXT:2000i" not in {p.name for p in lacking}
    assert search_products(cat, text="dgx h100")[0].name == "NVIDIA DGX H100"
    with pytest.raises(InputError):
        parse_where("tpp >>> 3")


def test_every_product_is_a_valid_item_and_unpublished_names_a_parameter() -> None:
    from chipcontrols.model.items import parse_item
    from chipcontrols.rulebook.rulebook import load_rulebook

    rulebook = load_rulebook()
    cat = load_catalog()
    for product in cat.products:
        item = parse_item(product.spec(), rulebook, loc=product.file, products=cat.lookup)
        for entry in product.unpublished:
            param = rulebook.parameters.get(entry["param"])
            assert param is not None, f"{product.file}: unknown parameter {entry['param']}"
            assert item.kind in param.kinds, (
                f"{product.file}: {entry['param']} is not a {item.kind} figure"
            )


_NOT_TOOLS = {"integrated_circuit", "memory_ic", "computer"}


def test_catalog_holds_enough_tools_and_chips() -> None:
    """At least 160 products: 80 chip-making tools and 80 chips, with systems and HBM stacks."""
    cat = load_catalog()
    kinds = [p.kind for p in cat.products]
    assert len(cat.products) >= 160
    assert sum(1 for k in kinds if k not in _NOT_TOOLS) >= 80
    assert kinds.count("integrated_circuit") >= 80
    assert kinds.count("computer") >= 6 and kinds.count("memory_ic") >= 10
