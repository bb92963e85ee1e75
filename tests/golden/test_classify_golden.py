"""Golden classification cases (tests/golden/classify/**.yaml), each with its source."""

from __future__ import annotations

import pytest

from chipcontrols.classification import classify
from tests.golden.runner import Case, load_cases

CASES = load_cases("classify")


def test_golden_cases_exist() -> None:
    assert len(CASES) >= 26


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_golden_classification(case: Case) -> None:
    result = classify(case.item, case.as_of)
    got = {entry_id: result.status_of(entry_id) for entry_id in case.expect}
    problems = []
    for entry_id, expected in case.expect.items():
        actual = got[entry_id]
        actual_s = actual.value if actual is not None else "not in force"
        if actual_s != expected:
            detail = next((e for e in result.entries if e.id == entry_id), None)
            why = "\n".join(detail.explanation.lines(2)) if detail else ""
            problems.append(f"{entry_id}: expected {expected}, got {actual_s}\n{why}")
    assert not problems, f"{case.name} as of {case.as_of}\nsource: {case.source}\n" + "\n".join(
        problems
    )
