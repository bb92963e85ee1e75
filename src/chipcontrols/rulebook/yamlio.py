"""Strict YAML reading: duplicate keys are errors, and every error names the file and line.

A document is refused, as bad input and never as a crash, when it nests deeper than
MAX_DEPTH, when its aliases refer to themselves or would expand it beyond MAX_NODES nodes
(an "alias bomb": the check counts the expansion on the node graph, without building it),
or when a value cannot be built (an impossible date such as 2023-02-30, as a value or key).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from chipcontrols.errors import ChipControlsError, InputError

MAX_DEPTH = 100
MAX_NODES = 1_000_000


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (PyYAML silently keeps the last),
    and documents nested deeper than MAX_DEPTH."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"the document is nested deeper than {MAX_DEPTH} levels",
                    event.start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_timestamp(loader: _StrictLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"{node.value[:40]!r} is not a real date or time; write YYYY-MM-DD",
            node.start_mark,
        ) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _check_expansion(root: yaml.Node) -> None:
    """Refuse aliases that refer to a node being defined (a cycle) or that make the
    document, expanded, larger than MAX_NODES. Each node's expanded size is computed once."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            if isinstance(node, yaml.MappingNode):
                children = [n for pair in node.value for n in pair]
            else:
                children = list(node.value)
            total = 1 + sum(sizes[id(c)] for c in children)
            if total > MAX_NODES:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"the document expands to more than {MAX_NODES} values "
                    "(aliases repeating aliases)",
                    node.start_mark,
                )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            sizes[key] = 1
            continue
        if key in open_nodes:
            raise yaml.composer.ComposerError(
                None, None, "an alias refers to the node that contains it", node.start_mark
            )
        open_nodes.add(key)
        stack.append((node, True))
        children = (
            [n for pair in node.value for n in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
        )
        for child in children:
            if id(child) in open_nodes:
                raise yaml.composer.ComposerError(
                    None, None, "an alias refers to the node that contains it", child.start_mark
                )
            if id(child) not in sizes:
                stack.append((child, False))


def _load(text: str, loader_class: Any = _StrictLoader) -> Any:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            line = key_node.start_mark.line + 1
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {line})", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

# The package's own law and data files are read with LibYAML's parser when PyYAML has it
# (several times faster: the rulebook is hundreds of files read at every start), with the
# same constructors, so the same values and the same refusals of duplicate keys and
# impossible dates. Documents from users keep the pure-Python parser, whose depth limit is
# checked while composing (LibYAML's composer recurses in C).
_TrustedLoader: Any = _StrictLoader
if getattr(yaml, "__with_libyaml__", False):

    class _CStrictLoader(yaml.CSafeLoader):
        pass

    _CStrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
    _CStrictLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
    )
    _TrustedLoader = _CStrictLoader


def load_yaml_text(
    text: str,
    *,
    loc: str,
    error: type[ChipControlsError] = InputError,
    trusted: bool = False,
) -> Any:
    """Parse YAML (JSON is YAML too) strictly; raise `error` naming `loc` and the line.
    `trusted`: a file shipped with the package (law, catalog, tables), read with LibYAML."""
    try:
        return _load(text, _TrustedLoader if trusted else _StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{loc}:{mark.line + 1}" if mark else loc
        problem = (exc.problem or str(exc))[:300]
        if isinstance(exc, yaml.constructor.ConstructorError | yaml.composer.ComposerError):
            raise error(f"bad YAML/JSON: {problem}", loc=where) from None
        raise error(f"malformed YAML/JSON: {problem}; fix the syntax", loc=where) from None
    except yaml.YAMLError as exc:
        raise error(f"malformed YAML/JSON: {str(exc)[:200]}", loc=loc) from None
    except RecursionError:
        raise error(
            f"malformed YAML/JSON: nested too deeply (at most {MAX_DEPTH} levels)", loc=loc
        ) from None
    except (ValueError, OverflowError, TypeError) as exc:  # a scalar that cannot be built
        raise error(
            f"malformed YAML/JSON: {type(exc).__name__}: {str(exc)[:200]}", loc=loc
        ) from None


def load_yaml_file(
    path: Path, *, error: type[ChipControlsError] = InputError, trusted: bool = False
) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error("file not found; check the path", loc=str(path)) from None
    except UnicodeDecodeError:
        raise error("file is not UTF-8 text", loc=str(path)) from None
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", loc=str(path)) from None
    return load_yaml_text(text, loc=str(path), error=error, trusted=trusted)
