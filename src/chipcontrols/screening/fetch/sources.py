"""The official list sources (data/sources/official_lists.yaml) and their URL overrides."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from chipcontrols.errors import DataError, InputError
from chipcontrols.rulebook.yamlio import load_yaml_text

SOURCES_FILE = "official_lists.yaml"


@dataclass(frozen=True)
class SourceFile:
    name: str
    url: str | None
    sha256_url: str | None = None  # a published checksum of the file, where there is one


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    dataset: str
    format: str
    files: tuple[SourceFile, ...]
    convert: str | None = None

    def urls(self, day: dt.date) -> list[tuple[SourceFile, str]]:
        out = []
        for f in self.files:
            if not f.url:
                raise InputError(
                    f"source {self.name!r} has no URL for {f.name}; set it with "
                    "CHIPCONTROLS_WATCH_URLS='{\"" + self.name + '": "https://..."}\'',
                    loc="CHIPCONTROLS_WATCH_URLS",
                )
            out.append((f, f.url.replace("{date}", day.isoformat())))
        return out


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    ref = resources.files("chipcontrols").joinpath("data", "sources", SOURCES_FILE)
    doc = load_yaml_text(ref.read_text("utf-8"), loc=SOURCES_FILE, error=DataError)
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), dict):
        raise DataError("the list-source file has no 'sources' mapping", loc=SOURCES_FILE)
    return doc


def max_drop() -> float:
    return float(_document().get("max_drop", 0.5))


def load_sources(overrides: str | dict[str, Any] | None = None) -> dict[str, Source]:
    """Every known source, with URLs replaced as `overrides` (JSON text or a mapping) says."""
    extra = _parse_overrides(overrides)
    out: dict[str, Source] = {}
    for name, raw in _document()["sources"].items():
        files = []
        for f in raw.get("files") or []:
            url = f.get("url")
            over = extra.get(name)
            if isinstance(over, str) and len(raw["files"]) == 1:
                url = over
            elif isinstance(over, dict) and f["name"] in over:
                url = over[f["name"]]
            sha_url = f.get("sha256_url")
            if isinstance(over, dict) and f"{f['name']}.sha256" in over:
                sha_url = over[f"{f['name']}.sha256"]
            files.append(SourceFile(str(f["name"]), url, sha_url))
        out[name] = Source(
            name=name,
            title=str(raw.get("title", name)),
            dataset=str(raw["dataset"]),
            format=str(raw["format"]),
            files=tuple(files),
            convert=raw.get("convert"),
        )
    unknown = set(extra) - set(out)
    if unknown:
        raise InputError(
            f"CHIPCONTROLS_WATCH_URLS names unknown source {sorted(unknown)[0]!r}",
            loc="CHIPCONTROLS_WATCH_URLS",
        )
    return out


def select(names: str | list[str], overrides: str | dict[str, Any] | None = None) -> list[Source]:
    """The named sources (comma-separated text or a list), in the order given."""
    wanted = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
    wanted = [n for n in wanted if n]
    known = load_sources(overrides)
    missing = [n for n in wanted if n not in known]
    if missing:
        raise InputError(
            f"unknown list source {missing[0]!r}; known: {', '.join(sorted(known))}",
            loc="--source",
        )
    return [known[n] for n in wanted]


def _parse_overrides(raw: str | dict[str, Any] | None) -> dict[str, Any]:
    if not raw:
        return {}
    if isinstance(raw, dict):
        return raw
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg}", loc="CHIPCONTROLS_WATCH_URLS") from None
    if not isinstance(doc, dict):
        raise InputError("a JSON object {source: url}", loc="CHIPCONTROLS_WATCH_URLS")
    return doc
