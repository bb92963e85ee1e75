"""Build the bundled list snapshots: `python -m chipcontrols.screening.lists.bundled [SOURCE_DIR]`.

Sources: the copies of official lists in `shared/data/lists/official/` (see its README) and
the hand-read chip rows of the Entity List (`entity_list_chip_2026-09-01.yaml`, with the
review policy and footnotes the full copy lacks). Output: one gzip-compressed snapshot per
dataset in `data/lists/`, and `bundled.json`, the manifest naming them and which are active
on a fresh install. A snapshot records its source (file, sha256, publication, url), its
as-of date and its completeness.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from chipcontrols.screening.lists.csl import read_csl_csv
from chipcontrols.screening.lists.entity_list import read_entity_list
from chipcontrols.screening.lists.fr_dates import fr_effective_dates
from chipcontrols.screening.lists.law import restricted_list, restricted_lists
from chipcontrols.screening.lists.official import (
    _listing,
    read_cn_countermeasures,
    read_dod_1260h,
    read_eu_833_annex_iv,
    read_meti_eul,
    read_parsed_json,
)
from chipcontrols.screening.lists.snapshots import (
    CHIP_FILE,
    MANIFEST,
    Snapshot,
    build_snapshot,
)
from chipcontrols.screening.model import ListEntry

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "lists"
DEFAULT_SOURCES = Path(__file__).resolve().parents[5] / "shared" / "data" / "lists" / "official"
# Each list's copies, with the publication each reproduces, are law data
# (law/screening/_lists.yaml); the hand-read chip rows are the Entity List's `chip_rows` copy.
_CHIP = next(c for c in restricted_list("bis_entity_list").copies if c.chip_rows)
SOURCE_FILE = _CHIP.file
AS_OF = _CHIP.as_of
PROVENANCE = {
    "file": SOURCE_FILE,
    "format": "bis_entity_list_rows",
    "publication": _CHIP.publication,
    "url": _CHIP.url,
    "completeness": _CHIP.completeness,
    "as_of_from": "publication",
}
# Lists of the CSL copy that are bundled from newer copies of their own (left out of it).
CSL_NEWER_ELSEWHERE = frozenset({"EL", "DPL", "MEU", "CMIC"})

# dataset -> what the snapshot says of itself (publication, url, completeness, notes)
SPECS: dict[str, dict[str, Any]] = {
    dataset: {
        "file": c.file,
        "as_of": c.as_of.isoformat(),
        "active": c.active,
        "publication": c.publication,
        "url": c.url,
        "completeness": c.completeness,
    }
    for dataset, rl in restricted_lists().items()
    for c in rl.copies
    if not c.chip_rows
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def effective_dates() -> dict[str, dt.date]:
    """{Federal Register citation: effective date} (law/screening/_fr_effective_dates.yaml)."""
    return dict(fr_effective_dates())


def build_chip() -> Snapshot:
    """The chip-relevant rows read by hand from the eCFR text (the first bundled set)."""
    result = read_entity_list(DATA_DIR / SOURCE_FILE)
    return build_snapshot(result.entries, dataset=result.dataset, as_of=AS_OF, source=PROVENANCE)


# kept for callers of the first version
build = build_chip


def _with_dates(entry: ListEntry, eff: dict[str, dt.date]) -> ListEntry:
    listed, amended = _listing(entry.citations, None, eff)
    return replace(entry, listed_on=listed, amended_on=amended)


def _entity_list(path: Path, eff: dict[str, dt.date]) -> list[ListEntry]:
    full = read_parsed_json(path, eff).entries
    chip = {e.id: _with_dates(e, eff) for e in read_entity_list(DATA_DIR / SOURCE_FILE).entries}
    out: list[ListEntry] = []
    for e in full:
        c = chip.pop(e.id, None)
        if c is not None:
            aliases = tuple(dict.fromkeys((*e.aliases, *c.aliases)))
            cites = tuple(dict.fromkeys((*e.citations, *c.citations)))
            cites = tuple(sorted(cites, key=lambda x: (x.date or dt.date.min, x.cite)))
            listed, amended = _listing(cites, None, eff)
            e = replace(
                e,
                citations=cites,
                listed_on=listed,
                amended_on=amended,
                aliases=tuple(a for a in aliases if a != e.name),
                licence_requirement=c.licence_requirement or e.licence_requirement,
                licence_review_policy=c.licence_review_policy,
                footnotes=c.footnotes,
                extra=tuple(sorted({**dict(e.extra), **dict(c.extra)}.items())),
            )
        out.append(e)
    for c in chip.values():  # names printed inside another entry, and rows not in the copy
        if dict(c.extra).get("name_verified") == "false":
            continue  # a placeholder name; the full copy has the row under its real name
        out.append(c)
    return out


def _read_csl_cut(path: Path) -> list[ListEntry]:
    """The CSL copy without its last, cut-off record (the copy ends inside a quoted cell)."""
    import tempfile

    lines = path.read_text("utf-8-sig").splitlines(keepends=True)
    while lines and lines[-1].count('"') % 2:
        lines.pop()
    with tempfile.TemporaryDirectory() as tmp:
        cut = Path(tmp) / path.name
        cut.write_text("".join(lines), "utf-8")
        return read_csl_csv(cut).entries


def build_all(sources: Path = DEFAULT_SOURCES) -> list[tuple[Snapshot, bool]]:
    eff = effective_dates()
    out: list[tuple[Snapshot, bool]] = []
    for dataset, spec in SPECS.items():
        path = sources / spec["file"]
        if dataset == "bis_entity_list":
            entries = _entity_list(path, eff)
        elif spec["file"].endswith(".json"):
            entries = read_parsed_json(path, eff).entries
        elif dataset == "csl":
            entries = [e for e in _read_csl_cut(path) if e.list not in CSL_NEWER_ELSEWHERE]
        else:
            reader = {
                "dod_1260h": read_dod_1260h,
                "eu_833_annex_iv": read_eu_833_annex_iv,
                "jp_meti_eul": read_meti_eul,
                "cn_countermeasures": read_cn_countermeasures,
            }[dataset]
            entries = reader(path).entries
        source = {
            "file": spec["file"],
            "sha256": _sha256(path),
            "publication": spec["publication"],
            "url": spec["url"],
            "completeness": spec["completeness"],
            "as_of_from": "the copy's date (shared/data/lists/official/README.md)",
            "bundled_from": "shared/data/lists/official/" + spec["file"],
        }
        snap = build_snapshot(
            entries, dataset=dataset, as_of=dt.date.fromisoformat(spec["as_of"]), source=source
        )
        out.append((snap, bool(spec["active"])))
    return out


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    sources = Path(args[0]) if args else DEFAULT_SOURCES
    chip = build_chip()
    (DATA_DIR / CHIP_FILE).write_text(
        json.dumps(chip.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    manifest: list[dict[str, Any]] = []
    for snap, active in build_all(sources):
        name = f"{snap.dataset}_{snap.as_of.isoformat()}.json.gz"
        blob = json.dumps(snap.to_json(), ensure_ascii=False, separators=(",", ":"))
        with gzip.GzipFile(DATA_DIR / name, "wb", mtime=0) as fh:
            fh.write(blob.encode("utf-8"))
        manifest.append(
            {
                "file": name,
                "dataset": snap.dataset,
                "id": snap.id,
                "active": active,
                "entries": len(snap.entries),
            }
        )
        print(f"{snap.id}: {snap.dataset} {len(snap.entries)} entries -> {name}")
    manifest.append(
        {
            "file": CHIP_FILE,
            "dataset": chip.dataset,
            "id": chip.id,
            "active": False,
            "entries": len(chip.entries),
            "note": "the first bundled set (chip rows), kept so that "
            "records naming it can be replayed",
        }
    )
    (DATA_DIR / MANIFEST).write_text(
        json.dumps({"snapshots": manifest}, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )


if __name__ == "__main__":
    main()
