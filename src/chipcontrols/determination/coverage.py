"""What a jurisdiction's encoded law covers on a date: the steps of its procedure and the
classifications whose requirements are encoded. A verdict outside its coverage is
'undetermined' with the scope named, never 'no licence' or 'not subject'; the lists are law
data (law/us/ear/coverage.yaml, law/<jurisdiction>/coverage.yaml), so the procedure holds no
dates of its own."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from chipcontrols.determination.record import Question, TraceNode
from chipcontrols.rulebook.rulebook import Rulebook

US_STEPS = "us.ear.coverage.steps"
US_ECCNS = "us.ear.coverage.eccns"

# What each step of the EAR procedure decides, for questions and traces: each {key} is the
# short citation of `us.ear.procedure.<key>` (procedure_text), so the provisions named are law.
STEP_NAMES = {
    "subject": "whether a foreign-made item is subject to the EAR ({step_subject})",
    "ccl": "the CCL and Country Chart licence requirements ({ccl_parts})",
    "end_use": "the end-use controls of {end_controls}",
    "end_user": "the end-user controls of {end_controls} (Entity List, {entity_list_rule})",
    "us_person": "the U.S.-person controls of {step_us_person}",
    "embargo": "the embargoes and special controls of {embargo}",
}


@dataclass(frozen=True)
class Coverage:
    """The coverage of one jurisdiction's encoded law on one date."""

    jurisdiction: str
    as_of: dt.date
    start: dt.date | None  # first date of any coverage; None: nothing is encoded
    steps: frozenset[str]
    classifications: frozenset[str]  # ECCN bases (US) or item kinds (other jurisdictions)
    citation: str
    list_ids: tuple[str, ...]

    @property
    def dated(self) -> bool:
        return self.start is not None and self.as_of >= self.start

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat() if self.start else None,
            "steps": sorted(self.steps),
            "classifications": sorted(self.classifications),
            "lists": list(self.list_ids),
        }

    def trace(self) -> TraceNode:
        if not self.dated:
            outcome = "outside coverage"
            detail = (
                f"encoded from {self.start}"
                if self.start
                else "no law encoded for this jurisdiction"
            )
        else:
            outcome = "covered"
            detail = f"steps: {', '.join(sorted(self.steps)) or 'none'}; " + (
                f"classifications: {', '.join(sorted(self.classifications)) or 'none'}"
            )
        return TraceNode("coverage of the encoded law", self.citation, outcome, detail=detail)


_CACHE: dict[tuple[str, str, dt.date], Coverage] = {}


def us_coverage(rulebook: Rulebook, as_of: dt.date) -> Coverage:
    """The EAR coverage on a date (cached per rulebook version and date)."""
    return _coverage(rulebook, "US", as_of, US_STEPS, US_ECCNS)


def national_coverage(rulebook: Rulebook, jurisdiction: str, as_of: dt.date) -> Coverage:
    """A non-US jurisdiction's coverage: the item kinds whose encoded entries are complete
    enough that meeting none of them means 'not listed'."""
    prefix = jurisdiction.lower()
    return _coverage(rulebook, jurisdiction, as_of, None, f"{prefix}.coverage.item_kinds")


def _coverage(
    rulebook: Rulebook, jurisdiction: str, as_of: dt.date, steps_id: str | None, classes_id: str
) -> Coverage:
    key = (rulebook.version, f"{jurisdiction}:{steps_id}:{classes_id}", as_of)
    found = _CACHE.get(key)
    if found is not None:
        return found
    starts: list[dt.date] = []
    citation = ""
    steps: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    ids: list[str] = []
    for list_id in (steps_id, classes_id):
        if list_id is None:
            continue
        dated = rulebook.lists.get(list_id)
        if dated is None or not dated.versions:
            continue
        ids.append(list_id)
        starts.append(dated.versions[0].effective)
        version = dated.version_at(as_of)
        if version is None:
            continue
        citation = citation or version.source.citation
        if list_id == steps_id:
            steps = frozenset(version.members)
        else:
            classes = frozenset(version.members)
    if steps_id is None:
        steps = frozenset({"classification"}) if classes or ids else frozenset()
    found = Coverage(
        jurisdiction,
        as_of,
        max(starts) if len(starts) == len(ids) and starts else None,
        steps,
        classes,
        citation,
        tuple(ids),
    )
    if len(_CACHE) > 65536:
        _CACHE.clear()
    _CACHE[key] = found
    return found


