"""Condition trees compiled to one Python function each (the hot path of `status_of`).

A tree of closures pays a call per node; a generated function evaluates the whole tree
inline, with the same Kleene logic and the same short-circuit order as `evaluate`. Law trees
are immutable, so each is generated once. Values the law compares against are passed in as
constants, never written into the source text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chipcontrols.rulebook.conditions import (
    AllOf,
    AnyOf,
    Compare,
    Node,
    Not,
    NotFormalised,
    Ref,
)

# Python allows 20 statically nested blocks; each all/any uses one (a `while` to break out of).
_MAX_DEPTH = 16
_INLINE_OPS = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "==": "==", "!=": "!="}


class _Writer:
    def __init__(self, fallback: Callable[[Node], Callable[..., Any]]) -> None:
        self.lines: list[str] = []
        self.consts: dict[str, Any] = {}
        self.count = 0
        self.fallback = fallback

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def const(self, value: Any) -> str:
        key = self.name("c")
        self.consts[key] = value
        return key

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def node(self, node: Node, indent: int, depth: int) -> str:
        """Emit code that leaves the node's status in the returned variable."""
        out = self.name("r")
        if isinstance(node, Compare) and node.op in (*_INLINE_OPS, "in", "contains"):
            value = self.name("v")
            self.emit(indent, f"{value} = get({self.const(node.param)})")
            target = self.const(node.value)
            if node.op == "in":
                test = f"{value} in {target}"
            elif node.op == "contains":
                test = f"{target} in {value}"
            else:
                test = f"{value} {_INLINE_OPS[node.op]} {target}"
            self.emit(indent, f"{out} = U if {value} is None else (M if {test} else N)")
        elif isinstance(node, AllOf | AnyOf) and depth < _MAX_DEPTH:
            decisive, other = ("N", "M") if isinstance(node, AllOf) else ("M", "N")
            self.emit(indent, f"{out} = {other}")
            self.emit(indent, "while True:")
            for child in node.items:
                status = self.node(child, indent + 1, depth + 1)
                self.emit(indent + 1, f"if {status} is {decisive}:")
                self.emit(indent + 2, f"{out} = {decisive}")
                self.emit(indent + 2, "break")
                self.emit(indent + 1, f"if {status} is U:")
                self.emit(indent + 2, f"{out} = U")
            self.emit(indent + 1, "break")
        elif isinstance(node, Not):
            inner = self.node(node.item, indent, depth)
            self.emit(indent, f"{out} = U if {inner} is U else (N if {inner} is M else M)")
        elif isinstance(node, Ref):
            found = self.name("f")
            self.emit(indent, f"{found} = resolve({self.const(node.entry_id)}, facts)")
            self.emit(indent, f"{out} = N if {found} is None else {found}")
        elif isinstance(node, NotFormalised):
            self.emit(indent, f"{out} = U")
        else:  # contains, or a tree nested too deep: the closure form
            func = self.const(self.fallback(node))
            self.emit(indent, f"{out} = {func}(facts, resolve)")
        return out


def generate(
    node: Node,
    met: Any,
    not_met: Any,
    undetermined: Any,
    fallback: Callable[[Node], Callable[..., Any]],
) -> Callable[..., Any]:
    """One function `(facts, resolve) -> status` for the tree."""
    writer = _Writer(fallback)
    result = writer.node(node, 1, 0)
    body = "\n".join(writer.lines)
    source = (
        f"def condition(facts, resolve):\n    get = facts.values.get\n{body}\n    return {result}\n"
    )
    namespace: dict[str, Any] = {"M": met, "N": not_met, "U": undetermined, **writer.consts}
    exec(compile(source, "<condition>", "exec"), namespace)  # our own generated code
    func: Callable[..., Any] = namespace["condition"]
    return func
