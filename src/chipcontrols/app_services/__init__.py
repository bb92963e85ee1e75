"""The service layer the interfaces share: answers recorded, audited and replayable.

`Services` and its helpers load on first use, so that the light `inputs` checks can be
imported by the CLI readers without the database layer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chipcontrols.app_services.service import Services, compare, parse_as_of

__all__ = ["Services", "compare", "parse_as_of"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from chipcontrols.app_services import service

        return getattr(service, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
