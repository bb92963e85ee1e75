"""The investment-screening law as data: `law/_fdi/*.yaml`, loaded strictly.

Each file holds one regime; each provision has dated versions, every version with its
citation, a short verbatim quote, a confidence and what it does not formalise, plus the
typed `values` (thresholds, sector tags, periods) that the regime procedure reads. The
files live under `law/`, so they are part of the rulebook content hash.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from chipcontrols.errors import LawError
from chipcontrols.rulebook import fields
from chipcontrols.rulebook.rulebook import LAW_DIR
from chipcontrols.rulebook.yamlio import load_yaml_file

# Field readers shared with the rulebook's loader.
_keys = fields.keys
_str = fields.string
_opt_str = fields.opt_string
_date = fields.date
_choice = fields.choice


FDI_DIR = LAW_DIR / "_fdi"
REGIMES = ("UK-NSI", "DE-AWV", "NL-VIFO", "IT-GOLDEN-POWER", "EU-FDI", "US-CFIUS", "US-OUTBOUND")
STATUSES = ("in_force", "announced", "removed")
CONFIDENCE = ("high", "medium", "low")
_ID = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
_JURISDICTION = re.compile(r"^(?:[A-Z]{2}|EU)$")
_VERSION_KEYS = (
    "effective",
    "status",
    "published",
    "amended_by",
    "source",
    "text",
    "confidence",
    "not_formalised",
    "notes",
    "values",
)


@dataclass(frozen=True)
class Source:
    citation: str
    url: str | None


@dataclass(frozen=True)
class ProvisionVersion:
    """One dated version of one provision."""

    provision_id: str
    title: str
    effective: dt.date
    source: Source
    text: str
    status: str = "in_force"
    published: dt.date | None = None
    amended_by: str | None = None
    confidence: str = "high"
    not_formalised: str | None = None
    notes: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def citation(self) -> str:
        return self.source.citation

    def value(self, key: str) -> Any:
        """A value the procedure needs; its absence is a broken law file, not bad input."""
        if key not in self.values:
            raise LawError(
                f"provision {self.provision_id} (version {self.effective}) has no value {key!r}",
                loc=f"_fdi:{self.provision_id}.values",
            )
        return self.values[key]

    def to_dict(self) -> dict[str, Any]:
        return {
            "provision": self.provision_id,
            "title": self.title,
            "citation": self.source.citation,
            "url": self.source.url,
            "text": self.text,
            "effective": self.effective.isoformat(),
            "amended_by": self.amended_by,
            "confidence": self.confidence,
            "not_formalised": self.not_formalised,
        }


@dataclass(frozen=True)
class Provision:
    id: str
    title: str
    versions: tuple[ProvisionVersion, ...]

    def at(self, as_of: dt.date) -> ProvisionVersion | None:
        """The version in force on `as_of` (None before the first or after a removal)."""
        return fields.in_force_at(self.versions, as_of)


@dataclass(frozen=True)
class RegimeLaw:
    regime: str
    jurisdiction: str
    instrument: str
    title: str
    provisions: Mapping[str, Provision]
    file: str

    def at(self, provision_id: str, as_of: dt.date) -> ProvisionVersion | None:
        return self.provision(provision_id).at(as_of)

    def first(self, provision_id: str) -> ProvisionVersion:
        """The earliest version of a provision (cited when it is not yet in force)."""
        return self.provision(provision_id).versions[0]

    def provision(self, provision_id: str) -> Provision:
        try:
            return self.provisions[provision_id]
        except KeyError:
            raise LawError(
                f"the {self.regime} procedure reads provision {provision_id!r}, which "
                f"{self.file} does not define",
                loc=self.file,
            ) from None


@dataclass(frozen=True)
class FdiLaw:
    regimes: Mapping[str, RegimeLaw]

    def regime(self, regime: str) -> RegimeLaw:
        try:
            return self.regimes[regime]
        except KeyError:
            raise LawError(f"no law file for regime {regime}", loc=str(FDI_DIR)) from None


# ---------------------------------------------------------------- strict parsing


def _plain(raw: Any, *, loc: str) -> Any:
    """Values are plain data: strings, numbers, booleans, null, lists and mappings of them."""
    if raw is None or isinstance(raw, bool | int | float | str):
        return raw
    if isinstance(raw, dt.date):
        raise LawError("write dates inside 'values' as quoted strings", loc=loc)
    if isinstance(raw, list):
        return tuple(_plain(v, loc=f"{loc}[{i}]") for i, v in enumerate(raw))
    if isinstance(raw, Mapping):
        return {str(k): _plain(v, loc=f"{loc}.{k}") for k, v in raw.items()}
    raise LawError(f"unsupported value {raw!r}", loc=loc)


def _version(raw: Any, *, provision_id: str, title: str, loc: str) -> ProvisionVersion:
    _keys(raw, loc=loc, required=("effective", "source", "text"), optional=_VERSION_KEYS)
    _keys(raw["source"], loc=f"{loc}.source", required=("citation",), optional=("url",))
    values = raw.get("values") or {}
    if not isinstance(values, Mapping):
        raise LawError("'values' must be a mapping", loc=f"{loc}.values")
    status = _choice(raw.get("status", "in_force"), STATUSES, loc=f"{loc}.status")
    return ProvisionVersion(
        provision_id=provision_id,
        title=title,
        effective=_date(raw["effective"], loc=f"{loc}.effective"),
        source=Source(
            citation=_str(raw["source"]["citation"], loc=f"{loc}.source.citation"),
            url=_opt_str(raw["source"].get("url"), loc=f"{loc}.source.url"),
        ),
        text=_str(raw["text"], loc=f"{loc}.text"),
        status=status,
        published=None
        if raw.get("published") is None
        else _date(raw["published"], loc=f"{loc}.published"),
        amended_by=_opt_str(raw.get("amended_by"), loc=f"{loc}.amended_by"),
        confidence=_choice(raw.get("confidence", "high"), CONFIDENCE, loc=f"{loc}.confidence"),
        not_formalised=_opt_str(raw.get("not_formalised"), loc=f"{loc}.not_formalised"),
        notes=_opt_str(raw.get("notes"), loc=f"{loc}.notes"),
        values=_plain(dict(values), loc=f"{loc}.values"),
    )


def parse_regime_file(raw: Any, *, loc: str) -> RegimeLaw:
    _keys(
        raw,
        loc=loc,
        required=("regime", "jurisdiction", "instrument", "title", "provisions"),
        optional=("notes",),
    )
    regime = _choice(raw["regime"], REGIMES, loc=f"{loc}:regime")
    jurisdiction = _str(raw["jurisdiction"], loc=f"{loc}:jurisdiction", pattern=_JURISDICTION)
    if not isinstance(raw["provisions"], list) or not raw["provisions"]:
        raise LawError("'provisions' must be a non-empty list", loc=f"{loc}:provisions")
    provisions: dict[str, Provision] = {}
    for i, body in enumerate(raw["provisions"]):
        here = f"{loc}:provisions[{i}]"
        _keys(body, loc=here, required=("id", "title", "versions"), optional=("notes",))
        pid = _str(body["id"], loc=f"{here}.id", pattern=_ID)
        if pid in provisions:
            raise LawError(f"provision {pid!r} is defined twice", loc=f"{here}.id")
        title = _str(body["title"], loc=f"{here}.title")
        here = f"{loc}:{pid}"
        if not isinstance(body["versions"], list) or not body["versions"]:
            raise LawError("'versions' must be a non-empty list", loc=f"{here}.versions")
        versions = tuple(
            _version(v, provision_id=pid, title=title, loc=f"{here}.versions[{j}]")
            for j, v in enumerate(body["versions"])
        )
        for j in range(1, len(versions)):
            if versions[j].effective <= versions[j - 1].effective:
                raise LawError(
                    "versions must be sorted by effective date, strictly increasing: "
                    f"{versions[j].effective} follows {versions[j - 1].effective}",
                    loc=f"{here}.versions[{j}].effective",
                )
        provisions[pid] = Provision(pid, title, versions)
    return RegimeLaw(
        regime=regime,
        jurisdiction=jurisdiction,
        instrument=_str(raw["instrument"], loc=f"{loc}:instrument"),
        title=_str(raw["title"], loc=f"{loc}:title"),
        provisions=provisions,
        file=loc,
    )


def load_fdi_law_from(root: Path) -> FdiLaw:
    if not root.is_dir():
        raise LawError("investment-screening law folder not found", loc=str(root))
    regimes: dict[str, RegimeLaw] = {}
    for path in sorted(root.glob("*.yaml")):
        raw = load_yaml_file(path, error=LawError)
        if raw is None:
            raise LawError("empty law file", loc=path.name)
        law = parse_regime_file(raw, loc=path.name)
        if law.regime in regimes:
            raise LawError(
                f"regime {law.regime} is already defined in {regimes[law.regime].file}",
                loc=path.name,
            )
        regimes[law.regime] = law
    missing = [r for r in REGIMES if r not in regimes]
    if missing:
        raise LawError(f"no law file for regime(s) {', '.join(missing)}", loc=str(root))
    return FdiLaw(regimes)


@cache
def load_fdi_law(root: Path | None = None) -> FdiLaw:
    """The bundled investment-screening law (cached; law files are immutable when installed)."""
    return load_fdi_law_from(root or FDI_DIR)
