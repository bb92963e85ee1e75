"""Immutable list snapshots, named by content hash, and the pointer to the active ones.

Layout under the data directory (`CHIPCONTROLS_HOME`, default ~/.chipcontrols):

    snapshots/<id>.json    one file per snapshot, written once, never changed
    active.json            {"datasets": {dataset: snapshot id}}, replaced atomically

An import reads and checks the whole file before anything is written; the snapshot file
and then the pointer are each written to a temporary file and renamed into place, so a
failed or interrupted import leaves the active snapshots as they were. Every load checks
the content hash, so a damaged file is reported, never used.

Until the first import the active set is the bundled snapshots that the manifest
(data/lists/bundled.json) marks active: the full Entity List, MEU, DPL, NS-CMIC, the CSL
copy's other lists, DoD 1260H, EU 833/2014 Annex IV, METI's End User List and China's
counter-measure lists. An import of a dataset replaces its bundled snapshot in the active set.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import gzip
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from chipcontrols.errors import DataError, InputError, NotFoundError
from chipcontrols.screening.lists import read_list
from chipcontrols.screening.model import ListEntry, sha256_json

FORMAT_VERSION = 1
CHIP_FILE = "bis_entity_list_chip_2026-09-01.json"
BUNDLED_FILE = CHIP_FILE  # the first bundled snapshot (kept, not active)
MANIFEST = "bundled.json"
PRIMARY_DATASET = "bis_entity_list"


def data_home() -> Path:
    raw = os.environ.get("CHIPCONTROLS_HOME")
    return Path(raw).expanduser() if raw else Path.home() / ".chipcontrols"


@dataclass(frozen=True)
class Snapshot:
    id: str
    dataset: str
    as_of: dt.date
    source: dict[str, Any]
    entries: tuple[ListEntry, ...]
    bundled: bool = False
    _by_id: dict[str, ListEntry] = field(default_factory=dict, compare=False, repr=False)
    # The counts per list, computed once: a snapshot never changes, and every screening's
    # header names the snapshots it read.
    _counts: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({e.id: e for e in self.entries})

    def get(self, entry_id: str) -> ListEntry | None:
        return self._by_id.get(entry_id)

    def info(self) -> dict[str, Any]:
        if not self._counts and self.entries:
            lists: dict[str, int] = {}
            for e in self.entries:
                lists[e.list] = lists.get(e.list, 0) + 1
            self._counts.update(sorted(lists.items()))
        return {
            "id": self.id,
            "dataset": self.dataset,
            "as_of": self.as_of.isoformat(),
            "entries": len(self.entries),
            "lists": dict(self._counts),
            "source": self.source,
            "bundled": self.bundled,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "id": self.id,
            "dataset": self.dataset,
            "as_of": self.as_of.isoformat(),
            "source": self.source,
            "entries": [e.to_dict() for e in self.entries],
        }


def snapshot_id(dataset: str, as_of: dt.date, entries: list[dict[str, Any]]) -> str:
    return (
        "snap-"
        + sha256_json({"dataset": dataset, "as_of": as_of.isoformat(), "entries": entries})[:16]
    )


def build_snapshot(
    entries: list[ListEntry], *, dataset: str, as_of: dt.date, source: dict[str, Any]
) -> Snapshot:
    ordered = sorted(entries, key=lambda e: e.id)
    raw = [e.to_dict() for e in ordered]
    return Snapshot(snapshot_id(dataset, as_of, raw), dataset, as_of, source, tuple(ordered))


def parse_snapshot(doc: Any, *, loc: str, bundled: bool = False) -> Snapshot:
    if not isinstance(doc, dict) or doc.get("format_version") != FORMAT_VERSION:
        raise DataError("not a chipcontrols list snapshot (format_version)", loc=loc)
    try:
        raw_entries = doc["entries"]
        as_of = dt.date.fromisoformat(doc["as_of"])
        dataset = str(doc["dataset"])
        expected = str(doc["id"])
    except (KeyError, ValueError, TypeError) as exc:
        raise DataError(f"snapshot file is damaged: {exc}", loc=loc) from None
    if not isinstance(raw_entries, list):
        raise DataError("snapshot file is damaged: entries", loc=loc)
    if snapshot_id(dataset, as_of, raw_entries) != expected:
        raise DataError("snapshot content does not match its id: the file is damaged", loc=loc)
    entries = tuple(ListEntry.from_dict(e) for e in raw_entries)
    return Snapshot(expected, dataset, as_of, dict(doc.get("source") or {}), entries, bundled)


def _read_bundled(name: str) -> Any:
    ref = resources.files("chipcontrols").joinpath("data", "lists", name)
    data = ref.read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    return json.loads(data.decode("utf-8"))


@lru_cache(maxsize=1)
def bundled_manifest() -> tuple[dict[str, Any], ...]:
    """The manifest's items: {file, dataset, id, active, entries}."""
    try:
        doc = _read_bundled(MANIFEST)
        return tuple(dict(item) for item in doc["snapshots"])
    except (FileNotFoundError, KeyError, TypeError, ValueError):
        raise DataError("the bundled list manifest is missing or damaged", loc=MANIFEST) from None


