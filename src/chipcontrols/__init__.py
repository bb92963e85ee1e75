"""chipcontrols: export controls on chips and chip-making equipment as cited, dated law."""

from chipcontrols.errors import ChipControlsError, InputError, LawError, NotFoundError

__version__ = "0.1.0"


def classify(*args: object, **kwargs: object) -> object:
    """See chipcontrols.classification.classify (imported lazily to keep start-up fast)."""
    from chipcontrols.classification import classify as _classify

    return _classify(*args, **kwargs)  # type: ignore[arg-type]


def load_rulebook() -> object:
    from chipcontrols.rulebook.rulebook import load_rulebook as _load

    return _load()


__all__ = [
    "ChipControlsError",
    "InputError",
    "LawError",
    "NotFoundError",
    "__version__",
    "classify",
    "load_rulebook",
]
