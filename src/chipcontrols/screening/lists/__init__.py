"""List readers: one function per published format, and format detection."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from chipcontrols.errors import DataError, InputError
from chipcontrols.screening.lists.common import ReadResult
from chipcontrols.screening.lists.csl import read_csl_csv, read_csl_json
from chipcontrols.screening.lists.dpl import read_dpl
from chipcontrols.screening.lists.entity_list import read_entity_list
from chipcontrols.screening.lists.ftm import read_ftm
from chipcontrols.screening.lists.ofac import read_sdn
from chipcontrols.screening.lists.official import (
    read_cn_countermeasures,
    read_dod_1260h,
    read_eu_833_annex_iv,
    read_meti_eul,
    read_parsed_json,
)

READERS: dict[str, Callable[[Path], ReadResult]] = {
    "csl_csv": read_csl_csv,
    "csl_json": read_csl_json,
    "ofac_sdn": read_sdn,
    "bis_dpl": read_dpl,
    "ftm": read_ftm,
    "entity_list": read_entity_list,
    "parsed_json": read_parsed_json,
    "dod_1260h": read_dod_1260h,
    "eu_833_annex": read_eu_833_annex_iv,
    "meti_eul": read_meti_eul,
    "cn_countermeasures": read_cn_countermeasures,
}


def detect_format(path: Path) -> str:
    """Name the reader for a file from its name and first bytes."""
    if not path.is_file():
        raise InputError("file not found; check the path", loc=str(path))
    with path.open("rb") as fh:
        head = fh.read(8192).decode("utf-8-sig", errors="replace").lstrip()
    first = head.split("\n", 1)[0]
    low = first.lower()
    name = path.name.lower()
    if name in ("sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"):
        return "ofac_sdn"
    if low.startswith(("source,", "_id,", '"_id",', '"source",')) and "name" in low:
        return "csl_csv"
    if '"name"\t"street_address"' in low or low.startswith("name\tstreet_address"):
        return "bis_dpl"
    if low.startswith("name,clean name,alias"):
        return "dod_1260h"
    if low.startswith("celex,recordid,programkey,annex"):
        return "eu_833_annex"
    if low.startswith("source_row,country,name,name_native_script"):
        return "meti_eul"
    if low.startswith("type,qid,name,alias,chinese name"):
        return "cn_countermeasures"
    if head.startswith("{") and '"list_id"' in head[:300] and '"entities"' in head:
        return "parsed_json"
    # A JSON file is never an Entity List table, though a one-line CSL export names the
    # Entity List and its licence requirements in its first line.
    if (
        not head.startswith(("{", "["))
        and "entity" in low
        and "licen" in low
        and ("," in first or "\t" in first)
    ):
        return "entity_list"
    if head.startswith("{"):
        try:
            obj = json.loads(first)
        except json.JSONDecodeError:
            obj = None
        if isinstance(obj, dict) and "schema" in obj and "id" in obj:
            return "ftm"
        return "csl_json"
    if head.startswith("["):
        return "csl_json"
    if name.endswith((".yaml", ".yml")) and "license_requirement" in head:
        return "entity_list"
    if first[:1].isdigit() and first.count(",") >= 11:
        return "ofac_sdn"
    raise DataError(
        f"unknown list format; name it with --format ({', '.join(sorted(READERS))})",
        loc=str(path),
    )


def read_list(path: Path, fmt: str = "auto") -> ReadResult:
    """Read a list file with the named reader, or the detected one for 'auto'."""
    if fmt == "auto":
        fmt = detect_format(path)
    reader = READERS.get(fmt)
    if reader is None:
        raise InputError(
            f"unknown format {fmt!r}; use auto or one of {', '.join(sorted(READERS))}",
            loc="--format",
        )
    try:
        return reader(path)
    except DataError:
        raise
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise DataError(f"cannot read as {fmt}: {exc}", loc=str(path)) from None


__all__ = ["READERS", "ReadResult", "detect_format", "read_list"]
