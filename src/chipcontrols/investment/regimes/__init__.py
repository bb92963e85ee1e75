"""One module per investment-screening regime; each reads like its instrument."""
