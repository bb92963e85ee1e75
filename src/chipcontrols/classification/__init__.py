"""Item -> control entries met, not met or undetermined, per jurisdiction."""

from chipcontrols.classification.service import Classification, EntryResult, classify

__all__ = ["Classification", "EntryResult", "classify"]
