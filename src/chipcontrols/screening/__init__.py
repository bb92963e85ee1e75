"""Restricted-party screening: list readers and snapshots, the `name-v1` matcher, ownership
rules and analysts' judgements. The service functions live in `screening.service`."""
