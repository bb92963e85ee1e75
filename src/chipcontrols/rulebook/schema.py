"""The law's data model, and strict parsing of law files into it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from chipcontrols.errors import LawError
from chipcontrols.rulebook import fields
from chipcontrols.rulebook.conditions import Node, parse_condition
from chipcontrols.rulebook.units import CANONICAL_UNITS

PARAM_TYPES = ("number", "boolean", "string", "set", "records")
STATUSES = ("in_force", "announced", "removed")
CONFIDENCE = ("high", "medium", "low")
_ID = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_JURISDICTION = re.compile(r"^(?:[A-Z]{2}|EU)$")


@dataclass(frozen=True)
class Kind:
    name: str
    description: str


@dataclass(frozen=True)
class Parameter:
    name: str
    kinds: tuple[str, ...]
    type: str
    description: str
    defined_in: str | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    derived: bool = False
    values: tuple[str, ...] | None = None  # allowed values of a string / set parameter


@dataclass(frozen=True)
class Source:
    citation: str
    url: str | None


EFFECT_VERDICTS = (
    "not_subject",
    "subject",
    "no_licence_required",
    "licence_required",
    "licence_exception_available",
    "prohibited",
    "notification_required",
)
REVIEW_POLICIES = (
    "approval",
    "case_by_case",
    "presumption_of_approval",
    "presumption_of_denial",
    "denial",
    "as_listed",
)


@dataclass(frozen=True)
class Effect:
    """What a met rule of a procedure decides (licence rules, review policies, exceptions)."""

    step: str
    verdict: str | None = None
    review_policy: str | None = None
    reason_for_control: str | None = None
    exceptions: tuple[str, ...] = ()
    overcomes: tuple[str, ...] = ()  # requirement rule ids an exception can overcome
    reaches: tuple[str, ...] = ()  # ownership rules: the restricted-party lists whose entries count


@dataclass(frozen=True)
class Version:
    effective: dt.date
    source: Source
    text: str
    status: str = "in_force"
    published: dt.date | None = None
    amended_by: str | None = None
    confidence: str = "high"
    not_formalised: str | None = None
    notes: str | None = None
    condition: Node | None = None
    effect: Effect | None = None
    not_enforced_from: dt.date | None = None
    not_enforced_reason: str | None = None


@dataclass(frozen=True)
class Entry:
    id: str
    entry: str
    title: str
    family: str
    jurisdiction: str
    instrument: str
    applies_to: tuple[str, ...]
    versions: tuple[Version, ...]
    file: str

    def version_at(self, as_of: dt.date) -> Version | None:
        """The latest in-force or removed version effective on or before `as_of`."""
        return fields.in_force_at(self.versions, as_of)


# Field readers (shared with the other law loaders).
_keys = fields.keys
_str = fields.string
_opt_str = fields.opt_string
_date = fields.date
_choice = fields.choice
_number = fields.number
_str_list = fields.string_list


# ---------------------------------------------------------------- parameter files


def parse_parameter_file(raw: Any, *, loc: str) -> tuple[dict[str, Kind], dict[str, Parameter]]:
    _keys(raw, loc=loc, required=(), optional=("kinds", "parameters"))
    kinds: dict[str, Kind] = {}
    for name, body in (raw.get("kinds") or {}).items():
        here = f"{loc}:kinds.{name}"
        _str(name, loc=here, pattern=_NAME)
        _keys(body, loc=here, required=("description",), optional=())
        kinds[name] = Kind(name, _str(body["description"], loc=f"{here}.description"))
    params: dict[str, Parameter] = {}
    for name, body in (raw.get("parameters") or {}).items():
        here = f"{loc}:parameters.{name}"
        _str(name, loc=here, pattern=_NAME)
        _keys(
            body,
            loc=here,
            required=("kinds", "type", "description"),
            optional=("unit", "min", "max", "derived", "defined_in", "values"),
        )
        ptype = _choice(body["type"], PARAM_TYPES, loc=f"{here}.type")
        unit = _opt_str(body.get("unit"), loc=f"{here}.unit")
        if ptype == "number":
            if unit is None:
                raise LawError("a number parameter needs a 'unit' ('1' if none)", loc=here)
            if unit not in CANONICAL_UNITS:
                raise LawError(
                    f"unit {unit!r} is not canonical; use one of {sorted(CANONICAL_UNITS)}",
                    loc=f"{here}.unit",
                )
        elif unit is not None or body.get("min") is not None or body.get("max") is not None:
            raise LawError("only number parameters take unit/min/max", loc=here)
        values = body.get("values")
        if values is not None and ptype not in ("string", "set"):
            raise LawError("only string and set parameters take 'values'", loc=f"{here}.values")
        derived = body.get("derived", False)
        if not isinstance(derived, bool):
            raise LawError("'derived' must be true or false", loc=f"{here}.derived")
        params[name] = Parameter(
            name=name,
            kinds=_str_list(body["kinds"], loc=f"{here}.kinds", pattern=_NAME),
            type=ptype,
            description=_str(body["description"], loc=f"{here}.description"),
            defined_in=_opt_str(body.get("defined_in"), loc=f"{here}.defined_in"),
            unit=unit,
            min=_number(body.get("min"), loc=f"{here}.min"),
            max=_number(body.get("max"), loc=f"{here}.max"),
            derived=derived,
            values=None if values is None else _str_list(values, loc=f"{here}.values"),
        )
    return kinds, params


# ---------------------------------------------------------------- rule files

_VERSION_KEYS = (
    "published",
    "amended_by",
    "status",
    "source",
    "text",
    "confidence",
    "not_formalised",
    "notes",
    "condition",
    "effect",
    "not_enforced",
)


def _parse_effect(raw: Any, *, loc: str) -> Effect:
    _keys(
        raw,
        loc=loc,
        required=("step",),
        optional=(
            "verdict",
            "review_policy",
            "reason_for_control",
            "exceptions",
            "overcomes",
            "reaches",
        ),
    )
    verdict = raw.get("verdict")
    policy = raw.get("review_policy")
    exceptions = raw.get("exceptions") or []
    return Effect(
        step=_str(raw["step"], loc=f"{loc}.step", pattern=_NAME),
        verdict=None
        if verdict is None
        else _choice(verdict, EFFECT_VERDICTS, loc=f"{loc}.verdict"),
        review_policy=None
        if policy is None
        else _choice(policy, REVIEW_POLICIES, loc=f"{loc}.review_policy"),
        reason_for_control=_opt_str(raw.get("reason_for_control"), loc=f"{loc}.reason_for_control"),
        exceptions=tuple(_str(e, loc=f"{loc}.exceptions[{i}]") for i, e in enumerate(exceptions)),
        overcomes=tuple(
            _str(e, loc=f"{loc}.overcomes[{i}]", pattern=_ID)
            for i, e in enumerate(raw.get("overcomes") or [])
        ),
        reaches=tuple(
            _str(e, loc=f"{loc}.reaches[{i}]") for i, e in enumerate(raw.get("reaches") or [])
        ),
    )


def _parse_version(raw: Any, *, loc: str) -> Version:
    _keys(raw, loc=loc, required=("effective",), optional=_VERSION_KEYS)
    status = _choice(raw.get("status", "in_force"), STATUSES, loc=f"{loc}.status")
    if "source" not in raw or raw["source"] is None:
        raise LawError("a version needs a 'source' with its citation", loc=loc)
    _keys(raw["source"], loc=f"{loc}.source", required=("citation",), optional=("url",))
    source = Source(
        citation=_str(raw["source"]["citation"], loc=f"{loc}.source.citation"),
        url=_opt_str(raw["source"].get("url"), loc=f"{loc}.source.url"),
    )
    if "text" not in raw or raw["text"] is None:
        raise LawError("a version needs 'text': a short quote of the provision", loc=loc)
    condition = None
    if status == "removed":
        if raw.get("condition") is not None:
            raise LawError("a 'removed' version takes no condition", loc=f"{loc}.condition")
    else:
        if raw.get("condition") is None:
            raise LawError("a version in force needs a 'condition'", loc=loc)
        condition = parse_condition(raw["condition"], loc=f"{loc}.condition")
    effect = (
        None if raw.get("effect") is None else _parse_effect(raw["effect"], loc=f"{loc}.effect")
    )
    not_enforced_from: dt.date | None = None
    not_enforced_reason: str | None = None
    if raw.get("not_enforced") is not None:
        _keys(
            raw["not_enforced"], loc=f"{loc}.not_enforced", required=("from", "reason"), optional=()
        )
        not_enforced_from = _date(raw["not_enforced"]["from"], loc=f"{loc}.not_enforced.from")
        not_enforced_reason = _str(raw["not_enforced"]["reason"], loc=f"{loc}.not_enforced.reason")
    return Version(
        effect=effect,
        not_enforced_from=not_enforced_from,
        not_enforced_reason=not_enforced_reason,
        effective=_date(raw["effective"], loc=f"{loc}.effective"),
        published=None
        if raw.get("published") is None
        else _date(raw["published"], loc=f"{loc}.published"),
        amended_by=_opt_str(raw.get("amended_by"), loc=f"{loc}.amended_by"),
        status=status,
        source=source,
        text=_str(raw["text"], loc=f"{loc}.text"),
        confidence=_choice(raw.get("confidence", "high"), CONFIDENCE, loc=f"{loc}.confidence"),
        not_formalised=_opt_str(raw.get("not_formalised"), loc=f"{loc}.not_formalised"),
        notes=_opt_str(raw.get("notes"), loc=f"{loc}.notes"),
        condition=condition,
    )


def parse_rule_file(raw: Any, *, loc: str) -> list[Entry]:
    _keys(
        raw,
        loc=loc,
        required=("id", "jurisdiction", "instrument", "title", "applies_to", "entries"),
        optional=("notes",),
    )
    family = _str(raw["id"], loc=f"{loc}:id", pattern=_ID)
    jurisdiction = _str(raw["jurisdiction"], loc=f"{loc}:jurisdiction", pattern=_JURISDICTION)
    instrument = _str(raw["instrument"], loc=f"{loc}:instrument")
    applies_to = _str_list(raw["applies_to"], loc=f"{loc}:applies_to", pattern=_NAME)
    if not isinstance(raw["entries"], list) or not raw["entries"]:
        raise LawError("'entries' must be a non-empty list", loc=f"{loc}:entries")
    entries: list[Entry] = []
    for i, body in enumerate(raw["entries"]):
        here = f"{loc}:entries[{i}]"
        _keys(
            body,
            loc=here,
            required=("id", "entry", "title", "versions"),
            optional=("applies_to", "notes"),
        )
        entry_id = _str(body["id"], loc=f"{here}.id", pattern=_ID)
        if not entry_id.startswith(family + "."):
            raise LawError(f"entry id {entry_id!r} must start with '{family}.'", loc=f"{here}.id")
        here = f"{loc}:{entry_id}"
        if not isinstance(body["versions"], list) or not body["versions"]:
            raise LawError("'versions' must be a non-empty list", loc=f"{here}.versions")
        versions = tuple(
            _parse_version(v, loc=f"{here}.versions[{j}]") for j, v in enumerate(body["versions"])
        )
        for j in range(1, len(versions)):
            if versions[j].effective <= versions[j - 1].effective:
                raise LawError(
                    f"versions must be sorted by effective date, strictly increasing: "
                    f"{versions[j].effective} follows {versions[j - 1].effective}",
                    loc=f"{here}.versions[{j}].effective",
                )
        entry_applies = (
            _str_list(body["applies_to"], loc=f"{here}.applies_to", pattern=_NAME)
            if body.get("applies_to") is not None
            else applies_to
        )
        entries.append(
            Entry(
                id=entry_id,
                entry=_str(body["entry"], loc=f"{here}.entry"),
                title=_str(body["title"], loc=f"{here}.title"),
                family=family,
                jurisdiction=jurisdiction,
                instrument=instrument,
                applies_to=entry_applies,
                versions=versions,
                file=loc,
            )
        )
    return entries


# ---------------------------------------------------------------- list files


@dataclass(frozen=True)
class ListVersion:
    effective: dt.date
    source: Source
    text: str
    members: frozenset[str]
    status: str = "in_force"
    published: dt.date | None = None
    amended_by: str | None = None
    confidence: str = "high"
    notes: str | None = None


@dataclass(frozen=True)
class DatedList:
    id: str
    name: str
    family: str
    jurisdiction: str
    instrument: str
    versions: tuple[ListVersion, ...]
    file: str

    def version_at(self, as_of: dt.date) -> ListVersion | None:
        return fields.in_force_at(self.versions, as_of)

    def members_at(self, as_of: dt.date) -> frozenset[str]:
        version = self.version_at(as_of)
        return version.members if version else frozenset()


def parse_list_file(raw: Any, *, loc: str) -> list[DatedList]:
    _keys(
        raw,
        loc=loc,
        required=("id", "jurisdiction", "instrument", "title", "lists"),
        optional=("notes",),
    )
    family = _str(raw["id"], loc=f"{loc}:id", pattern=_ID)
    jurisdiction = _str(raw["jurisdiction"], loc=f"{loc}:jurisdiction", pattern=_JURISDICTION)
    instrument = _str(raw["instrument"], loc=f"{loc}:instrument")
    if not isinstance(raw["lists"], list) or not raw["lists"]:
        raise LawError("'lists' must be a non-empty list", loc=f"{loc}:lists")
    out: list[DatedList] = []
    for i, body in enumerate(raw["lists"]):
        here = f"{loc}:lists[{i}]"
        _keys(body, loc=here, required=("id", "name", "versions"), optional=("notes",))
        list_id = _str(body["id"], loc=f"{here}.id", pattern=_ID)
        if not list_id.startswith(family + "."):
            raise LawError(f"list id {list_id!r} must start with '{family}.'", loc=f"{here}.id")
        here = f"{loc}:{list_id}"
        versions: list[ListVersion] = []
        if not isinstance(body["versions"], list) or not body["versions"]:
            raise LawError("'versions' must be a non-empty list", loc=f"{here}.versions")
        for j, v in enumerate(body["versions"]):
            vloc = f"{here}.versions[{j}]"
            _keys(
                v,
                loc=vloc,
                required=("effective", "source", "text"),
                optional=("members", "status", "published", "amended_by", "confidence", "notes"),
            )
            _keys(v["source"], loc=f"{vloc}.source", required=("citation",), optional=("url",))
            status = _choice(v.get("status", "in_force"), STATUSES, loc=f"{vloc}.status")
            members = v.get("members") or []
            if status != "removed" and not members:
                raise LawError("a list version needs 'members'", loc=vloc)
            versions.append(
                ListVersion(
                    effective=_date(v["effective"], loc=f"{vloc}.effective"),
                    source=Source(
                        _str(v["source"]["citation"], loc=f"{vloc}.source.citation"),
                        _opt_str(v["source"].get("url"), loc=f"{vloc}.source.url"),
                    ),
                    text=_str(v["text"], loc=f"{vloc}.text"),
                    members=frozenset(
                        _str(m, loc=f"{vloc}.members[{k}]") for k, m in enumerate(members)
                    ),
                    status=status,
                    published=None
                    if v.get("published") is None
                    else _date(v["published"], loc=f"{vloc}.published"),
                    amended_by=_opt_str(v.get("amended_by"), loc=f"{vloc}.amended_by"),
                    confidence=_choice(
                        v.get("confidence", "high"), CONFIDENCE, loc=f"{vloc}.confidence"
                    ),
                    notes=_opt_str(v.get("notes"), loc=f"{vloc}.notes"),
                )
            )
        for j in range(1, len(versions)):
            if versions[j].effective <= versions[j - 1].effective:
                raise LawError(
                    "versions must be sorted by effective date, strictly increasing",
                    loc=f"{here}.versions[{j}].effective",
                )
        out.append(
            DatedList(
                id=list_id,
                name=_str(body["name"], loc=f"{here}.name"),
                family=family,
                jurisdiction=jurisdiction,
                instrument=instrument,
                versions=tuple(versions),
                file=loc,
            )
        )
    return out
