"""Issue 17: scenario files are typed. The command line checks a scenario file with the scenario
document model (`ScenarioFile`) before the overlay's parser reads it: a wrong type is one line,
exit code 2, naming the file and the field; every example scenario passes the model, and what
the model leaves to the parser (values, unknown keys, law) is still refused by the parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipcontrols.app_services.documents import ScenarioFile, check_scenario_file
from chipcontrols.cli.main import app
from chipcontrols.rulebook.yamlio import load_yaml_file
from chipcontrols.scenario.overlay import ScenarioError, load_scenario
from tests.scenario.test_overlay import BAD, SCENARIOS

runner = CliRunner()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_example_scenarios_pass_the_model(path: Path) -> None:
    raw = load_yaml_file(path)
    assert check_scenario_file(raw, str(path)) is raw
    assert load_scenario(path, check=check_scenario_file).changes


@pytest.mark.parametrize(
    ("text", "loc", "message"),
    [
        ("name: [a]\nchanges: [{add_entry: {}}]\n", "name", "a valid string"),
        (
            "name: x\nchanges:\n  - add_versions: {entry: [x], versions: []}\n",
            "changes[0].add_versions.entry",
            "a valid string",
        ),
        (
            "name: x\nchanges:\n  - remove_entry: {entry: a, effective: 5, source: {}, text: t}\n",
            "changes[0].remove_entry.effective",
            "a valid string or a valid date",
        ),
        (
            "name: x\nchanges:\n  - add_list_versions: {list: l, versions: [1]}\n",
            "changes[0].add_list_versions.versions[0]",
            "a valid dictionary",
        ),
        ("name: x\nchanges: {add_entry: {}}\n", "changes", "a valid list"),
        ("name: x\n", "changes", "Field required"),
        (
            "name: x\nchange:\n  - {}\n",
            "changes",
            "Field required; the file has 'change': did you mean 'changes'?",
        ),
    ],
)
def test_a_wrong_type_names_the_field(tmp_path: Path, text: str, loc: str, message: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, check=check_scenario_file)
    assert info.value.code == "invalid_scenario"
    assert info.value.loc == f"{path}:{loc}"
    assert message in info.value.message
    result = runner.invoke(app, ["scenario", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}:{loc}" in result.stderr and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "name", ["no_changes", "unknown_change_kind", "unknown_version_key", "unknown_entry"]
)
def test_the_parser_still_refuses_what_the_model_leaves_to_it(name: str) -> None:
    path = BAD / f"{name}.yaml"
    ScenarioFile.model_validate(load_yaml_file(path))  # well typed
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, check=check_scenario_file)
    expected = next(
        line.split(": ", 1)[1] for line in path.read_text().splitlines() if "# expect:" in line
    )
    assert expected in info.value.message
