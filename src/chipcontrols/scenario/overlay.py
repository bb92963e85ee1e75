"""What-if overlays: a scenario file adds, removes or changes law entries (and dated lists) with
dates, and yields a new rulebook beside the real one.

The scenario is parsed by the law loader's own functions (`parse_rule_file`, `parse_list_file`)
and the resulting rulebook is built with the `Rulebook` constructor, which re-runs every
cross-check (kinds, parameters, references, cycles). The real rulebook's objects are never
modified: entries a scenario touches are copied with their new versions.

```yaml
name: Japan extends ArF immersion controls
description: What if Japan's overlay limit had been 3.0 nm from 1 Jan 2024?
changes:
  - add_versions:                 # new dated versions of an existing entry
      entry: jp.meti.goods_art6_17.wo
      versions: [ {effective: 2024-01-01, source: {...}, text: ..., condition: {...}} ]
  - add_entry: {<a whole rule file, as under law/>}
  - remove_entry: {entry: ID, effective: DATE, source: {citation: ...}, text: ...}
  - add_list_versions: {list: us.ear.country_groups.d5, versions: [...]}
```
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chipcontrols.errors import ChipControlsError, InputError, LawError
from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook
from chipcontrols.rulebook.schema import DatedList, Entry, parse_list_file, parse_rule_file
from chipcontrols.rulebook.yamlio import load_yaml_file

CHANGE_KINDS = ("add_entry", "add_versions", "remove_entry", "add_list_versions")
_TOP = {"name", "description", "changes", "notes"}
# Scenario rulebooks stay referenced for the life of the process: caches elsewhere in the engine
# key on the identity of a rulebook's views, which must not be reused by a later rulebook.
_BUILT: dict[str, Rulebook] = {}


class ScenarioError(InputError):
    """A scenario file breaks the law schema, names unknown entries or dates out of order."""

    code = "invalid_scenario"


@dataclass(frozen=True)
class Change:
    kind: str
    target: str
    dates: tuple[str, ...]
    loc: str

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.kind, "target": self.target, "dates": list(self.dates)}


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    changes: tuple[Change, ...]
    base: Rulebook
    rulebook: Rulebook
    file: str

    @property
    def touched(self) -> set[str]:
        return {c.target for c in self.changes}

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "file": self.file,
            "base_rulebook_version": self.base.version,
            "scenario_rulebook_version": self.rulebook.version,
            "changes": [c.to_dict() for c in self.changes],
        }


def _law(exc: LawError) -> ScenarioError:
    return ScenarioError(exc.message, loc=exc.loc)


def _keys(raw: Any, allowed: set[str], required: set[str], *, loc: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise ScenarioError("expected a mapping", loc=loc)
    extra = set(map(str, raw)) - allowed
    if extra:
        raise ScenarioError(
            f"unknown key(s) {sorted(extra)}; allowed: {', '.join(sorted(allowed))}", loc=loc
        )
    for key in sorted(required):
        if raw.get(key) is None:
            raise ScenarioError(f"missing required key '{key}'", loc=loc)
    return raw


def _unknown_entry(entry_id: Any, entries: Mapping[str, Entry], loc: str) -> ScenarioError:
    text = str(entry_id)
    close = sorted(e for e in entries if text.lower() in e or e.endswith(text.lower()))[:5]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return ScenarioError(f"no entry {text!r} in the rulebook{hint}", loc=loc)


def _merge_versions(entry: Entry, new: Entry, loc: str) -> Entry:
    existing = {v.effective: v for v in entry.versions}
    for version in new.versions:
        if version.effective in existing:
            raise ScenarioError(
                f"{entry.id} already has a version effective {version.effective} "
                f"({entry.file}); a scenario adds versions on other dates",
                loc=loc,
            )
    if (
        new.versions[0].status == "removed"
        and new.versions[0].effective < entry.versions[0].effective
    ):
        raise ScenarioError(
            f"{entry.id} starts on {entry.versions[0].effective}; removing it from "
            f"{new.versions[0].effective} would change nothing",
            loc=loc,
        )
    merged = tuple(sorted((*entry.versions, *new.versions), key=lambda v: v.effective))
    return dataclasses.replace(entry, versions=merged, file=f"{entry.file} + {loc}")


def _entry_document(entry: Entry, versions: Any) -> dict[str, Any]:
    """A one-entry rule file in the entry's own family, so the loader parses the versions."""
    return {
        "id": entry.family,
        "jurisdiction": entry.jurisdiction,
        "instrument": entry.instrument,
        "title": entry.title,
        "applies_to": list(entry.applies_to),
        "entries": [
            {"id": entry.id, "entry": entry.entry, "title": entry.title, "versions": versions}
        ],
    }


def _dates(entries: list[Entry]) -> tuple[str, ...]:
    return tuple(sorted({v.effective.isoformat() for e in entries for v in e.versions}))


