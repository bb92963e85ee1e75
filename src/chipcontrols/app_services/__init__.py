"""The service layer the interfaces share: answers recorded, audited and replayable."""

from chipcontrols.app_services.service import Services, compare, parse_as_of

__all__ = ["Services", "compare", "parse_as_of"]
