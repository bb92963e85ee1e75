"""List updates from the official sources: downloads, snapshots, re-screening and alerts.

sources   the official sources (data/sources/official_lists.yaml)
http      downloads with retries, conditional requests and checksums
convert   published forms that no reader takes -> a form a reader takes
update    one source: download, import as a snapshot, diff, activate (atomic)
notify    webhook and e-mail alerts
watch     one pass of `chipcontrols watch`
"""
