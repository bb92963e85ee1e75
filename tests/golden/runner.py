"""Golden cases are data: YAML files with an item, dates, expected statuses and sources."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

GOLDEN = Path(__file__).parent


@dataclass
class Case:
    file: Path
    name: str
    item: dict[str, Any]
    as_of: dt.date
    expect: dict[str, str]
    source: str

    @property
    def id(self) -> str:
        return f"{self.file.parent.name}/{self.file.stem}@{self.as_of}"


def load_cases(folder: str) -> list[Case]:
    cases: list[Case] = []
    for path in sorted((GOLDEN / folder).rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        for i, case in enumerate(doc["cases"]):
            assert case.get("source"), f"{path}: case {i} has no source"
            assert case.get("expect"), f"{path}: case {i} expects nothing"
            as_of = case["as_of"]
            cases.append(
                Case(
                    file=path,
                    name=doc.get("name", path.stem),
                    item=doc["item"],
                    as_of=as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of),
                    expect={str(k): str(v) for k, v in case["expect"].items()},
                    source=str(case["source"]),
                )
            )
    return cases
