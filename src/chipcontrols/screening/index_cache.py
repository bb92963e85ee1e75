"""Built matcher indexes kept on disk, so that a new process (a CLI command, a batch or
cluster worker, an API worker) loads a list's index instead of normalising every listed name
again (seconds for the bundled lists; a tenth of that to load).

A file is named by what the index is a function of: the matcher version, the snapshot's
content-hash id, and a fingerprint of the matching code and its name tables (every `.py`
file of `chipcontrols.screening` and the data files the names are read with). Any change of
those names another file; a file that cannot be read is rebuilt. Files are written whole
(temporary name, then rename), so a killed process never leaves half an index behind.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from pathlib import Path

from chipcontrols import __version__
from chipcontrols.screening.matcher import Matcher

log = logging.getLogger(__name__)
_DATA_DIRS = (("data", "lists"),)  # known names and the other tables read at index time
# Libraries whose output is part of an index (transliteration, romanisation, name tables).
_LIBRARIES = (
    "rigour",
    "PyICU",
    "pykakasi",
    "pypinyin",
    "Unidecode",
    "opencc-python-reimplemented",
    "korean-romanizer",
    "rapidfuzz",
    "pycountry",
    "countrynames",
)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the screening code and name tables this process runs."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(__version__.encode())
    for name in _LIBRARIES:
        try:
            digest.update(f"{name}={version(name)};".encode())
        except PackageNotFoundError:
            digest.update(f"{name}=-;".encode())
    root = Path(__file__).resolve().parent
    files = sorted(root.rglob("*.py"))
    package = resources.files("chipcontrols")
    for parts in _DATA_DIRS:
        base = Path(str(package.joinpath(*parts)))
        if base.is_dir():
            files += sorted(p for p in base.glob("*.yaml") if p.is_file())
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached_matcher(
    cache_dir: Path | None, algorithm: str, snapshot_id: str, build: Callable[[], Matcher]
) -> Matcher:
    """The index from `cache_dir` when one was kept for this version, snapshot and code;
    else built and kept there. With no cache folder (or one that cannot be written), built."""
    if cache_dir is None:
        return build()
    path = cache_dir / f"{algorithm}-{snapshot_id}-{code_fingerprint()}.pickle"
    if path.is_file():
        try:
            with path.open("rb") as fh:
                found = pickle.load(fh)  # our own file, written under the same home
            if isinstance(found, Matcher):
                return found
        except Exception:  # a damaged or foreign file: build again (below)
            log.warning("matcher index %s unreadable; rebuilding", path.name)
    matcher = build()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".index-", dir=cache_dir)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(matcher, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:  # a read-only home: answers still come, just not faster later
        log.info("matcher index not kept (%s)", exc)
    return matcher
