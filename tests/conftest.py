from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook_from

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session", autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never read or write the user's ~/.chipcontrols (snapshots, judgements, database)."""
    import os

    os.environ["CHIPCONTROLS_HOME"] = str(tmp_path_factory.mktemp("chipcontrols-home"))


@pytest.fixture(scope="session")
def test_rulebook() -> Rulebook:
    return load_rulebook_from(FIXTURES / "law" / "valid")


@pytest.fixture
def law_copy(tmp_path: Path) -> Path:
    """A writable copy of the valid fixture law tree."""
    target = tmp_path / "law"
    shutil.copytree(FIXTURES / "law" / "valid", target)
    return target
