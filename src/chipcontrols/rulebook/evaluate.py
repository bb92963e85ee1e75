"""Scalar evaluation of condition trees with an explanation of every leaf.

Three-valued (Kleene) logic: a missing fact makes a leaf undetermined, and the answer names
the fact; it is never guessed.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chipcontrols.rulebook.codegen import generate
from chipcontrols.rulebook.conditions import (
    AllOf,
    AnyOf,
    Compare,
    ContainsEntry,
    Node,
    Not,
    NotFormalised,
    Ref,
    fmt,
)


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNDETERMINED = "undetermined"

    def __str__(self) -> str:
        return self.value


def all_of(statuses: Sequence[Status]) -> Status:
    if Status.NOT_MET in statuses:
        return Status.NOT_MET
    if Status.UNDETERMINED in statuses:
        return Status.UNDETERMINED
    return Status.MET


def any_of(statuses: Sequence[Status]) -> Status:
    if Status.MET in statuses:
        return Status.MET
    if Status.UNDETERMINED in statuses:
        return Status.UNDETERMINED
    return Status.NOT_MET


def negate(status: Status) -> Status:
    return {
        Status.MET: Status.NOT_MET,
        Status.NOT_MET: Status.MET,
        Status.UNDETERMINED: Status.UNDETERMINED,
    }[status]


# How a status reads in an explanation line.
_WORDS = {status: status.value.replace("_", " ") for status in Status}
_TEST_TEXT = "_test_text"


def _test_text(node: Compare) -> str:
    """ "op value" of a comparison, formatted once per (immutable) law node."""
    text: str | None = node.__dict__.get(_TEST_TEXT)
    if text is None:
        text = f"{node.op} {fmt(node.value)}"
        object.__setattr__(node, _TEST_TEXT, text)  # a cache, not a field
    return text


class Explanation:
    """One evaluated node: what was tested, on which facts, with what outcome.

    The text is formatted only when read: evaluation runs on hot paths (tables, batches)
    where most explanations are never shown.
    """

    __slots__ = ("_args", "_text", "children", "cite", "label", "missing", "ref", "status")

    def __init__(
        self,
        text: str | None,
        status: Status,
        children: list[Explanation] | None = None,
        missing: list[str] | None = None,
        label: str | None = None,
        cite: str | None = None,
        *,
        compare: tuple[Compare, Any] | None = None,
        ref: str | None = None,
    ) -> None:
        self._text = text
        self._args = compare
        # The entry whose own explanation is this node's one child ("meets X"): a record
        # shows each such explanation once, in its references (see `References`).
        self.ref = ref
        self.status = status
        self.children = children or []
        self.missing = missing or []
        self.label = label
        self.cite = cite

    @property
    def text(self) -> str:
        if self._text is None:
            assert self._args is not None
            node, value = self._args
            test = _test_text(node)
            if value is None:
                self._text = f"{node.param} {test} (value not given)"
            else:
                self._text = f"{node.param} {fmt(value)} {test}"
        return self._text

    def lines(self, indent: int = 0, refs: References | None = None) -> list[str]:
        """One line per node, children indented. With `refs`, a referenced entry's
        explanation is not repeated here: the line names its key in `refs`, which holds it
        once for the whole record."""
        out: list[str] = []
        self._lines(indent, refs, out)
        return out

    def _lines(self, indent: int, refs: References | None, out: list[str]) -> None:
        text = self._text if self._text is not None else self.text
        head = f"{'  ' * indent}{self.label}: " if self.label else "  " * indent
        line = f"{head}{text}: {_WORDS[self.status]}"
        if refs is not None and self.ref is not None and len(self.children) == 1:
            out.append(f"{line} (explained in references, {refs.key(self.ref, self.children[0])})")
            return
        out.append(line)
        for child in self.children:
            child._lines(indent + 1, refs, out)

    def all_missing(self) -> list[str]:
        found = list(self.missing)
        for child in self.children:
            for name in child.all_missing():
                if name not in found:
                    found.append(name)
        return found

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "status": self.status.value}
        if self.label:
            out["label"] = self.label
        if self.cite:
            out["cite"] = self.cite
        if self.missing:
            out["missing"] = self.missing
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out


class References:
    """The explanations of referenced entries, each once per record.

    A condition that refers to another entry ("meets 3A090") carries that entry's whole
    explanation; the same entry on the same facts is referred to from many steps (each
    licence rule, each review policy). A record keeps it once under a key (R1, R2, ...) and
    the steps name the key. Identical explanations share a key, found by identity first
    (the evaluators memoise per entry and facts) and by content otherwise.
    """

    def __init__(self) -> None:
        self._by_identity: dict[int, str] = {}
        self._by_content: dict[tuple[str, str, tuple[str, ...]], str] = {}
        self._keep: list[Explanation] = []  # held, so identities stay unique meanwhile
        self.entries: dict[str, dict[str, Any]] = {}

    def key(self, entry_id: str, explanation: Explanation) -> str:
        found = self._by_identity.get(id(explanation))
        if found is not None:
            return found
        self._keep.append(explanation)
        lines = explanation.lines(0, self)  # nested references are keyed first
        content = (entry_id, explanation.status.value, tuple(lines))
        found = self._by_content.get(content)
        if found is None:
            found = f"R{len(self.entries) + 1}"
            self._by_content[content] = found
            self.entries[found] = {
                "entry": entry_id,
                "status": explanation.status.value,
                "conditions": lines,
            }
        self._by_identity[id(explanation)] = found
        return found


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}


# A resolver evaluates another entry (by id) on given facts: used for `ref` and `contains`.
EntryResolver = Callable[[str, "Facts"], "tuple[Status, Explanation] | None"]


@dataclass
class Facts:
    """An item's parameter values (canonical units, derived ones included) and components."""

    values: Mapping[str, Any]
    components: Sequence[Facts] = ()
    name: str | None = None


