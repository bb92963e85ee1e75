"""Transaction -> verdict per jurisdiction (EAR procedure, EU, Dutch, Japanese, UK lists)."""

from chipcontrols.determination.record import Determination, Verdict
from chipcontrols.determination.service import determine

__all__ = ["Determination", "Verdict", "determine"]
