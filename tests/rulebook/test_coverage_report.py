"""docs/law-coverage.md is generated from the rulebook and must not drift from the law files."""

from __future__ import annotations

import ast
import difflib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipcontrols.cli.main import app
from chipcontrols.rulebook import coverage_report
from chipcontrols.rulebook.coverage_report import (
    END_MARKER,
    REGENERATE,
    START_MARKER,
    coverage_markdown,
    generated_section,
    replace_generated,
)
from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "law-coverage.md"
runner = CliRunner()


@pytest.fixture(scope="module")
def report() -> str:
    return coverage_markdown(load_rulebook())


def test_document_matches_the_law_files(report: str) -> None:
    section = generated_section(DOC.read_text(encoding="utf-8"))
    assert section is not None, (
        f"{DOC} lost its markers {START_MARKER!r} / {END_MARKER!r}; put them back and run "
        f"`.venv/bin/{REGENERATE}`"
    )
    if section != report:
        diff = "\n".join(
            list(
                difflib.unified_diff(
                    section.splitlines(), report.splitlines(), "document", "law files", lineterm=""
                )
            )[:40]
        )
        pytest.fail(
            "docs/law-coverage.md is out of date with the law files. Regenerate it from the "
            f"repository root with:\n\n    .venv/bin/{REGENERATE}\n\nFirst differences:\n{diff}",
            pytrace=False,
        )


def test_every_us_shipment_rule_and_coverage_list_is_listed(report: str) -> None:
    rulebook = load_rulebook()
    us_rules = [
        e.id
        for e in rulebook.entries.values()
        if e.jurisdiction == "US" and coverage_report.rule_step(e) is not None
    ]
    coverage_lists = [d.id for d in rulebook.lists.values() if coverage_report.is_coverage_list(d)]
    assert us_rules, "no US shipment rule found: the step test of rule_step is wrong"
    assert {"us.ear.coverage.steps", "us.ear.coverage.eccns"} <= set(coverage_lists)
    for code in ("eu", "nl", "jp", "gb", "kr", "tw", "cn"):
        assert f"{code}.coverage.item_kinds" in coverage_lists
    missing = [i for i in us_rules + coverage_lists if f"`{i}`" not in report]
    assert not missing, f"not in the coverage report: {missing}"
    # every entry and dated list of every jurisdiction, and every version date of the lists
    missing = [i for i in [*rulebook.entries, *rulebook.lists] if f"`{i}`" not in report]
    assert not missing, f"not in the coverage report: {missing}"
    for dated in rulebook.lists.values():
        for version in dated.versions:
            assert version.effective.isoformat() in report, (dated.id, version.effective)


def test_coverage_list_versions_show_their_members(report: str) -> None:
    rulebook = load_rulebook()
    steps = rulebook.lists["us.ear.coverage.steps"]
    block = report.split("#### `us.ear.coverage.steps`", 1)[1].split("####", 1)[0]
    for version in steps.versions:
        assert f"**From {version.effective.isoformat()}**" in block
        for member in version.members:
            assert f"`{member}`" in block


def test_report_does_not_depend_on_file_order(report: str) -> None:
    rulebook = load_rulebook()
    shuffled = Rulebook(
        rulebook.kinds,
        rulebook.parameters,
        dict(reversed(list(rulebook.entries.items()))),
        rulebook.version,
        dict(reversed(list(rulebook.lists.items()))),
    )
    assert coverage_markdown(shuffled) == report


def test_us_comes_first_then_the_other_jurisdictions(report: str) -> None:
    headings = [line for line in report.splitlines() if line.startswith("## ")]
    codes = [h.rsplit("(", 1)[1].rstrip(")") for h in headings]
    assert codes[0] == "US"
    known = [c for c in codes if c in coverage_report.JURISDICTION_ORDER]
    assert known == [c for c in coverage_report.JURISDICTION_ORDER if c in codes]


def test_replace_generated_keeps_the_hand_written_text() -> None:
    doc = f"# Title\n\npreface\n\n{START_MARKER}\n\nold\n\n{END_MARKER}\n\nafter\n"
    new = replace_generated(doc, "new table\n")
    assert new == f"# Title\n\npreface\n\n{START_MARKER}\n\nnew table\n\n{END_MARKER}\n\nafter\n"
    assert generated_section(new) == "new table\n"
    assert replace_generated(new, "new table\n") == new
    with pytest.raises(ValueError, match="no generated section"):
        replace_generated("# no markers\n", "x")


def test_module_imports_only_the_rulebook_and_the_standard_library() -> None:
    tree = ast.parse(Path(coverage_report.__file__).read_text(encoding="utf-8"))
    imported = [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    ] + [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    outside = [
        m
        for m in imported
        if m.startswith("chipcontrols") and not m.startswith("chipcontrols.rulebook")
    ]
    assert not outside, outside


def test_cli_prints_json_for_one_jurisdiction() -> None:
    result = runner.invoke(app, ["rules", "coverage", "-j", "nl", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [j["code"] for j in data["jurisdictions"]] == ["NL"]
    assert data["jurisdictions"][0]["coverage_lists"][0]["id"] == "nl.coverage.item_kinds"
    result = runner.invoke(app, ["rules", "coverage", "-j", "xx"])
    assert result.exit_code != 0


def test_cli_write_replaces_only_the_generated_section(tmp_path: Path, report: str) -> None:
    target = tmp_path / "coverage.md"
    target.write_text(f"# Hand-written\n\n{START_MARKER}\nstale\n{END_MARKER}\n\ntail\n")
    result = runner.invoke(app, ["rules", "coverage", "--write", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert text.startswith("# Hand-written\n\n") and text.endswith(f"{END_MARKER}\n\ntail\n")
    assert generated_section(text) == report
    bare = tmp_path / "bare.md"
    bare.write_text("# no markers\n")
    result = runner.invoke(app, ["rules", "coverage", "--write", str(bare)])
    assert result.exit_code != 0
    assert bare.read_text() == "# no markers\n"
