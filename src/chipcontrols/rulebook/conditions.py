"""Condition trees: the structured form of a legal test (never strings to eval)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from chipcontrols.errors import LawError

COMPARISONS = (">=", ">", "<=", "<", "==", "!=")
OPERATORS = (*COMPARISONS, "in", "contains")


@dataclass(frozen=True)
class Node:
    label: str | None = field(default=None, kw_only=True)
    cite: str | None = field(default=None, kw_only=True)

    def children(self) -> tuple[Node, ...]:
        return ()

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children():
            yield from child.walk()


@dataclass(frozen=True)
class AllOf(Node):
    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True)
class AnyOf(Node):
    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True)
class Not(Node):
    item: Node

    def children(self) -> tuple[Node, ...]:
        return (self.item,)


@dataclass(frozen=True)
class Compare(Node):
    param: str
    op: str
    value: Any


@dataclass(frozen=True)
class Ref(Node):
    """The item itself meets another entry."""

    entry_id: str


@dataclass(frozen=True)
class ContainsEntry(Node):
    """The item incorporates a component that meets another entry."""

    entry_id: str


@dataclass(frozen=True)
class NotFormalised(Node):
    """A legal test the rulebook does not encode: always undetermined."""

    text: str


_META = ("label", "cite")


def parse_condition(raw: Any, *, loc: str) -> Node:
    """Build a node from its YAML form; every shape error names `loc`."""
    if not isinstance(raw, Mapping):
        raise LawError("a condition must be a mapping (all/any/not/param/ref/...)", loc=loc)
    meta: dict[str, Any] = {}
    for key in _META:
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key].strip():
                raise LawError(f"'{key}' must be a non-empty string", loc=f"{loc}.{key}")
            meta[key] = raw[key]
    body = {k: v for k, v in raw.items() if k not in _META}
    keys = set(body)

    def only(*allowed: str) -> None:
        extra = keys - set(allowed)
        if extra:
            raise LawError(
                f"unknown key(s) {sorted(extra)} in a condition node; allowed: "
                f"{sorted({*allowed, *_META})}",
                loc=loc,
            )

    if "all" in keys or "any" in keys:
        kind = "all" if "all" in keys else "any"
        only(kind)
        items = body[kind]
        if not isinstance(items, list) or not items:
            raise LawError(f"'{kind}' must be a non-empty list", loc=f"{loc}.{kind}")
        nodes = tuple(parse_condition(c, loc=f"{loc}.{kind}[{i}]") for i, c in enumerate(items))
        return AllOf(nodes, **meta) if kind == "all" else AnyOf(nodes, **meta)
    if "not" in keys:
        only("not")
        return Not(parse_condition(body["not"], loc=f"{loc}.not"), **meta)
    if "param" in keys:
        only("param", "op", "value")
        for key in ("op", "value"):
            if key not in body:
                raise LawError(f"a param leaf needs '{key}'", loc=loc)
        if body["op"] not in OPERATORS:
            raise LawError(
                f"unknown op {body['op']!r}; use one of {', '.join(OPERATORS)}", loc=f"{loc}.op"
            )
        if not isinstance(body["param"], str):
            raise LawError("'param' must be a parameter name", loc=f"{loc}.param")
        value = body["value"]
        if body["op"] == "in":
            if not isinstance(value, list) or not value:
                raise LawError("'in' needs a non-empty list value", loc=f"{loc}.value")
            value = tuple(value)
        return Compare(body["param"], body["op"], value, **meta)
    if "ref" in keys or "contains" in keys:
        kind = "ref" if "ref" in keys else "contains"
        only(kind)
        if not isinstance(body[kind], str):
            raise LawError(f"'{kind}' must be an entry id", loc=f"{loc}.{kind}")
        return Ref(body[kind], **meta) if kind == "ref" else ContainsEntry(body[kind], **meta)
    if "not_formalised" in keys:
        only("not_formalised")
        if not isinstance(body["not_formalised"], str) or not body["not_formalised"].strip():
            raise LawError("'not_formalised' must say what is not encoded", loc=loc)
        return NotFormalised(body["not_formalised"], **meta)
    raise LawError(
        f"condition node with keys {sorted(keys)} is none of all/any/not/param/ref/contains/"
        "not_formalised",
        loc=loc,
    )


def to_yaml_form(node: Node) -> dict[str, Any]:
    """The inverse of parse_condition (used by rules show, diff and scenarios)."""
    out: dict[str, Any] = {}
    if isinstance(node, AllOf):
        out["all"] = [to_yaml_form(c) for c in node.items]
    elif isinstance(node, AnyOf):
        out["any"] = [to_yaml_form(c) for c in node.items]
    elif isinstance(node, Not):
        out["not"] = to_yaml_form(node.item)
    elif isinstance(node, Compare):
        value = list(node.value) if isinstance(node.value, tuple) else node.value
        out.update(param=node.param, op=node.op, value=value)
    elif isinstance(node, Ref):
        out["ref"] = node.entry_id
    elif isinstance(node, ContainsEntry):
        out["contains"] = node.entry_id
    elif isinstance(node, NotFormalised):
        out["not_formalised"] = node.text
    if node.label:
        out["label"] = node.label
    if node.cite:
        out["cite"] = node.cite
    return out


def fmt(value: Any) -> str:
    """Values as the law files write them (true/false, plain numbers, [lists])."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, tuple | list | set | frozenset):
        return "[" + ", ".join(fmt(v) for v in sorted(value, key=str)) + "]"
    return str(value)


def render(node: Node) -> str:
    """A compact one-line rendering for diffs and rule listings."""
    if isinstance(node, AllOf):
        inner = " AND ".join(render(c) for c in node.items)
        return f"({inner})"
    if isinstance(node, AnyOf):
        inner = " OR ".join(render(c) for c in node.items)
        return f"({inner})"
    if isinstance(node, Not):
        return f"NOT {render(node.item)}"
    if isinstance(node, Compare):
        value = node.value
        shown = repr(value) if isinstance(value, str) else fmt(value)
        return f"{node.param} {node.op} {shown}"
    if isinstance(node, Ref):
        return f"meets {node.entry_id}"
    if isinstance(node, ContainsEntry):
        return f"contains a component meeting {node.entry_id}"
    if isinstance(node, NotFormalised):
        return f"[not formalised: {node.text}]"
    raise TypeError(node)
