from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook_from

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def test_rulebook() -> Rulebook:
    return load_rulebook_from(FIXTURES / "law" / "valid")


@pytest.fixture
def law_copy(tmp_path: Path) -> Path:
    """A writable copy of the valid fixture law tree."""
    target = tmp_path / "law"
    shutil.copytree(FIXTURES / "law" / "valid", target)
    return target
