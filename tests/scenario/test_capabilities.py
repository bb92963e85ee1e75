"""The capabilities vocabulary: products found by their figures or named with a source, bands
checked and sampled where the law can change its answer."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from chipcontrols.catalog import load_catalog
from chipcontrols.errors import DataError, NotFoundError
from chipcontrols.rulebook.rulebook import load_rulebook
from chipcontrols.scenario.capabilities import (
    Band,
    load_capabilities,
    parse_capabilities,
    thresholds,
    variants,
)


def _names(capability_id: str) -> list[str]:
    return [p.name for p in load_capabilities().get(capability_id).members]


def test_bundled_vocabulary_covers_the_issue_list() -> None:
    vocabulary = load_capabilities()
    ids = {c.id for c in vocabulary.capabilities}
    assert {
        "euv_lithography",
        "arfi_dco_1_5",
        "arfi_dco_2_4",
        "arf_dry_lithography",
        "dielectric_etch",
        "ald_metal",
        "si_sige_epitaxy",
        "eda_gaafet",
        "ai_accelerator_tpp_4800",
        "ai_accelerator_tpp_1600",
        "hbm",
    } <= ids
    for capability in vocabulary.capabilities:
        if capability.named:
            assert capability.source is not None
        if capability.bands:
            assert capability.band_source is not None


def test_members_by_figures_and_by_name() -> None:
    assert "ASML TWINSCAN NXT:2000i" in _names("arfi_dco_1_5")
    assert "ASML TWINSCAN NXT:1980Di" in _names("arfi_dco_2_4")
    assert "ASML TWINSCAN NXE:3400C" in _names("euv_lithography")
    assert "ASML TWINSCAN EXE:5000" not in _names("euv_lithography")
    assert _names("arfi_mrf_above_45") == ["Nikon NSR-S609B"]
    assert "NVIDIA H100 SXM5 80GB" in _names("ai_accelerator_tpp_4800")
    assert "NVIDIA HGX H20 96GB" in _names("ai_accelerator_tpp_1600")
    assert "NVIDIA HGX H20 96GB" not in _names("ai_accelerator_tpp_4800")
    assert "NVIDIA GeForce RTX 4090" in _names("gaming_gpu_tpp_4800")
    assert "NVIDIA GeForce RTX 4090" not in _names("ai_accelerator_tpp_4800")
    hbm = load_capabilities().get("hbm")
    assert hbm.is_class and not hbm.members
    assert not load_capabilities().get("eda_gaafet").modelled


def test_unknown_capability_suggests() -> None:
    with pytest.raises(NotFoundError, match="arfi_dco_1_5"):
        load_capabilities().get("arfi")


def test_thresholds_come_from_the_rulebook() -> None:
    assert thresholds(load_rulebook(), "dedicated_chuck_overlay_nm") == (1.5, 2.4)


@pytest.mark.parametrize(
    ("band", "cuts", "points"),
    [
        (Band("x", None, True, 1.5, True), (1.5, 2.4), (0.75, 1.5)),
        (Band("x", 1.5, False, 2.4, True), (1.5, 2.4), (1.95, 2.4)),
        (Band("x", 1.5, False, 2.4, True), (1.5, 2.0, 2.4), (1.75, 2.0, 2.2, 2.4)),
        (Band("x", 2.0, False, None, True), (2.0, 3.3), (2.65, 3.3, 4.95)),
        (Band("x", 1.0, True, 3.0, False), (), (1.0, 2.0)),
    ],
)
def test_band_points_cover_every_region(
    band: Band, cuts: tuple[float, ...], points: tuple[float, ...]
) -> None:
    assert band.points(cuts, 0.0, None) == pytest.approx(points)


def test_variants_fill_the_band_only_where_the_product_is_silent() -> None:
    rulebook = load_rulebook()
    band = Band("dedicated_chuck_overlay_nm", None, True, 1.5, True)
    spec: dict[str, Any] = {"kind": "lithography_scanner", "wavelength_nm": 193}
    out = variants(spec, [band], {}, rulebook, spec)
    assert [v.point for v in out] == [
        (("dedicated_chuck_overlay_nm", 0.75),),
        (("dedicated_chuck_overlay_nm", 1.5),),
    ]
    stated = {**spec, "dedicated_chuck_overlay_nm": 1.2}
    assert [v.spec for v in variants(stated, [band], {}, rulebook, stated)] == [stated]


# ---------------------------------------------------------------------------- bad vocabularies

GOOD: dict[str, Any] = {
    "capabilities": [
        {
            "id": "arfi",
            "name": "ArF immersion",
            "group": "Lithography",
            "kind": "lithography_scanner",
            "description": "test",
            "products": [{"product": "ASML TWINSCAN NXT:2000i"}],
            "source": {"citation": "test source"},
            "bands": {"dedicated_chuck_overlay_nm": {"max": 1.5}},
            "band_source": {"citation": "test"},
        }
    ]
}


def _parse(doc: dict[str, Any]) -> None:
    parse_capabilities(doc, rulebook=load_rulebook(), catalog=load_catalog(), file="test.yaml")


def test_good_vocabulary_parses() -> None:
    _parse(GOOD)


def _bad(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(GOOD)
    body = doc["capabilities"][0]
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_bad(colour="red"), "unknown key(s) ['colour']"),
        (_bad(id="Bad-Id"), "'id' must match"),
        (_bad(kind="lithography"), "unknown item kind 'lithography'"),
        (_bad(source=None), "named products need a 'source'"),
        (_bad(band_source=None), "bands need a 'band_source'"),
        (_bad(bands={"numerical_aperture": {"max": 1.4}}), "input of a derived parameter"),
        (_bad(bands={"immersion": {"max": 1}}), "needs a number parameter"),
        (_bad(bands={"dedicated_chuck_overlay_nm": {"max": 1.5, "below": 2}}), "not both"),
        (_bad(bands={"dedicated_chuck_overlay_nm": {"min": 3, "max": 2}}), "is empty"),
        (_bad(bands={"tpp": {"max": 1}}), "not a parameter of kind lithography_scanner"),
        (_bad(select={"ref": "us.ear.ccl.3b001.f.1"}), "param leaves"),
        (_bad(select={"param": "tpp", "op": ">", "value": 1}), "not a parameter of kind"),
        (_bad(products=[{"product": "NVIDIA H100 SXM5 80GB"}]), "not a lithography_scanner"),
        (_bad(facts={"overlay": 1}), "not a parameter of kind"),
        (_bad(kind=None), "needs the capability's 'kind'"),
    ],
)
def test_bad_vocabulary_is_refused(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(DataError) as info:
        _parse(doc)
    assert message in info.value.message
    assert info.value.loc and info.value.loc.startswith("test.yaml")


def test_product_figure_outside_its_band_is_refused() -> None:
    doc = _bad(
        products=[{"product": "ASML TWINSCAN NXE:3400C"}],
        bands={"numerical_aperture": {"max": 0.3}},
    )
    with pytest.raises(DataError):
        _parse(doc)
    doc = _bad(
        kind="integrated_circuit",
        products=[{"product": "NVIDIA H100 SXM5 80GB"}],
        bands={"performance_density": {"max": 5}},
    )
    with pytest.raises(DataError, match="outside the band"):
        _parse(doc)


def test_unknown_named_product_is_refused() -> None:
    with pytest.raises(NotFoundError, match="unknown product"):
        _parse(_bad(products=[{"product": "ASML TWINSCAN NXT:9999i"}]))


def test_duplicate_ids_are_refused() -> None:
    doc = copy.deepcopy(GOOD)
    doc["capabilities"].append(copy.deepcopy(doc["capabilities"][0]))
    with pytest.raises(DataError, match="defined twice"):
        _parse(doc)
