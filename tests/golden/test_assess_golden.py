"""Golden investment-screening cases (tests/golden/assess/*.yaml), each with its source.

A file holds one deal (inline under `deal:` or as `deal_file:` relative to the repository)
and cases: an as-of date, the expected verdict per regime, optionally the thresholds that
must be reported crossed and a citation each verdict must carry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from chipcontrols.investment import assess

GOLDEN = Path(__file__).parent / "assess"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Case:
    file: Path
    name: str
    deal: dict[str, Any]
    as_of: dt.date
    expect: dict[str, str]
    thresholds: dict[str, list[str]]
    cites: dict[str, str]
    in_force: dict[str, bool]
    source: str
    index: int = 0

    @property
    def id(self) -> str:
        return f"{self.file.stem}[{self.index}]@{self.as_of}"


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """The base deal with a case's `patch` applied (mappings merged, other values replaced)."""
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _load() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(GOLDEN.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        deal = doc.get("deal")
        if deal is None:
            deal = yaml.safe_load((REPO / doc["deal_file"]).read_text())
        for i, case in enumerate(doc["cases"]):
            assert case.get("source"), f"{path}: case {i} has no source"
            assert case.get("expect"), f"{path}: case {i} expects nothing"
            as_of = case["as_of"]
            cases.append(
                Case(
                    file=path,
                    name=doc["name"],
                    deal=_merge(deal, case.get("patch") or {}),
                    as_of=as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of),
                    expect={str(k): str(v) for k, v in case["expect"].items()},
                    thresholds=case.get("thresholds", {}),
                    cites=case.get("cites", {}),
                    in_force=case.get("in_force", {}),
                    source=str(case["source"]),
                    index=i,
                )
            )
    return cases


CASES = _load()


def test_golden_cases_exist() -> None:
    assert len(CASES) >= 40
    for regime in (
        "UK-NSI",
        "DE-AWV",
        "NL-VIFO",
        "IT-GOLDEN-POWER",
        "EU-FDI",
        "US-CFIUS",
        "US-OUTBOUND",
    ):
        assert any(regime in c.expect for c in CASES), f"no golden case for {regime}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_golden_assessment(case: Case) -> None:
    result = assess(case.deal, case.as_of)
    problems: list[str] = []
    for regime, expected in case.expect.items():
        verdict = result.verdict(regime)
        if verdict.verdict.value != expected:
            why = "\n".join(f"    {s.step}: {s.outcome.value} ({s.detail})" for s in verdict.trace)
            asks = "\n".join(f"    ? {q.field}: {q.text}" for q in verdict.questions)
            problems.append(
                f"{regime}: expected {expected}, got {verdict.verdict.value}\n{why}\n{asks}"
            )
            continue
        assert verdict.citations, f"{regime}: a verdict without a citation"
        assert any(r.citation for r in verdict.reasons), f"{regime}: reasons cite nothing"
        for wanted in case.thresholds.get(regime, []):
            names = [t.name for t in verdict.thresholds_crossed]
            if not any(wanted in n for n in names):
                problems.append(f"{regime}: threshold {wanted!r} not among {names}")
        wanted_cite = case.cites.get(regime)
        if wanted_cite and not any(wanted_cite in c for c in verdict.citations):
            problems.append(f"{regime}: citation {wanted_cite!r} not among {verdict.citations}")
        if regime in case.in_force and verdict.in_force != case.in_force[regime]:
            problems.append(
                f"{regime}: in_force {verdict.in_force}, expected {case.in_force[regime]}"
            )
    assert not problems, f"{case.name} as of {case.as_of}\nsource: {case.source}\n" + "\n".join(
        problems
    )
