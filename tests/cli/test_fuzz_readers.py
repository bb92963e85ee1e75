"""Issue 16: the CLI readers (item, transaction, deal, scenario and list files) fuzzed: any
input gives an answer or one line of error with exit 2 (3 for the law, 4 for a database);
never error[internal], never a traceback, in bounded memory.

CI runs CHIPCONTROLS_FUZZ_EXAMPLES inputs (default 2,000); the issue's 10,000:
CHIPCONTROLS_FUZZ_EXAMPLES=10000."""

from __future__ import annotations

import json
import os
import resource
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from chipcontrols.cli.main import app

EXAMPLES = int(os.environ.get("CHIPCONTROLS_FUZZ_EXAMPLES", "2000"))
runner = CliRunner()

# What a reader sees: documents close to real ones with hostile values put in, and text.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "2023-13-45",
            "2023-02-30",
            "2024-06-01",
            "US",
            "CN",
            "UK",
            "ZZ",
            "D:5",
            "EAR99",
            "integrated_circuit",
            "transaction",
            "deal",
            "600 GB/s",
            "1e999",
            "-0",
            "NaN",
            "\x00",
            "\ud800"[:0] + "x\u202e",
            "end_user",
            "*",
            "&a",
            "!!python/object:os.system",
        ]
    ),
)
KEYS = st.one_of(
    st.sampled_from(
        [
            "kind",
            "name",
            "items",
            "item",
            "made_in",
            "us_content_pct",
            "quantity",
            "value",
            "export_from",
            "destination",
            "parties",
            "role",
            "country",
            "end_uses",
            "date",
            "tpp",
            "die_area_mm2",
            "datacenter",
            "product",
            "described_in",
            "target",
            "acquirer",
            "stake",
            "changes",
            "law",
            "products",
            "as_of",
            "entries",
            "id",
            "aliases",
            "addresses",
            "list",
            "source",
            "format_version",
            "dataset",
        ]
    ),
    st.text(max_size=12),
)
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(KEYS, inner, max_size=6)),
    max_leaves=40,
)
FRAGMENTS = [
    "a: &a [*a]\n",
    "&a {x: *a}\n",
    "[" * 300 + "]" * 300,
    "a: " * 300 + "1\n",
    "a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n"
    + "".join(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9)),
    "date: 2023-02-30\n",
    "2023-13-45: x\n",
    "? [a]\n: 1\n",
    "x: !!binary AAAA\n",
    "x: !!python/object/apply:os.system [echo]\n",
    "x: .nan\n",
    "x: .inf\n",
    "--- a\n--- b\n",
    "\ufeffkind: transaction\n",
    "kind: transaction\nkind: item\n",
    '{"kind": "transaction", "items": [{"item": {"tpp": 1e999}}]}',
    'name,country\n"unterminated,CN\n',
    "\x00\x01\x02",
]


def _dump(doc: Any, style: int) -> str:
    if style == 0:
        return json.dumps(doc, allow_nan=True, ensure_ascii=False)
    try:
        return yaml.safe_dump(doc, allow_unicode=True, default_flow_style=style == 2)
    except yaml.YAMLError:
        return json.dumps(doc, allow_nan=True)


TEXTS = st.one_of(
    st.builds(_dump, DOCS, st.integers(0, 2)),
    st.sampled_from(FRAGMENTS),
    st.builds(lambda a, b: a + b, st.sampled_from(FRAGMENTS), st.text(max_size=40)),
    st.text(max_size=200),
)
READERS = {
    "item": ["classify", "{file}", "--as-of", "2024-06-01"],
    "transaction": ["determine", "{file}", "--as-of", "2024-06-01", "--no-screen"],
    "deal": ["assess", "{file}", "--as-of", "2024-06-01"],
    "scenario": ["scenario", "{file}"],
    "list": ["lists", "import", "{file}", "--as-of", "2024-06-01"],
}
SUFFIXES = {"list": [".csv", ".json"]}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHIPCONTROLS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CHIPCONTROLS_DEBUG", raising=False)
    monkeypatch.delenv("CHIPCONTROLS_DATABASE_URL", raising=False)
    return tmp_path


def test_readers_never_crash(home: Path) -> None:
    seen: dict[str, int] = {}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    @given(reader=st.sampled_from(sorted(READERS)), text=TEXTS, suffix=st.integers(0, 1))
    def run(reader: str, text: str, suffix: int) -> None:
        ext = SUFFIXES.get(reader, [".yaml", ".json"])[suffix]
        path = home / f"input{ext}"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        args = [a.replace("{file}", str(path)) for a in READERS[reader]]
        result = runner.invoke(app, args, catch_exceptions=True)
        out = result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            reader,
            text[:300],
            repr(result.exception),
        )
        assert "error[internal]" not in out and "Traceback" not in out, (reader, text[:300], out)
        assert result.exit_code in (0, 1, 2, 3, 4), (reader, text[:300], result.exit_code, out)
        if result.exit_code >= 2:
            errors = [line for line in out.splitlines() if line.startswith("error[")]
            assert len(errors) == 1 and len(errors[0]) < 4000, (reader, text[:300], out)
        seen[reader] = seen.get(reader, 0) + 1

    # The process's peak before the run (earlier tests in the same process count in it).
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    run()
    assert set(seen) == set(READERS)
    # bounded memory: the whole run, alias bombs included, adds well under a gigabyte to the
    # process's peak
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 1_000_000  # KB
