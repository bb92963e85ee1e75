from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from chipcontrols.screening.cli import register
from tests.screening.conftest import FIXTURES, shared

app = typer.Typer(pretty_exceptions_enable=False)
register(app)
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_screen_json_contract() -> None:
    code, out, _ = run(
        "screen",
        "Yangtze Memory Technologies",
        "--country",
        "CN",
        "--as-of",
        "2026-09-01",
        "--format",
        "json",
    )
    assert code == 0
    doc = json.loads(out)
    assert {"list_snapshots", "results", "as_of", "matcher"} <= set(doc)
    assert doc["matcher"]["algorithm"] == "name-v3"
    assert doc["list_snapshots"][0]["id"].startswith("snap-")
    result = doc["results"][0]
    assert result["query"] == "Yangtze Memory Technologies"
    hit = next(h for h in result["hits"] if h["list"] == "EL")
    assert {"entry_id", "list", "name", "score", "match", "explanations"} <= set(hit)
    assert hit["match"] is True and hit["list"] == "EL"
    assert hit["list_snapshot"] in {s["id"] for s in doc["list_snapshots"]}
    assert {"name", "country", "legal_form", "listing"} <= set(hit["explanations"])
    assert hit["entry"]["citations"][0] == {"cite": "87 FR 77508", "date": "2022-12-19"}


def test_screen_a_file_of_parties(tmp_path: Path) -> None:
    f = tmp_path / "parties.yaml"
    f.write_text(
        "kind: transaction\nparties:\n"
        "  - {role: end_user, name: 'SMIC', country: CN}\n"
        "  - {role: consignee, name: 'Example Computing Co., Ltd.', country: CN}\n",
        "utf-8",
    )
    code, out, _ = run("screen", str(f), "--format", "json")
    assert code == 0
    results = json.loads(out)["results"]
    assert [r["match"] for r in results] == [True, False]
    csv = tmp_path / "parties.csv"
    csv.write_text("name,country\nHuawei Technologies Co. Ltd.,CN\n", "utf-8")
    code, out, _ = run("screen", str(csv), "--format", "json")
    assert json.loads(out)["results"][0]["match"] is True


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    for args in (
        ("screen", "   "),
        ("screen", "x" * 10_000),
        ("screen", "\x01\x02"),
        ("screen", "Acme", "--country", "China"),
        ("screen", "Acme", "--as-of", "2026-13-01"),
        ("screen", "Acme", "--format", "xml"),
        ("screen", str(tmp_path / "missing.yaml"), "--file"),
        ("lists", "show", "snap-nope"),
    ):
        code, _, err = run(*args)
        assert code == 2, args
        assert err.startswith("error[") and err.count("\n") == 1, (args, err)
        assert "Traceback" not in err


def test_lists_commands(tmp_path: Path, home: Path) -> None:
    code, out, _ = run("lists", "list", "--format", "json")
    assert code == 0 and json.loads(out)["snapshots"][0]["bundled"] is True
    code, out, _ = run(
        "lists",
        "import",
        str(FIXTURES / "entity_list_table.tsv"),
        "--dataset",
        "el2",
        "--as-of",
        "2026-09-01",
        "--format",
        "json",
    )
    assert code == 0
    new_id = json.loads(out)["id"]
    bad = tmp_path / "sdn.csv"
    bad.write_bytes(shared("moov-watchman/test_testdata_static/sdn.csv").read_bytes()[:5000])
    before = (home / "active.json").read_text()
    code, _, err = run("lists", "import", str(bad))
    assert code == 2 and err.startswith("error[invalid_data]")
    assert (home / "active.json").read_text() == before
    code, out, _ = run("lists", "show", new_id, "--format", "json")
    assert code == 0 and len(json.loads(out)["entries"]) == 3
    code, out, _ = run("lists", "diff", "bundled", new_id, "--format", "json")
    d = json.loads(out)
    assert code == 0 and {"added", "removed", "changed"} <= set(d)


def test_judge_and_rescreen_commands() -> None:
    code, out, _ = run(
        "screen", "Yangtze Memory Technologies Co., Ltd.", "-c", "CN", "--save", "--format", "json"
    )
    entry_id = json.loads(out)["results"][0]["hits"][0]["entry_id"]
    code, out, err = run(
        "judge",
        "Yangtze Memory Technologies Co., Ltd.",
        entry_id,
        "-c",
        "CN",
        "--decision",
        "confirmed",
        "--reason",
        "same address in Wuhan",
        "--author",
        "ana",
        "--format",
        "json",
    )
    assert code == 0, err
    assert json.loads(out)["decision"] == "confirmed"
    code, out, _ = run("rescreen", "--format", "json")
    assert code == 0 and json.loads(out)["results"] == []
    code, out, _ = run("judgements", "list", "--format", "json")
    assert [j["author"] for j in json.loads(out)["judgements"]] == ["ana"]