def evaluate(node: Node, facts: Facts, resolve: EntryResolver) -> Explanation:
    if type(node) is Compare:  # the most frequent node: tested first
        return _compare(node, facts)
    if isinstance(node, AllOf | AnyOf):
        # Stop at the first decisive child (not met for all, met for any): the answer cannot
        # change, and facts that no longer matter are not asked for.
        decisive = Status.NOT_MET if isinstance(node, AllOf) else Status.MET
        children: list[Explanation] = []
        for item in node.items:
            explained = evaluate(item, facts, resolve)
            children.append(explained)
            if explained.status is decisive:
                break
        statuses = [c.status for c in children]
        status = all_of(statuses) if isinstance(node, AllOf) else any_of(statuses)
        text = "all of" if isinstance(node, AllOf) else "any of"
        if len(children) < len(node.items):
            text += f" (stopped after {len(children)} of {len(node.items)})"
        return Explanation(text, status, children, label=node.label, cite=node.cite)
    if isinstance(node, Not):
        child = evaluate(node.item, facts, resolve)
        return Explanation("not", negate(child.status), [child], label=node.label, cite=node.cite)
    if isinstance(node, Compare):
        return _compare(node, facts)
    if isinstance(node, Ref):
        result = resolve(node.entry_id, facts)
        if result is None:
            return Explanation(
                f"meets {node.entry_id} (not in force on this date)",
                Status.NOT_MET,
                label=node.label,
                cite=node.cite,
            )
        status, inner = result
        return Explanation(
            f"meets {node.entry_id}",
            status,
            [inner],
            label=node.label,
            cite=node.cite,
            ref=node.entry_id,
        )
    if isinstance(node, ContainsEntry):
        return _contains(node, facts, resolve)
    if isinstance(node, NotFormalised):
        return Explanation(
            f"not formalised: {node.text}", Status.UNDETERMINED, label=node.label, cite=node.cite
        )
    raise TypeError(node)


def _compare(node: Compare, facts: Facts) -> Explanation:
    value = facts.values.get(node.param)
    if value is None:
        return Explanation(
            None,
            Status.UNDETERMINED,
            missing=[node.param],
            label=node.label,
            cite=node.cite,
            compare=(node, None),
        )
    if node.op == "in":
        ok = value in node.value
    elif node.op == "contains":
        ok = node.value in value
    else:
        ok = _OPS[node.op](value, node.value)
    return Explanation(
        None,
        Status.MET if ok else Status.NOT_MET,
        label=node.label,
        cite=node.cite,
        compare=(node, value),
    )


def _contains(node: ContainsEntry, facts: Facts, resolve: EntryResolver) -> Explanation:
    if not facts.components:
        return Explanation(
            f"contains a component meeting {node.entry_id} (components not given)",
            Status.UNDETERMINED,
            missing=["components"],
            label=node.label,
            cite=node.cite,
        )
    children: list[Explanation] = []
    statuses: list[Status] = []
    for i, component in enumerate(facts.components):
        result = resolve(node.entry_id, component)
        name = component.name or f"component {i + 1}"
        if result is None:
            children.append(Explanation(f"{name}: {node.entry_id} not in force", Status.NOT_MET))
            statuses.append(Status.NOT_MET)
            continue
        status, inner = result
        children.append(
            Explanation(f"{name} meets {node.entry_id}", status, [inner], ref=node.entry_id)
        )
        statuses.append(status)
    return Explanation(
        f"contains a component meeting {node.entry_id}",
        any_of(statuses),
        children,
        label=node.label,
        cite=node.cite,
    )


# A status resolver answers `ref`/`contains` look-ups with a status only (no explanation).
StatusResolver = Callable[[str, "Facts"], "Status | None"]


def status_of(node: Node, facts: Facts, resolve: StatusResolver) -> Status:
    """The outcome of `evaluate` without building the explanation (hot paths: determination,
    batches). Same short-circuit and Kleene rules; property-tested against `evaluate`.

    Each tree is compiled once into nested closures (cached by node identity; law trees are
    immutable and live as long as their rulebook)."""
    return _compiled(node)(facts, resolve)