@lru_cache(maxsize=32)
def _bundled_file(name: str) -> Snapshot:
    return parse_snapshot(_read_bundled(name), loc=name, bundled=True)


def bundled_snapshots(active_only: bool = False) -> list[Snapshot]:
    """Every snapshot shipped with the engine (or those active on a fresh install)."""
    return [
        _bundled_file(item["file"])
        for item in bundled_manifest()
        if item.get("active") or not active_only
    ]


def bundled_ids() -> dict[str, str]:
    """id -> file of every bundled snapshot (read from the manifest, without loading)."""
    return {str(item["id"]): str(item["file"]) for item in bundled_manifest()}


def bundled_snapshot(dataset: str = PRIMARY_DATASET) -> Snapshot:
    """The active bundled snapshot of a dataset (by default the full Entity List)."""
    for item in bundled_manifest():
        if item["dataset"] == dataset and item.get("active"):
            return _bundled_file(item["file"])
    raise NotFoundError(f"no bundled snapshot of {dataset!r}", loc="bundled")


@dataclass(frozen=True)
class EntryChange:
    id: str
    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class SnapshotDiff:
    old: str
    new: str
    added: tuple[ListEntry, ...]
    removed: tuple[ListEntry, ...]
    changed: tuple[EntryChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "added": [{"id": e.id, "list": e.list, "name": e.name} for e in self.added],
            "removed": [{"id": e.id, "list": e.list, "name": e.name} for e in self.removed],
            "changed": [
                {"id": c.id, "name": c.name, "fields": list(c.fields)} for c in self.changed
            ],
        }


def diff_snapshots(old: Snapshot, new: Snapshot) -> SnapshotDiff:
    a = {e.id: e for e in old.entries}
    b = {e.id: e for e in new.entries}
    changed = []
    for key in sorted(a.keys() & b.keys()):
        if a[key] != b[key]:
            da, db = a[key].to_dict(), b[key].to_dict()
            fields = tuple(k for k in da if da[k] != db[k])
            changed.append(EntryChange(key, b[key].name, fields))
    return SnapshotDiff(
        old.id,
        new.id,
        tuple(b[k] for k in sorted(b.keys() - a.keys())),
        tuple(a[k] for k in sorted(a.keys() - b.keys())),
        tuple(changed),
    )


