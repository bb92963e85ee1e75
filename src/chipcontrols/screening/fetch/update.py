"""One fetch of one source: download, check, import as a snapshot, diff, activate.

Nothing the active set points to changes until every file of the source is downloaded
whole (checked length and checksum), converted, read by its reader without error, and no
smaller than the last fetched snapshot allows (`max_drop`); only then is the new snapshot
made active, with one atomic replacement of the pointer (SnapshotStore.set_active). A
failure at any step leaves the active snapshot as it was and is reported, not raised.

Kept under <home>/fetch/: state.json (per source: ETag, Last-Modified and SHA-256 of each
file, the last snapshot) and raw/<source>/ (the files of the last good download, reused
when the server answers 304 for one of several files).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipcontrols.errors import ChipControlsError, DataError
from chipcontrols.screening.fetch.convert import convert
from chipcontrols.screening.fetch.http import Download, Fetcher, Validators
from chipcontrols.screening.fetch.sources import Source, max_drop
from chipcontrols.screening.lists.snapshots import (
    Snapshot,
    SnapshotDiff,
    SnapshotStore,
    build_snapshot,
    diff_snapshots,
)


@dataclass
class FetchResult:
    source: str
    dataset: str
    status: str  # updated | unchanged | not_modified | failed
    snapshot: str | None = None
    previous: str | None = None
    diff: SnapshotDiff | None = None
    error: str | None = None
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.status == "updated"

    def to_dict(self, *, limit: int = 50) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "dataset": self.dataset,
            "status": self.status,
            "snapshot": self.snapshot,
            "previous": self.previous,
            "files": self.files,
        }
        if self.error:
            out["error"] = self.error
        if self.diff is not None:
            d = self.diff.to_dict()
            out["diff"] = {
                "added": len(d["added"]),
                "removed": len(d["removed"]),
                "changed": len(d["changed"]),
                "added_entries": d["added"][:limit],
                "removed_entries": d["removed"][:limit],
                "changed_entries": d["changed"][:limit],
            }
        return out


def fetch_dir(store: SnapshotStore) -> Path:
    return store.home / "fetch"


def load_state(store: SnapshotStore) -> dict[str, Any]:
    path = fetch_dir(store) / "state.json"
    if not path.exists():
        return {}
    try:
        doc = json.loads(path.read_text("utf-8"))
        return doc if isinstance(doc, dict) else {}
    except (OSError, ValueError):
        return {}  # a damaged state only costs a full download


def _save_state(store: SnapshotStore, state: dict[str, Any]) -> None:
    path = fetch_dir(store) / "state.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".state.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(state, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _locked(store: SnapshotStore) -> Iterator[None]:
    folder = fetch_dir(store)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _active(store: SnapshotStore, dataset: str) -> Snapshot | None:
    sid = store.active_ids().get(dataset)
    return store.load(sid) if sid else None


def update_source(
    store: SnapshotStore,
    source: Source,
    fetcher: Fetcher,
    *,
    day: dt.date | None = None,
    activate: bool = True,
    drop: float | None = None,
) -> FetchResult:
    """Fetch one source; a new snapshot is imported and (by default) made active."""
    day = day or dt.date.today()
    result = FetchResult(source.name, source.dataset, "failed")
    with _locked(store):
        state = load_state(store)
        mine = dict(state.get(source.name) or {})
        known = dict(mine.get("files") or {})
        raw_dir = fetch_dir(store) / "raw" / source.name
        work = Path(tempfile.mkdtemp(prefix=f"{source.name}.", dir=fetch_dir(store)))
        try:
            downloads = _download_all(source, fetcher, day, work, raw_dir, known)
            result.files = [
                {"name": n, "url": d.url, "status": d.status, "sha256": d.sha256, "bytes": d.size}
                for n, d in downloads.items()
            ]
            fresh = {n: d for n, d in downloads.items() if not d.not_modified}
            same = all(d.sha256 == known.get(n, {}).get("sha256") for n, d in fresh.items())
            previous = _active(store, source.dataset)
            result.previous = previous.id if previous else None
            if same and mine.get("snapshot") and previous and previous.id == mine["snapshot"]:
                result.status = "not_modified"
                result.snapshot = previous.id
                _remember(store, state, source, downloads, known, previous.id, day)
                return result
            path, listed_as_of = convert(source.convert, work, [f.name for f in source.files])
            snap = store.import_file(
                path,
                fmt=source.format,
                dataset=source.dataset,
                as_of=listed_as_of or day,
                activate=False,
            )
            _check_size(snap, previous, mine, drop if drop is not None else max_drop())
            empty = build_snapshot([], dataset=source.dataset, as_of=snap.as_of, source={})
            diff = diff_snapshots(previous or empty, snap)
            result.snapshot, result.diff = snap.id, diff
            has_changes = bool(diff.added or diff.removed or diff.changed)
            if activate and (previous is None or previous.id != snap.id):
                store.set_active(source.dataset, snap.id)
            result.status = "updated" if has_changes else "unchanged"
            _keep_raw(work, raw_dir, source)
            _remember(store, state, source, downloads, known, snap.id, day)
        except ChipControlsError as exc:
            result.status = "failed"
            result.error = exc.one_line()
        except (OSError, ValueError, KeyError, TypeError) as exc:  # disk, odd file content
            result.status = "failed"
            result.error = f"{type(exc).__name__}: {exc}"
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return result


def _download_all(
    source: Source,
    fetcher: Fetcher,
    day: dt.date,
    work: Path,
    raw_dir: Path,
    known: dict[str, Any],
) -> dict[str, Download]:
    out: dict[str, Download] = {}
    for f, url in source.urls(day):
        cached = raw_dir / f.name
        previous = Validators.from_dict(known.get(f.name)) if cached.is_file() else None
        expected = None
        if f.sha256_url:
            text = fetcher.text(f.sha256_url).split()
            expected = text[0] if text else None
        d = fetcher.download(url, work / f.name, previous=previous, expected_sha256=expected)
        if d.not_modified:
            shutil.copyfile(cached, work / f.name)
            assert previous is not None
            d.validators, d.sha256 = previous, previous.sha256
            d.size = cached.stat().st_size
        out[f.name] = d
    return out


def _check_size(
    snap: Snapshot, previous: Snapshot | None, mine: dict[str, Any], drop: float
) -> None:
    """Refuse a file much smaller than the last one fetched from the same source."""
    if previous is None or previous.bundled or previous.id != mine.get("snapshot"):
        return
    floor = (1 - drop) * len(previous.entries)
    if len(snap.entries) < floor:
        raise DataError(
            f"the new file has {len(snap.entries)} entries, the last one {len(previous.entries)}: "
            f"more than {drop:.0%} fewer, probably a partial file; not activated "
            f"(import it by hand with 'chipcontrols lists import' if the list really shrank)",
            loc=snap.id,
        )


def _keep_raw(work: Path, raw_dir: Path, source: Source) -> None:
    raw_dir.mkdir(parents=True, exist_ok=True)
    for f in source.files:
        os.replace(work / f.name, raw_dir / f.name)


def _remember(
    store: SnapshotStore,
    state: dict[str, Any],
    source: Source,
    downloads: dict[str, Download],
    known: dict[str, Any],
    snapshot_id: str,
    day: dt.date,
) -> None:
    files = dict(known)
    for name, d in downloads.items():
        files[name] = {**d.validators.to_dict(), "url": d.url}
    state[source.name] = {
        "files": files,
        "snapshot": snapshot_id,
        "dataset": source.dataset,
        "checked_on": day.isoformat(),
        "checked_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    _save_state(store, state)
