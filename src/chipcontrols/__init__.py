"""chipcontrols: export controls on chips and chip-making equipment as cited, dated law.

The services are imported on first use, so that `import chipcontrols` stays fast:

    from chipcontrols import classify, determine, assess, load_rulebook
"""

from __future__ import annotations

import importlib
from importlib import metadata
from typing import TYPE_CHECKING, Any

from chipcontrols.errors import ChipControlsError, InputError, LawError, NotFoundError

try:  # the engine version is the installed distribution's (pyproject.toml), never a copy
    __version__ = metadata.version("chipcontrols")
except metadata.PackageNotFoundError:  # pragma: no cover - run from an uninstalled source tree
    __version__ = "0+unknown"

if TYPE_CHECKING:
    from chipcontrols.classification import classify
    from chipcontrols.determination import determine
    from chipcontrols.investment import assess
    from chipcontrols.rulebook.rulebook import load_rulebook
    from chipcontrols.screening.service import ScreeningService

_LAZY = {
    "classify": "chipcontrols.classification",
    "determine": "chipcontrols.determination",
    "assess": "chipcontrols.investment",
    "load_rulebook": "chipcontrols.rulebook.rulebook",
    "ScreeningService": "chipcontrols.screening.service",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'chipcontrols' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "ChipControlsError",
    "InputError",
    "LawError",
    "NotFoundError",
    "ScreeningService",
    "__version__",
    "assess",
    "classify",
    "determine",
    "load_rulebook",
]