class SnapshotStore:
    """Snapshots on disk under one data directory."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = home or data_home()
        self.dir = self.home / "snapshots"
        self.pointer = self.home / "active.json"

    # -- reading

    def active_ids(self) -> dict[str, str]:
        try:
            stat = self.pointer.stat()
        except FileNotFoundError:
            return {
                str(item["dataset"]): str(item["id"])
                for item in bundled_manifest()
                if item.get("active")
            }
        except OSError:
            stat = None
        # The pointer is replaced whole on activation (a new file): re-read it only when its
        # identity, size or time changed.
        key = (stat.st_ino, stat.st_size, stat.st_mtime_ns) if stat is not None else None
        cached = self.__dict__.get("_active_ids")
        if key is not None and cached is not None and cached[0] == key:
            return dict(cached[1])
        ids = self._read_pointer()
        if key is not None:
            self.__dict__["_active_ids"] = (key, dict(ids))
        return ids

    def _read_pointer(self) -> dict[str, str]:
        try:
            doc = json.loads(self.pointer.read_text("utf-8"))
            datasets = doc["datasets"]
            if not isinstance(datasets, dict):
                raise TypeError("datasets")
        except (OSError, ValueError, KeyError, TypeError):
            raise DataError(
                "the active-snapshot pointer is damaged; re-import or run "
                "'chipcontrols lists activate'",
                loc=str(self.pointer),
            ) from None
        return {str(k): str(v) for k, v in datasets.items()}

    def active(self) -> list[Snapshot]:
        # The pointer holds exact ids: no need to resolve them (which lists the directory).
        bundled = bundled_ids()
        out: list[Snapshot] = []
        for sid in self.active_ids().values():
            if sid in bundled:
                snap = _bundled_file(bundled[sid])
                if snap.id != sid:
                    raise DataError(
                        "bundled snapshot does not match the manifest", loc=bundled[sid]
                    )
                out.append(snap)
            else:
                out.append(_load_file(self.dir / f"{sid}.json"))
        return out

    def load(self, snapshot: str) -> Snapshot:
        sid = self.resolve(snapshot)
        bundled = bundled_ids()
        if sid in bundled:
            snap = _bundled_file(bundled[sid])
            if snap.id != sid:
                raise DataError("bundled snapshot does not match the manifest", loc=bundled[sid])
            return snap
        return _load_file(self.dir / f"{sid}.json")

    def resolve(self, ref: str) -> str:
        """A snapshot id from an id, a unique id prefix, or a dataset name (its active one)."""
        ref = ref.strip()
        if not ref:
            raise InputError("give a snapshot id or a dataset name", loc="SNAPSHOT")
        ids = [*self.stored_ids(), *bundled_ids()]
        if ref in ids:
            return ref
        active = self.active_ids()
        if ref in active:
            return active[ref]
        if ref == "bundled":
            return bundled_snapshot().id
        if ref.startswith("bundled:"):
            return bundled_snapshot(ref.split(":", 1)[1]).id
        matches = [i for i in ids if i.startswith(ref) or i.startswith(f"snap-{ref}")]
        if len(set(matches)) == 1:
            return matches[0]
        if matches:
            raise InputError(
                f"{ref!r} matches several snapshots; give more of the id", loc="SNAPSHOT"
            )
        raise NotFoundError(f"no snapshot {ref!r}; see 'chipcontrols lists list'", loc="SNAPSHOT")

    def stored_ids(self) -> list[str]:
        if not self.dir.is_dir():
            return []
        return sorted(p.stem for p in self.dir.glob("snap-*.json"))

    def list(self) -> list[dict[str, Any]]:
        active = set(self.active_ids().values())
        out = []
        for sid in [*bundled_ids(), *self.stored_ids()]:
            try:
                info = self.load(sid).info()
                info.pop("source", None)
            except DataError as exc:
                info = {"id": sid, "error": exc.message}
            info["active"] = sid in active
            out.append(info)
        return out

    # -- writing

    def clean_partial_writes(self, older_than_s: float = 300) -> tuple[str, ...]:
        """Remove the temporary files an interrupted import left behind (a write is atomic:
        a temporary file renamed into place, so a leftover one holds nothing anyone reads)."""
        removed: tuple[str, ...] = ()
        now = time.time()
        for folder in (self.dir, self.home):
            if not folder.is_dir():
                continue
            for tmp in folder.glob(".*.json.*"):
                with contextlib.suppress(OSError):
                    if now - tmp.stat().st_mtime >= older_than_s:
                        tmp.unlink()
                        removed += (tmp.name,)
        return removed

    def import_file(
        self,
        path: Path,
        *,
        fmt: str = "auto",
        dataset: str | None = None,
        as_of: dt.date | None = None,
        activate: bool = True,
    ) -> Snapshot:
        self.clean_partial_writes()
        result = read_list(path, fmt)
        name = dataset or result.dataset
        if not name.replace("_", "").replace("-", "").isalnum():
            raise InputError("dataset names use letters, digits, '_' and '-'", loc="--dataset")
        source = {
            "file": path.name,
            "format": result.format,
            "sha256": _file_hash(path),
            "imported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "as_of_from": "option" if as_of else (result.as_of and "file") or "import date",
            "warnings": result.warnings,
        }
        day = as_of or result.as_of or dt.date.today()
        snap = build_snapshot(result.entries, dataset=name, as_of=day, source=source)
        with self._lock():
            target = self.dir / f"{snap.id}.json"
            if not target.exists():
                _atomic_write(target, snap.to_json())
            else:
                snap = _load_file(target)  # same content imported before: keep the first record
            if activate:
                ids = self.active_ids()
                ids[name] = snap.id
                self._write_pointer(ids)
        return snap

    def set_active(self, dataset: str, snapshot: str | None) -> dict[str, str]:
        with self._lock():
            ids = self.active_ids()
            if snapshot is None:
                if dataset not in ids:
                    raise NotFoundError(f"no active dataset {dataset!r}", loc="DATASET")
                del ids[dataset]
            else:
                snap = self.load(snapshot)
                if snap.dataset != dataset:
                    raise InputError(
                        f"snapshot {snap.id} holds dataset {snap.dataset!r}, not {dataset!r}",
                        loc="SNAPSHOT",
                    )
                ids[dataset] = snap.id
            self._write_pointer(ids)
        return ids

    def _write_pointer(self, ids: dict[str, str]) -> None:
        _atomic_write(self.pointer, {"datasets": dict(sorted(ids.items()))})

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.home.mkdir(parents=True, exist_ok=True)
        with (self.home / ".lock").open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int) -> Snapshot:
    p = Path(path)
    try:
        doc = json.loads(p.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise DataError("snapshot file is damaged or unreadable", loc=path) from None
    snap = parse_snapshot(doc, loc=path)
    if snap.id != p.stem:
        raise DataError("snapshot file name does not match its content", loc=path)
    return snap


def _load_file(path: Path) -> Snapshot:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise NotFoundError(f"snapshot file {path.name} is missing", loc=str(path)) from None
    return _load_cached(str(path), st.st_mtime_ns, st.st_size)


def _atomic_write(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, ensure_ascii=False, separators=(",", ":"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _file_hash(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
