"""Units of measure: kept for existing imports; the parser lives in `chipcontrols.rulebook.units`.

The canonical units are part of the law format (law files declare them and the rulebook checks
them), so the rulebook, which must not import the domain model, owns them.
"""

from chipcontrols.rulebook.units import CANONICAL_UNITS, accepted_spellings, parse_quantity

__all__ = ["CANONICAL_UNITS", "accepted_spellings", "parse_quantity"]
