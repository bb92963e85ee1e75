"""Charts are written as PNG or SVG, sized to their content; other suffixes are refused."""

from __future__ import annotations

import datetime as dt
import struct
from functools import cache
from pathlib import Path

import pytest

from chipcontrols.errors import InputError
from chipcontrols.scenario.charts import heatmap, timeline_chart
from chipcontrols.scenario.coalition import Analyst
from chipcontrols.scenario.matrix import ALL_SUPPLIERS, CoalitionMatrix
from chipcontrols.scenario.timeline import timeline

D = dt.date


@cache
def matrix() -> CoalitionMatrix:
    return Analyst().matrix("CN", D(2023, 8, 31), suppliers=ALL_SUPPLIERS)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_heatmap_png_grows_with_rows_and_columns(tmp_path: Path) -> None:
    full = heatmap(matrix(), tmp_path / "all.png")
    small = heatmap(
        Analyst().matrix(
            "CN",
            D(2023, 8, 31),
            suppliers=("US", "NL", "JP"),
            capabilities=["euv_lithography", "hbm"],
        ),
        tmp_path / "small.png",
    )
    (w_full, h_full), (w_small, h_small) = _png_size(full), _png_size(small)
    assert w_full > w_small and h_full > h_small
    assert h_full > 1500  # 20 rows at a readable size


def test_heatmap_svg_has_the_labels(tmp_path: Path) -> None:
    out = heatmap(matrix(), tmp_path / "matrix.svg")
    text = out.read_text()
    assert text.lstrip().startswith("<?xml")
    assert "GAP (supplied)" in text and "ArF immersion, overlay" in text


def test_timeline_chart(tmp_path: Path) -> None:
    result = timeline(Analyst(), "CN", D(2023, 1, 1), D(2025, 1, 1))
    out = timeline_chart(result, tmp_path / "tl.png")
    width, height = _png_size(out)
    assert width > 1500 and height > 1000
    svg = timeline_chart(result, tmp_path / "tl.svg", capabilities=["arfi_dco_2_4"])
    assert "07 Sep 2024" in svg.read_text()


@pytest.mark.parametrize("name", ["chart.jpg", "chart", "missing-folder/chart.png"])
def test_bad_chart_paths(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError):
        heatmap(matrix(), tmp_path / name)
