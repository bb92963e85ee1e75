"""Golden determination cases (tests/golden/determine/*.yaml), each with its source."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from chipcontrols.determination import determine

FOLDER = Path(__file__).parent / "determine"


def _cases() -> list[tuple[str, dict[str, Any], dt.date, dict[str, Any], str]]:
    out = []
    for path in sorted(FOLDER.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        for case in doc["cases"]:
            assert case.get("source"), f"{path.name}: a case has no source"
            day = case["as_of"]
            day = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
            out.append(
                (f"{path.stem}@{day}", doc["transaction"], day, case["expect"], case["source"])
            )
    return out


CASES = _cases()


def test_at_least_sixty_cases() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize(
    ("case_id", "txn", "day", "expect", "source"), CASES, ids=[c[0] for c in CASES]
)
def test_golden_determination(
    case_id: str, txn: dict[str, Any], day: dt.date, expect: dict[str, Any], source: str
) -> None:
    result = determine(txn, day)
    problems = []
    for key, expected in expect.items():
        jurisdiction, _, field = key.partition(".")
        verdict = result.verdict_for(jurisdiction)
        if verdict is None:
            problems.append(f"{key}: no verdict for {jurisdiction}")
            continue
        if not field:
            actual: Any = verdict.verdict
        elif field in ("rule_ids", "absent_rule_ids"):
            # The provisions the verdict rests on (its reasons), or must not rest on.
            cited = {r.rule_id for r in verdict.reasons}
            wrong = [r for r in expected if (r in cited) != (field == "rule_ids")]
            if wrong:
                problems.append(f"{key}: {wrong} vs reasons {sorted(cited)}")
            continue
        elif field == "questions":
            actual = [q.id for q in verdict.questions]
            missing = [q for q in expected if q not in actual]
            if missing:
                problems.append(f"{key}: expected questions {missing} among {actual}")
            continue
        else:
            actual = getattr(verdict, field)
        if actual != expected:
            problems.append(f"{key}: expected {expected}, got {actual}")
    if problems:
        detail = "\n".join(
            line for v in result.verdicts for node in v.trace for line in node.lines(1)
        )
        reasons = "\n".join(
            f"  {v.jurisdiction}: {r.text}" for v in result.verdicts for r in v.reasons
        )
        pytest.fail(
            f"{case_id}\nsource: {source}\n" + "\n".join(problems) + f"\n{reasons}\n{detail}"
        )