def parse_scenario(raw: Any, *, base: Rulebook | None = None, file: str = "scenario") -> Scenario:
    """Validate a scenario document and build its rulebook (as strictly as the law loader)."""
    base = base or load_rulebook()
    body = _keys(raw, _TOP, {"name", "changes"}, loc=file)
    name = body["name"]
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError("'name' must be a non-empty string", loc=f"{file}:name")
    description = body.get("description") or ""
    if not isinstance(description, str):
        raise ScenarioError("'description' must be text", loc=f"{file}:description")
    changes_raw = body["changes"]
    if not isinstance(changes_raw, list) or not changes_raw:
        raise ScenarioError("'changes' must be a non-empty list", loc=f"{file}:changes")
    entries: dict[str, Entry] = dict(base.entries)
    lists: dict[str, DatedList] = dict(base.lists)
    changes: list[Change] = []
    for i, change in enumerate(changes_raw):
        loc = f"{file}:changes[{i}]"
        if not isinstance(change, Mapping) or len(change) != 1:
            raise ScenarioError(
                f"each change is a mapping with one key, one of {', '.join(CHANGE_KINDS)}", loc=loc
            )
        kind, payload = next(iter(change.items()))
        if kind not in CHANGE_KINDS:
            raise ScenarioError(
                f"unknown change {kind!r}; use one of {', '.join(CHANGE_KINDS)}", loc=loc
            )
        here = f"{loc}.{kind}"
        try:
            if kind == "add_entry":
                added = parse_rule_file(payload, loc=here)
                for entry in added:
                    if entry.id in entries:
                        raise ScenarioError(
                            f"entry {entry.id!r} already exists ({entries[entry.id].file}); "
                            "use add_versions or remove_entry to change it",
                            loc=here,
                        )
                    entries[entry.id] = entry
                changes.append(Change(kind, added[0].family, _dates(added), here))
            elif kind in ("add_versions", "remove_entry"):
                if kind == "add_versions":
                    spec = _keys(payload, {"entry", "versions"}, {"entry", "versions"}, loc=here)
                    versions = spec["versions"]
                else:
                    spec = _keys(
                        payload,
                        {
                            "entry",
                            "effective",
                            "source",
                            "text",
                            "published",
                            "amended_by",
                            "notes",
                        },
                        {"entry", "effective", "source", "text"},
                        loc=here,
                    )
                    versions = [
                        {**{k: v for k, v in spec.items() if k != "entry"}, "status": "removed"}
                    ]
                target = entries.get(str(spec["entry"]))
                if target is None:
                    raise _unknown_entry(spec["entry"], entries, f"{here}.entry")
                parsed = parse_rule_file(_entry_document(target, versions), loc=here)[0]
                entries[target.id] = _merge_versions(target, parsed, here)
                changes.append(Change(kind, target.id, _dates([parsed]), here))
            else:
                spec = _keys(payload, {"list", "versions"}, {"list", "versions"}, loc=here)
                dated = lists.get(str(spec["list"]))
                if dated is None:
                    raise ScenarioError(
                        f"no dated list {spec['list']!r}; lists: {', '.join(sorted(lists))}",
                        loc=f"{here}.list",
                    )
                parsed_list = parse_list_file(
                    {
                        "id": dated.family,
                        "jurisdiction": dated.jurisdiction,
                        "instrument": dated.instrument,
                        "title": dated.name,
                        "lists": [
                            {"id": dated.id, "name": dated.name, "versions": spec["versions"]}
                        ],
                    },
                    loc=here,
                )[0]
                have = {v.effective for v in dated.versions}
                for version in parsed_list.versions:
                    if version.effective in have:
                        raise ScenarioError(
                            f"{dated.id} already has a version effective {version.effective}; a "
                            "scenario adds versions on other dates",
                            loc=here,
                        )
                lists[dated.id] = dataclasses.replace(
                    dated,
                    versions=tuple(
                        sorted((*dated.versions, *parsed_list.versions), key=lambda v: v.effective)
                    ),
                )
                changes.append(
                    Change(
                        kind,
                        dated.id,
                        tuple(v.effective.isoformat() for v in parsed_list.versions),
                        here,
                    )
                )
        except LawError as exc:
            raise _law(exc) from None
    digest = hashlib.sha256(
        (base.version + "\0" + json.dumps(raw, sort_keys=True, default=str)).encode()
    ).hexdigest()[:16]
    rb_version = f"sc-{digest}"
    rulebook = _BUILT.get(rb_version)
    if rulebook is None:
        try:
            rulebook = Rulebook(base.kinds, base.parameters, entries, rb_version, lists)
        except LawError as exc:
            raise _law(exc) from None
        _BUILT[rb_version] = rulebook
    return Scenario(
        name.strip(), " ".join(description.split()), tuple(changes), base, rulebook, file
    )


def load_scenario(
    path: str | Path,
    *,
    base: Rulebook | None = None,
    check: Callable[[Any, str], object] | None = None,
) -> Scenario:
    """The scenario file at `path`, parsed. `check(raw, file)`, when given, checks the file
    as read before it is parsed: the command line and the API check the file's types with
    their document model (`chipcontrols.app_services.documents.check_scenario_file`)."""
    file = Path(path)
    try:
        raw = load_yaml_file(file, error=ScenarioError)
    except ChipControlsError as exc:
        raise ScenarioError(exc.message, loc=exc.loc) from None
    if raw is None:
        raise ScenarioError("empty scenario file", loc=str(file))
    if check is not None:
        check(raw, str(file))
    return parse_scenario(raw, base=base, file=str(file))
