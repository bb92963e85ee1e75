from __future__ import annotations

import json

from typer.testing import CliRunner

from chipcontrols.cli.main import app

runner = CliRunner()


def test_list_filters() -> None:
    result = runner.invoke(
        app, ["catalog", "list", "--maker", "ASML", "--where", "euv=true", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    names = [p["name"] for p in json.loads(result.output)["products"]]
    assert "ASML TWINSCAN NXE:3400C" in names and "ASML TWINSCAN NXT:2000i" not in names


def test_show_prints_every_figure_with_its_source() -> None:
    result = runner.invoke(app, ["catalog", "show", "NXT:2050i"])
    assert result.exit_code == 0, result.output
    assert "wavelength_nm = 193" in result.output
    assert "source (" in result.output
    assert "not published by the maker" in result.output
    assert "maker statements" in result.output


def test_classify_product_shows_the_maker_statement() -> None:
    result = runner.invoke(
        app, ["classify", "--product", "NVIDIA H100 SXM5 80GB", "--as-of", "2024-01-01"]
    )
    assert result.exit_code == 0, result.output
    assert "Maker statements compared with the engine" in result.output
    assert "AGREES" in result.output
    data = runner.invoke(
        app, ["classify", "--product", "NXT:2050i", "--as-of", "2024-01-01", "-f", "json"]
    )
    statements = json.loads(data.output)["maker_statements"]
    assert statements[0]["outcome"] == "open"