def date_question(coverage: Coverage) -> Question:
    since = f" (encoded from {coverage.start})" if coverage.start else ""
    return Question(
        "coverage:date",
        f"The rulebook does not encode this jurisdiction's law on {coverage.as_of}{since}. "
        "Has the law in force on that date been checked by hand?",
        "as_of",
        coverage.list_ids[0] if coverage.list_ids else None,
    )


def step_question(coverage: Coverage, step: str, rulebook: Rulebook) -> Question:
    template = STEP_NAMES.get(step)
    what = step if template is None else procedure_text(rulebook, template, coverage.as_of)
    return Question(
        f"coverage:{step}",
        f"The rulebook does not encode {what} on {coverage.as_of}. Has this step been "
        "checked by hand? Until it is, the answer cannot be 'no licence'.",
        "as_of",
        f"{coverage.list_ids[0] if coverage.list_ids else 'coverage'}",
    )


def eccn_question(coverage: Coverage, kind: str) -> Question:
    return Question(
        "eccn",
        f"Which ECCN(s) describe this {kind.replace('_', ' ')} (e.g. 3A001.a.2, 3A991.p, "
        "5A992.c), or is it EAR99? It meets none of the CCL entries the rulebook encodes, and "
        "another entry's Country Chart reasons may require a licence.",
        "items[].item.described_in",
        US_ECCNS,
    )


def eccn_reasons_question(coverage: Coverage, eccn: str) -> Question:
    return Question(
        f"eccn_reasons:{eccn}",
        f"The licence requirements (reasons for control and Country Chart columns) of ECCN "
        f"{eccn} are not encoded on {coverage.as_of}. Does {eccn} require a licence for this "
        "destination?",
        "items[].item.described_in",
        US_ECCNS,
    )


def procedure_citation(rulebook: Rulebook, key: str, as_of: dt.date) -> str:
    """The citation the EAR procedure gives for a step or outcome (`us.ear.procedure.<key>`),
    in the version in force on the date (the first version before it begins)."""
    cache: dict[tuple[str, dt.date], str] = rulebook.__dict__.setdefault("_procedure_cites", {})
    found = cache.get((key, as_of))
    if found is None:
        dated = rulebook.lists.get(f"us.ear.procedure.{key}")
        if dated is None:
            raise KeyError(f"the rulebook has no citation us.ear.procedure.{key}")
        version = dated.version_at(as_of) or dated.versions[0]
        found = version.source.citation
        if len(cache) > 10_000:
            cache.clear()
        cache[(key, as_of)] = found
    return found


_TITLE = re.compile(r"^\d+ CFR ")  # the title of the Code of Federal Regulations
_GLOSS = re.compile(r" \([^()]*\)$")  # a closing gloss such as "(U.S. persons)"


def procedure_short(rulebook: Rulebook, key: str, as_of: dt.date) -> str:
    """The citation of `us.ear.procedure.<key>` as the procedure's prose names it: without the
    title of the Code and without a closing gloss ("744.6", "part 746", "734.3(a)(1)")."""
    return _GLOSS.sub("", _TITLE.sub("", procedure_citation(rulebook, key, as_of)))


class _Shorts(dict[str, str]):
    def __init__(self, rulebook: Rulebook, as_of: dt.date) -> None:
        super().__init__()
        self.rulebook, self.as_of = rulebook, as_of

    def __missing__(self, key: str) -> str:
        return procedure_short(self.rulebook, key, self.as_of)


def procedure_text(rulebook: Rulebook, template: str, as_of: dt.date) -> str:
    """A text of the procedure with each `{key}` replaced by the short citation of
    `us.ear.procedure.<key>` in force on the date (cached per rulebook, template and date)."""
    cache: dict[tuple[str, dt.date], str] = rulebook.__dict__.setdefault("_procedure_texts", {})
    found = cache.get((template, as_of))
    if found is None:
        found = template.format_map(_Shorts(rulebook, as_of))
        if len(cache) > 10_000:
            cache.clear()
        cache[(template, as_of)] = found
    return found
