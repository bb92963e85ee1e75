"""Downloads of official list files: retries, conditional requests, checksums, no partial file.

A download goes to a temporary file beside its target and is renamed into place only when
it is complete: the body has as many bytes as the server announced (Content-Length), its
SHA-256 is computed, and it matches the published checksum where the source names one.
A 304 Not Modified answer (to If-None-Match / If-Modified-Since built from the last good
download) leaves the file as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from chipcontrols import __version__
from chipcontrols.errors import ChipControlsError

USER_AGENT = f"chipcontrols/{__version__} (list updates)"
RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024


class FetchError(ChipControlsError):
    """A download failed (after its retries) or is incomplete or damaged."""

    code = "fetch"
    exit_code = 4


@dataclass(frozen=True)
class Validators:
    """What the last good download of a URL said about itself."""

    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v}

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> Validators:
        raw = raw or {}
        return cls(raw.get("etag"), raw.get("last_modified"), raw.get("sha256"))


@dataclass
class Download:
    url: str
    status: int  # 200, or 304 when not modified
    path: Path | None = None
    sha256: str | None = None
    size: int = 0
    validators: Validators = field(default_factory=Validators)
    attempts: int = 1

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class Fetcher:
    """An httpx client with retries (exponential back-off) for list downloads."""

    client: httpx.Client | None = None
    attempts: int = 3
    backoff: float = 1.0  # seconds before the 2nd attempt; doubled each time
    timeout: float = 120.0
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._own = self.client is None
        if self.client is None:
            self.client = httpx.Client(
                timeout=self.timeout,
                follow_redirects=True,
                headers={"User-Agent": USER_AGENT},
            )

    def close(self) -> None:
        if self._own and self.client is not None:
            self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ requests

    def text(self, url: str) -> str:
        """A small text document (e.g. a published checksum), with retries."""
        last: str = ""
        for attempt in range(1, self.attempts + 1):
            try:
                assert self.client is not None
                resp = self.client.get(url)
                if resp.status_code in RETRY_STATUS:
                    last = f"HTTP {resp.status_code}"
                elif resp.status_code >= 400:
                    raise FetchError(f"HTTP {resp.status_code}", loc=url)
                else:
                    return resp.text
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            if attempt < self.attempts:
                self.sleep(self.backoff * 2 ** (attempt - 1))
        raise FetchError(f"failed after {self.attempts} attempts ({last})", loc=url)

    def download(
        self,
        url: str,
        target: Path,
        *,
        previous: Validators | None = None,
        expected_sha256: str | None = None,
    ) -> Download:
        """GET url into target (atomically). A 304 leaves target untouched."""
        headers = previous.headers() if previous else {}
        last = ""
        for attempt in range(1, self.attempts + 1):
            try:
                result = self._once(url, target, headers, expected_sha256)
                result.attempts = attempt
                return result
            except _Retry as exc:
                last = str(exc)
            except httpx.HTTPError as exc:  # connection reset, timeout, short body, ...
                last = f"{type(exc).__name__}: {exc}"
            if attempt < self.attempts:
                self.sleep(self.backoff * 2 ** (attempt - 1))
        raise FetchError(f"download failed after {self.attempts} attempts ({last})", loc=url)

    def _once(
        self, url: str, target: Path, headers: dict[str, str], expected: str | None
    ) -> Download:
        assert self.client is not None
        with self.client.stream("GET", url, headers=headers) as resp:
            if resp.status_code == 304:
                return Download(url, 304)
            if resp.status_code in RETRY_STATUS:
                raise _Retry(f"HTTP {resp.status_code}")
            if resp.status_code != 200:
                raise FetchError(f"HTTP {resp.status_code}; not retried", loc=url)
            announced = resp.headers.get("Content-Length")
            encoded = resp.headers.get("Content-Encoding", "identity").lower()
            digest = hashlib.sha256()
            size = 0
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    for chunk in resp.iter_raw() if encoded == "identity" else resp.iter_bytes():
                        size += len(chunk)
                        if size > MAX_DOWNLOAD_BYTES:
                            raise FetchError(f"larger than {MAX_DOWNLOAD_BYTES >> 20} MiB", loc=url)
                        digest.update(chunk)
                        fh.write(chunk)
                    fh.flush()
                    os.fsync(fh.fileno())
                if encoded == "identity" and announced is not None and int(announced) != size:
                    raise _Retry(f"incomplete body: {size} of {announced} bytes")
                sha = digest.hexdigest()
                if expected and sha.lower() != expected.strip().lower():
                    raise FetchError(
                        f"checksum mismatch: got sha256 {sha}, the source publishes {expected}",
                        loc=url,
                    )
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
            return Download(
                url,
                200,
                target,
                sha,
                size,
                Validators(resp.headers.get("ETag"), resp.headers.get("Last-Modified"), sha),
            )


class _Retry(Exception):
    """A failure worth another attempt."""