_Compiled = Callable[[Facts, StatusResolver], Status]
_MET, _NOT_MET, _UNDET = Status.MET, Status.NOT_MET, Status.UNDETERMINED
_SLOT = "_compiled_status"


def _compiled(node: Node) -> _Compiled:
    """The node's closure, kept on the (immutable) node itself after the first use."""
    func: _Compiled | None = node.__dict__.get(_SLOT)
    if func is None:
        func = generate(node, _MET, _NOT_MET, _UNDET, _compile)
        object.__setattr__(node, _SLOT, func)  # a cache, not a field: eq and hash ignore it
    return func


def _compile(node: Node) -> _Compiled:
    if isinstance(node, Compare):
        param, target = node.param, node.value
        if node.op == "in":

            def test(value: Any) -> bool:
                return value in target
        elif node.op == "contains":

            def test(value: Any) -> bool:
                return target in value
        else:
            op = _OPS[node.op]

            def test(value: Any) -> bool:
                return op(value, target)

        def compare(facts: Facts, resolve: StatusResolver) -> Status:
            value = facts.values.get(param)
            if value is None:
                return _UNDET
            return _MET if test(value) else _NOT_MET

        return compare
    if isinstance(node, AllOf | AnyOf):
        parts = tuple(_compile(c) for c in node.items)
        decisive, other = (_NOT_MET, _MET) if isinstance(node, AllOf) else (_MET, _NOT_MET)

        def combine(facts: Facts, resolve: StatusResolver) -> Status:
            undetermined = False
            for part in parts:
                status = part(facts, resolve)
                if status is decisive:
                    return decisive
                if status is _UNDET:
                    undetermined = True
            return _UNDET if undetermined else other

        return combine
    if isinstance(node, Not):
        inner = _compile(node.item)

        def negated(facts: Facts, resolve: StatusResolver) -> Status:
            status = inner(facts, resolve)
            return _UNDET if status is _UNDET else (_NOT_MET if status is _MET else _MET)

        return negated
    if isinstance(node, Ref):
        entry_id = node.entry_id

        def ref(facts: Facts, resolve: StatusResolver) -> Status:
            found = resolve(entry_id, facts)
            return _NOT_MET if found is None else found

        return ref
    if isinstance(node, ContainsEntry):
        target_id = node.entry_id

        def contains(facts: Facts, resolve: StatusResolver) -> Status:
            if not facts.components:
                return _UNDET
            statuses = []
            for component in facts.components:
                found = resolve(target_id, component)
                statuses.append(_NOT_MET if found is None else found)
            return any_of(statuses)

        return contains
    if isinstance(node, NotFormalised):
        return lambda facts, resolve: _UNDET
    raise TypeError(node)


_NEVER = "\x00never"  # a fact no item holds: a not-formalised test is never met
_NEEDS = "_needed_facts"
_MAX_WAYS = 32


def needed_facts(node: Node) -> tuple[frozenset[str], ...]:
    """The ways the condition can be met, each as the facts it cannot do without.

    A missing fact makes its comparison undetermined (Kleene logic), so the condition can be
    met only if every fact of one of these sets is known. Facts under a `not` or behind a
    reference are not counted (a missing fact there may still let the whole be met). Past
    `_MAX_WAYS` ways the sets are merged into what all of them share. Cached on the
    (immutable) node."""
    found: tuple[frozenset[str], ...] | None = node.__dict__.get(_NEEDS)
    if found is None:
        found = _needed(node)
        object.__setattr__(node, _NEEDS, found)
    return found


def may_be_met(node: Node, known: set[str] | frozenset[str]) -> bool:
    """False when the condition cannot be met with only the `known` facts given."""
    return any(way <= known for way in needed_facts(node))


def _needed(node: Node) -> tuple[frozenset[str], ...]:
    if isinstance(node, Compare):
        return (frozenset({node.param}),)
    if isinstance(node, AllOf):
        ways: list[frozenset[str]] = [frozenset()]
        for child in node.items:
            ways = [w | c for w in ways for c in needed_facts(child)]
            if len(ways) > _MAX_WAYS:
                ways = [frozenset.intersection(*ways)]
        return _minimal(ways)
    if isinstance(node, AnyOf):
        ways = [w for child in node.items for w in needed_facts(child)]
        if len(ways) > _MAX_WAYS:
            ways = [frozenset.intersection(*ways)]
        return _minimal(ways)
    if isinstance(node, NotFormalised):
        return (frozenset({_NEVER}),)
    return (frozenset(),)  # not, ref, contains: nothing certain


def _minimal(ways: list[frozenset[str]]) -> tuple[frozenset[str], ...]:
    """Drop a way that needs more than another (its superset adds nothing)."""
    unique = sorted(set(ways), key=len)
    kept: list[frozenset[str]] = []
    for way in unique:
        if not any(k <= way for k in kept):
            kept.append(way)
    return tuple(kept) or (frozenset(),)
