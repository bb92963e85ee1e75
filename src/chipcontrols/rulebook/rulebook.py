"""The rulebook: every law file loaded, cross-checked and hashed; views as of a date."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from chipcontrols.errors import InputError, LawError, NotFoundError
from chipcontrols.rulebook.conditions import Compare, ContainsEntry, Node, Ref
from chipcontrols.rulebook.schema import (
    DatedList,
    Entry,
    Kind,
    Parameter,
    Version,
    parse_list_file,
    parse_parameter_file,
    parse_rule_file,
)
from chipcontrols.rulebook.yamlio import load_yaml_file

LAW_DIR = Path(__file__).resolve().parent.parent / "law"


@dataclass(frozen=True)
class InForce:
    """One entry with the version of it in force on a date."""

    entry: Entry
    version: Version


class Rulebook:
    """All law files, validated. Immutable; `at(date)` gives the law in force on that date."""

    def __init__(
        self,
        kinds: dict[str, Kind],
        parameters: dict[str, Parameter],
        entries: dict[str, Entry],
        version: str,
        lists: dict[str, DatedList] | None = None,
    ) -> None:
        self.kinds = kinds
        self.parameters = parameters
        self.entries = entries
        self.lists = lists or {}
        self.version = version
        self._validate()
        # The earliest export-control law: investment and ownership provisions (kinds "deal",
        # 'deal_party', 'ownership') reach back to old statutes and would make every date
        # 'encoded'.
        effective = [
            v.effective
            for e in entries.values()
            if set(e.applies_to) - {"deal", "deal_party", "ownership"}
            for v in e.versions
        ]
        self.earliest: dt.date | None = min(effective) if effective else None
        self._views: dict[dt.date, RulebookView] = {}

    # -------------------------------------------------------------- validation

    def _validate(self) -> None:
        for entry in self.entries.values():
            for kind in entry.applies_to:
                if kind not in self.kinds:
                    raise LawError(
                        f"unknown item kind {kind!r}; declare it in law/parameters/",
                        loc=f"{entry.file}:{entry.id}.applies_to",
                    )
            for j, version in enumerate(entry.versions):
                if version.effect is not None:
                    for target in version.effect.overcomes:
                        if target not in self.entries:
                            raise LawError(
                                f"'overcomes' names unknown entry {target!r}",
                                loc=f"{entry.file}:{entry.id}.versions[{j}].effect",
                            )
                if version.condition is None:
                    continue
                for node in version.condition.walk():
                    self._check_node(node, entry, loc=f"{entry.file}:{entry.id}.versions[{j}]")
        self._check_ref_cycles()

    def _check_node(self, node: Node, entry: Entry, *, loc: str) -> None:
        if isinstance(node, Ref | ContainsEntry):
            if node.entry_id.endswith(".*"):
                prefix = node.entry_id[:-1]
                if not any(e.startswith(prefix) for e in self.entries):
                    raise LawError(f"no entry matches {node.entry_id!r}", loc=loc)
                return
            if node.entry_id not in self.entries:
                raise LawError(f"condition refers to unknown entry {node.entry_id!r}", loc=loc)
            return
        if not isinstance(node, Compare):
            return
        param = self.parameters.get(node.param)
        if param is None:
            raise LawError(
                f"condition uses undeclared parameter {node.param!r}; declare it in "
                "law/parameters/",
                loc=loc,
            )
        if not set(param.kinds) & set(entry.applies_to):
            raise LawError(
                f"parameter {node.param!r} belongs to kinds {list(param.kinds)}, none of which "
                f"this entry applies to ({list(entry.applies_to)})",
                loc=loc,
            )
        values = node.value if node.op == "in" else (node.value,)
        for value in values:
            ok = {
                "number": isinstance(value, int | float) and not isinstance(value, bool),
                "boolean": isinstance(value, bool),
                "string": isinstance(value, str),
                "set": isinstance(value, str),
                "records": False,
            }[param.type]
            if not ok:
                raise LawError(
                    f"value {value!r} does not fit {param.type} parameter {node.param!r}",
                    loc=loc,
                )
            if param.values is not None and value not in param.values:
                raise LawError(
                    f"value {value!r} is not an allowed value of {node.param!r} "
                    f"({', '.join(param.values)})",
                    loc=loc,
                )
        if param.type == "set" and node.op != "contains":
            raise LawError(f"set parameter {node.param!r} takes op 'contains'", loc=loc)
        if node.op == "contains" and param.type != "set":
            raise LawError(f"'contains' needs a set parameter; {node.param!r} is not", loc=loc)
        if param.type in ("boolean", "string") and node.op not in ("==", "!=", "in"):
            raise LawError(f"{param.type} parameter {node.param!r} takes ==, != or in", loc=loc)

    def _check_ref_cycles(self) -> None:
        graph: dict[str, set[str]] = {}
        for entry in self.entries.values():
            refs: set[str] = set()
            for version in entry.versions:
                if version.condition is not None:
                    refs |= {n.entry_id for n in version.condition.walk() if isinstance(n, Ref)}
            graph[entry.id] = refs
        state: dict[str, int] = {}

        def visit(node: str, path: list[str]) -> None:
            if state.get(node) == 2:
                return
            if state.get(node) == 1:
                raise LawError(
                    f"entries refer to each other in a cycle: {' -> '.join(path)}",
                    loc=self.entries[node].file,
                )
            state[node] = 1
            for nxt in graph.get(node, ()):
                visit(nxt, [*path, nxt])
            state[node] = 2

        for node in graph:
            visit(node, [node])

    # -------------------------------------------------------------- queries

    def check_date(self, as_of: dt.date, *, loc: str = "as_of") -> dt.date:
        if self.earliest is not None and as_of < self.earliest:
            raise InputError(
                f"{as_of} is before the earliest law this rulebook holds ({self.earliest}); "
                f"give a date on or after {self.earliest}",
                loc=loc,
            )
        return as_of

    def members(self, list_id: str, as_of: dt.date) -> frozenset[str]:
        """Members of a dated list (e.g. a Country Group) on a date."""
        try:
            return self.lists[list_id].members_at(as_of)
        except KeyError:
            raise LawError(f"no list {list_id!r} in the rulebook") from None

    def at(self, as_of: dt.date) -> RulebookView:
        self.check_date(as_of)
        view = self._views.get(as_of)
        if view is None:
            if len(self._views) > 4096:
                self._views.clear()
            view = RulebookView(self, as_of)
            self._views[as_of] = view
        return view

    def entry(self, entry_id: str) -> Entry:
        try:
            return self.entries[entry_id]
        except KeyError:
            close = [e for e in self.entries if entry_id.lower() in e or e.endswith(entry_id)]
            hint = f"; did you mean {', '.join(sorted(close)[:5])}?" if close else ""
            raise NotFoundError(f"no rule entry {entry_id!r}{hint}", loc="id") from None

    def find(self, key: str) -> list[Entry]:
        """Entries by id, id prefix (family) or official designation (e.g. '3A090.a')."""
        key_l = key.lower()
        exact = [e for e in self.entries.values() if e.id == key_l or e.entry.lower() == key_l]
        if exact:
            return exact
        prefix = [e for e in self.entries.values() if e.id.startswith(key_l + ".")]
        if prefix:
            return prefix
        self.entry(key)  # raises with a suggestion
        return []


class RulebookView:
    """The law in force on one date."""

    def __init__(self, rulebook: Rulebook, as_of: dt.date) -> None:
        self.rulebook = rulebook
        self.as_of = as_of
        self._by_kind: dict[str, list[InForce]] = {}
        # Derived data of procedures over this view (e.g. the rules of one step).
        self.memo: dict[Any, Any] = {}
        self._expanded: dict[str, list[str]] = {}
        self.in_force: dict[str, InForce] = {}
        for entry in rulebook.entries.values():
            version = entry.version_at(as_of)
            if version is not None:
                self.in_force[entry.id] = InForce(entry, version)

    def for_kind(self, kind: str) -> list[InForce]:
        found = self._by_kind.get(kind)
        if found is None:
            found = self._by_kind[kind] = [
                f for f in self.in_force.values() if kind in f.entry.applies_to
            ]
        return found

    def get(self, entry_id: str) -> InForce | None:
        return self.in_force.get(entry_id)

    def expand(self, entry_id: str) -> list[str]:
        """Entry ids in force that a reference names: one id, or all under 'prefix.*'."""
        found = self._expanded.get(entry_id)
        if found is None:
            if entry_id.endswith(".*"):
                prefix = entry_id[:-1]
                found = sorted(e for e in self.in_force if e.startswith(prefix))
            else:
                found = [entry_id] if entry_id in self.in_force else []
            self._expanded[entry_id] = found
        return found


# ------------------------------------------------------------------ loading


def _law_files(root: Path) -> Iterable[Path]:
    for path in sorted(root.rglob("*.yaml")):
        rel = path.relative_to(root)
        if any(part.startswith(("_", ".")) for part in rel.parts):
            continue  # private data kept beside the law (e.g. screening rules), not rule files
        yield path


def content_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".yaml", ".yml"):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return "rb-" + digest.hexdigest()[:16]


def load_rulebook_from(root: Path) -> Rulebook:
    if not root.is_dir():
        raise LawError("law folder not found", loc=str(root))
    kinds: dict[str, Kind] = {}
    params: dict[str, Parameter] = {}
    entries: dict[str, Entry] = {}
    lists: dict[str, DatedList] = {}
    for path in _law_files(root):
        rel = path.relative_to(root).as_posix()
        raw = load_yaml_file(path, error=LawError, trusted=True)
        if raw is None:
            raise LawError("empty law file", loc=rel)
        if rel.startswith("parameters/"):
            new_kinds, new_params = parse_parameter_file(raw, loc=rel)
            for name in new_kinds:
                if name in kinds:
                    raise LawError(f"kind {name!r} is declared twice", loc=rel)
            for name in new_params:
                if name in params:
                    raise LawError(f"parameter {name!r} is declared twice", loc=rel)
            kinds.update(new_kinds)
            params.update(new_params)
            continue
        if isinstance(raw, dict) and "lists" in raw:
            for dated in parse_list_file(raw, loc=rel):
                if dated.id in lists:
                    raise LawError(f"list id {dated.id!r} is defined twice", loc=rel)
                lists[dated.id] = dated
            continue
        for entry in parse_rule_file(raw, loc=rel):
            if entry.id in entries:
                raise LawError(
                    f"entry id {entry.id!r} is already defined in {entries[entry.id].file}",
                    loc=rel,
                )
            entries[entry.id] = entry
    for param in params.values():
        for kind in param.kinds:
            if kind not in kinds:
                raise LawError(
                    f"parameter {param.name!r} names unknown kind {kind!r}",
                    loc="parameters/",
                )
    return Rulebook(kinds, params, entries, content_hash(root), lists)


@cache
def load_rulebook(root: Path | None = None) -> Rulebook:
    """The bundled rulebook (cached: law files are immutable inside an installed package)."""
    return load_rulebook_from(root or LAW_DIR)
