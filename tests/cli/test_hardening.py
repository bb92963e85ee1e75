"""Issue 16: hostile YAML and options give one line and exit 2, never error[internal]."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chipcontrols.cli.main import app

runner = CliRunner()

TXN = """kind: transaction
export_from: US
destination: CN
items:
  - item: {kind: integrated_circuit, name: x, datacenter: true, tpp: 5000, die_area_mm2: 800}
    made_in: US
"""


def _bomb(levels: int = 12) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    lines.append(f"kind: *a{levels - 1}")
    return "\n".join(lines) + "\n"


HOSTILE = {
    "impossible_date": TXN + "date: 2023-13-45\n",
    "impossible_date_key": TXN + "2023-02-30: x\n",
    "impossible_timestamp": TXN + "date: 2023-02-30T10:00:00Z\n",
    "deep_list": "[" * 20_000 + "]" * 20_000 + "\n",
    "deep_map": "a: " * 2_000 + "1\n",
    "recursive_alias": "kind: &a [*a]\n",
    "recursive_map_alias": "&a {kind: transaction, self: *a}\n",
    "alias_bomb": _bomb(),
    "nan": TXN.replace("tpp: 5000", "tpp: .nan"),
    "inf": TXN.replace("tpp: 5000", "tpp: .inf"),
    "nan_quantity": TXN.replace("made_in: US", "made_in: US\n    quantity: .nan"),
    "inf_quantity": TXN.replace("made_in: US", "made_in: US\n    quantity: .inf"),
    "nan_us_content": TXN.replace("made_in: US", "made_in: US\n    us_content_pct: .nan"),
    "huge_int": TXN.replace("tpp: 5000", "tpp: " + "9" * 400),
    "overflow_float_text": TXN.replace("tpp: 5000", "tpp: '1e999'"),
    "huge_quantity": TXN.replace("made_in: US", "made_in: US\n    quantity: " + "9" * 30),
    "nul": TXN.replace("name: x", 'name: "a\\0b"'),
    "unhashable_key": "? [a, b]\n: 1\n",
    "two_documents": TXN + "---\n" + TXN,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("command", ["determine", "classify"])
def test_hostile_yaml_is_one_line_and_exit_2(tmp_path: Path, name: str, command: str) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(HOSTILE[name])
    args = [command, str(path), "--as-of", "2024-06-01"]
    if command == "determine":
        args.append("--no-screen")
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error[") and "internal" not in lines[0]
    assert len(lines[0]) < 2000  # the message never expands the value


def test_an_alias_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """In a child process with 1 GB of address space: a bomb expanding to 10^12 values."""
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(12))
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from chipcontrols.cli.main import app\n"
        f"sys.argv = ['chipcontrols', 'determine', {str(path)!r}, '--no-screen']\n"
        "app()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error[invalid_input]") and "Traceback" not in done.stderr
    # The child ran under RLIMIT_AS of 1 GiB: had the bomb been expanded it would have died of
    # MemoryError rather than exiting with the one-line input error above. (RUSAGE_CHILDREN
    # is the peak over every child of this test process, so it cannot measure this one.)


@pytest.mark.parametrize("code", ["USA", "ZZ", "X"])
def test_a_mistyped_jurisdiction_is_an_error_naming_the_valid_codes(code: str) -> None:
    for args in (
        ["classify", "--product", "H100", "-j", code],
        ["rules", "list", "--jurisdiction", code],
        ["rules", "diff", "--from", "2023-01-01", "--to", "2024-01-01", "--jurisdiction", code],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "unknown jurisdiction" in result.output and "US" in result.output


def test_uk_is_read_as_gb() -> None:
    result = runner.invoke(
        app, ["classify", "--product", "H100", "-j", "UK", "--as-of", "2024-06-01", "-f", "json"]
    )
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    assert set(data["jurisdictions"]) == {"GB"}
    assert {e["jurisdiction"] for e in data["entries"]} == {"GB"}


def test_the_quantity_reader_refuses_integers_beyond_float_range() -> None:
    import datetime as dt

    from chipcontrols.classification import classify
    from chipcontrols.errors import InputError

    for value in (10**400, -(10**400), float("nan"), float("inf")):
        with pytest.raises(InputError):
            classify({"kind": "integrated_circuit", "tpp": value}, dt.date(2024, 6, 1))
