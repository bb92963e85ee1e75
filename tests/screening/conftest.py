from __future__ import annotations

from pathlib import Path

import pytest

SHARED_LISTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "lists"
FIXTURES = Path(__file__).parent / "fixtures"


def shared(rel: str) -> Path:
    path = SHARED_LISTS / rel
    if not path.exists():
        pytest.skip(f"shared list sample {rel} not available")
    return path


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every screening test gets its own empty data directory."""
    target = tmp_path / "home"
    monkeypatch.setenv("CHIPCONTROLS_HOME", str(target))
    # Matchers are cached by snapshot content id and version: nothing leaks between tests.
    return target
