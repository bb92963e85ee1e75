"""The rulebook: strict loading of the law files, conditions and their evaluation."""
