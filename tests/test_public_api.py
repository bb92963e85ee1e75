"""The curated public API: each name resolves, and unknown names fail clearly."""

from __future__ import annotations

import datetime as dt

import pytest

import chipcontrols


def test_public_names_resolve() -> None:
    for name in chipcontrols.__all__:
        assert getattr(chipcontrols, name) is not None


def test_classify_and_determine_through_the_package() -> None:
    result = chipcontrols.classify({"product": "NVIDIA H100 SXM5 80GB"}, dt.date(2024, 1, 1))
    assert result.status_of("us.ear.ccl.3a090.a") is not None
    assert result.status_of("us.ear.ccl.3a090.a").value == "met"


def test_unknown_name() -> None:
    with pytest.raises(AttributeError, match="no attribute 'classsify'"):
        chipcontrols.classsify  # noqa: B018
