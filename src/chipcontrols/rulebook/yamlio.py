"""Strict YAML reading: duplicate keys are errors, and every error names the file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from chipcontrols.errors import ChipControlsError, InputError


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (PyYAML silently keeps the last)."""


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


def load_yaml_text(text: str, *, loc: str, error: type[ChipControlsError] = InputError) -> Any:
    """Parse YAML (JSON is YAML too) strictly; raise `error` naming `loc` and the line."""
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{loc}:{mark.line + 1}" if mark else loc
        problem = exc.problem or str(exc)
        raise error(f"malformed YAML/JSON: {problem}; fix the syntax", loc=where) from None
    except yaml.YAMLError as exc:
        raise error(f"malformed YAML/JSON: {exc}", loc=loc) from None


def load_yaml_file(path: Path, *, error: type[ChipControlsError] = InputError) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error("file not found; check the path", loc=str(path)) from None
    except UnicodeDecodeError:
        raise error("file is not UTF-8 text", loc=str(path)) from None
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", loc=str(path)) from None
    return load_yaml_text(text, loc=str(path), error=error)
