"""The strict loader: each malformed law file is refused with an error naming the fix."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chipcontrols.errors import LawError
from chipcontrols.rulebook.rulebook import content_hash, load_rulebook, load_rulebook_from

BAD = sorted((Path(__file__).parent.parent / "fixtures" / "law" / "bad").glob("*.yaml"))


def _expected(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must start with '# expect: ...'"
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("bad", BAD, ids=[p.stem for p in BAD])
def test_bad_law_file_is_refused(bad: Path, law_copy: Path) -> None:
    (law_copy / "us" / "bad.yaml").write_text(bad.read_text())
    with pytest.raises(LawError) as info:
        load_rulebook_from(law_copy)
    assert _expected(bad) in info.value.message
    assert "bad.yaml" in f"{info.value.loc} {info.value.message}"


def test_at_least_fifteen_refusal_fixtures() -> None:
    assert len(BAD) >= 15


def test_duplicate_parameter_declaration(law_copy: Path) -> None:
    src = law_copy / "parameters" / "test.yaml"
    (law_copy / "parameters" / "again.yaml").write_text(
        "parameters:\n  speed:\n    kinds: [widget]\n    type: boolean\n    description: x\n"
    )
    assert src.exists()
    with pytest.raises(LawError, match="parameter 'speed' is declared twice"):
        load_rulebook_from(law_copy)


def test_number_parameter_needs_canonical_unit(law_copy: Path) -> None:
    (law_copy / "parameters" / "more.yaml").write_text(
        "parameters:\n  weight:\n    kinds: [widget]\n    type: number\n    unit: stone\n"
        "    description: x\n"
    )
    with pytest.raises(LawError, match="unit 'stone' is not canonical"):
        load_rulebook_from(law_copy)


def test_version_hash_changes_with_any_edit(law_copy: Path) -> None:
    before = content_hash(law_copy)
    path = law_copy / "us" / "widget.yaml"
    path.write_text(path.read_text().replace("speed 100 or more", "speed 100 or above"))
    assert content_hash(law_copy) != before
    assert load_rulebook_from(law_copy).version == content_hash(law_copy)


def test_views_by_date(test_rulebook) -> None:  # type: ignore[no-untyped-def]
    a = test_rulebook.entries["us.test.widget.a"]
    assert a.version_at(dt.date(2019, 12, 31)) is None
    assert a.version_at(dt.date(2020, 1, 1)).source.citation == "Test Reg. 1 (2020)"
    assert a.version_at(dt.date(2021, 5, 31)).source.citation == "Test Reg. 1 (2020)"
    assert a.version_at(dt.date(2021, 6, 1)).source.citation == "Test Reg. 2 (2021)"
    assert a.version_at(dt.date(2023, 1, 1)) is None  # removed
    view = test_rulebook.at(dt.date(2022, 1, 1))
    assert set(view.in_force) == {"us.test.widget.a", "us.test.widget.b"}


def test_bundled_rulebook_loads() -> None:
    rulebook = load_rulebook()
    assert "us.ear.ccl.3a090.a" in rulebook.entries
    assert rulebook.earliest is not None
    for entry in rulebook.entries.values():
        for version in entry.versions:
            assert version.source.citation.strip()
            assert version.text.strip()


def test_every_derived_parameter_has_a_formula() -> None:
    from chipcontrols.model.metrics import DERIVATIONS

    rulebook = load_rulebook()
    missing = [
        p.name for p in rulebook.parameters.values() if p.derived and p.name not in DERIVATIONS
    ]
    assert missing == []


def test_package_files_read_with_libyaml_give_the_same_values() -> None:
    """Law files are read with LibYAML (faster); users' documents with the pure-Python
    parser. Both give the same values for every law file and refuse the same faults."""
    from chipcontrols.rulebook.rulebook import LAW_DIR
    from chipcontrols.rulebook.yamlio import load_yaml_file, load_yaml_text

    for path in sorted(LAW_DIR.rglob("*.yaml")):
        assert load_yaml_file(path, trusted=True) == load_yaml_file(path), path
    for bad, why in (("a: 1\na: 2\n", "duplicate key"), ("d: 2023-02-30\n", "not a real date")):
        for trusted in (False, True):
            with pytest.raises(LawError, match=why):
                load_yaml_text(bad, loc="law.yaml", error=LawError, trusted=trusted)
