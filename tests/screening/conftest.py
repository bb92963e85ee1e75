from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from pathlib import Path

import pytest

SHARED_LISTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "lists"
FIXTURES = Path(__file__).parent / "fixtures"
# Gzipped copies of the list samples the tests read (public government lists and the
# moov-io/watchman test data), so that a fresh clone runs every test.
COPIES = FIXTURES / "shared"
_UNPACKED = Path(tempfile.gettempdir()) / "chipcontrols-test-lists"


def shared(rel: str) -> Path:
    path = SHARED_LISTS / rel
    if path.exists():
        return path
    packed = COPIES / f"{rel}.gz"
    if not packed.exists():
        pytest.skip(f"shared list sample {rel} not available")
    # The whole folder: readers also open a file's siblings (sdn.csv with add.csv, alt.csv).
    for sibling in packed.parent.glob("*.gz"):
        target = _UNPACKED / Path(rel).parent / sibling.name.removesuffix(".gz")
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + f".{os.getpid()}.part")
            with gzip.open(sibling, "rb") as src, partial.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            partial.replace(target)
    return _UNPACKED / rel


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every screening test gets its own empty data directory."""
    target = tmp_path / "home"
    monkeypatch.setenv("CHIPCONTROLS_HOME", str(target))
    # Matchers are cached by snapshot content id and version: nothing leaks between tests.
    return target
