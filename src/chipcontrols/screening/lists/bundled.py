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

import yaml

from chipcontrols.screening.lists.csl import read_csl_csv
from chipcontrols.screening.lists.entity_list import read_entity_list
from chipcontrols.screening.lists.official import (
    _listing,
    load_effective_dates,
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
SOURCE_FILE = "entity_list_chip_2026-09-01.yaml"
AS_OF = dt.date(2026, 9, 1)
PROVENANCE = {
    "file": SOURCE_FILE,
    "format": "bis_entity_list_rows",
    "publication": "15 CFR part 744, Supplement No. 4 (Entity List), eCFR content date 2026-09-01",
    "url": "https://www.ecfr.gov/api/versioner/v1/full/2026-09-01/title-15.xml?part=744",
    "completeness": "partial: 243 chip-relevant rows (China, Hong Kong; 2 Vietnam Huawei rows) "
    "and the 22 names (21 affiliates, one subordinate) printed in the Huawei entry; "
    "see the file header",
    "as_of_from": "publication",
}
# Lists of the CSL copy that are bundled from newer copies of their own (left out of it).
CSL_NEWER_ELSEWHERE = frozenset({"EL", "DPL", "MEU", "CMIC"})

# dataset -> what the snapshot says of itself (publication, url, completeness, notes)
SPECS: dict[str, dict[str, Any]] = {
    "bis_entity_list": {
        "file": "us_bis_entity_list_2026-07-09.json",
        "as_of": "2026-07-09",
        "active": True,
        "publication": "15 CFR part 744, Supplement No. 4 (Entity List), eCFR text of 2026-07-09",
        "url": "https://www.ecfr.gov/current/title-15/subtitle-B/chapter-VII/subchapter-C/"
        "part-744/appendix-Supplement%20No.%204%20to%20Part%20744",
        "completeness": "full: all 3,409 rows of the eCFR text of 2026-07-09. Licence review "
        "policy and footnotes of the 243 chip-relevant rows (and the names printed inside the "
        "Huawei entry) are taken from the hand-read eCFR text of 2026-09-01 "
        "(entity_list_chip_2026-09-01.yaml); the other rows give no review policy (the copy "
        "lacks that column) and their footnote is read from the digit after the licence "
        "requirement",
    },
    "bis_meu": {
        "file": "us_bis_meu_list_2026-07.json",
        "as_of": "2026-07-09",
        "active": True,
        "publication": "15 CFR part 744, Supplement No. 7 (Military End-User List)",
        "url": "https://www.ecfr.gov/current/title-15/subtitle-B/chapter-VII/subchapter-C/"
        "part-744/appendix-Supplement%20No.%207%20to%20Part%20744",
        "completeness": "full: 70 entries",
    },
    "bis_dpl": {
        "file": "us_bis_denied_persons_2026-04-14.json",
        "as_of": "2026-04-14",
        "active": True,
        "publication": "BIS Denied Persons List (dpl_04142026.csv)",
        "url": "https://www.bis.gov/dpl",
        "completeness": "full: 564 entries; a denial counts from its effective date through "
        "its expiration date where the copy gives one",
    },
    "ofac_ns_cmic": {
        "file": "us_ofac_ns_cmic_2026-07.json",
        "as_of": "2026-07-09",
        "active": True,
        "publication": "OFAC Non-SDN Chinese Military-Industrial Complex Companies List",
        "url": "https://ofac.treasury.gov/consolidated-sanctions-list/ns-cmic-list",
        "completeness": "full: 68 entries; dates are the prohibitions' effective dates",
    },
    "csl": {
        "file": "us_csl_partial_2023-11-30.csv",
        "as_of": "2023-11-30",
        "active": True,
        "publication": "trade.gov Consolidated Screening List (CSV, 29 columns)",
        "url": "https://www.trade.gov/consolidated-screening-list",
        "completeness": "PARTIAL copy of 2023-11-30 (4,227 of ~26,000 rows): SDN 1,738, SSI "
        "288, UVL 186, ISN 144, DTC 142, PLC 78, MBS 14 kept; its EL, DPL, MEU and CMIC rows "
        "are left out because newer full copies are bundled; the copy's last record is cut "
        "off and left out. Most SDN entries are missing: import the current CSL or SDN file",
    },
    "dod_1260h": {
        "file": "us_dod_1260h_2026-08-20.csv",
        "as_of": "2026-08-20",
        "active": True,
        "publication": "DoD list of Chinese military companies, NDAA FY2021 s. 1260H "
        "(10 U.S.C. 113 note); FR notice of June 10, 2026",
        "url": "https://www.federalregister.gov/documents/search?conditions%5Bterm%5D=1260H",
        "completeness": "full: 397 rows with start and end dates",
    },
    "eu_833_annex_iv": {
        "file": "eu_reg_833_2014_annexes_2026-08-14.csv",
        "as_of": "2026-08-14",
        "active": True,
        "publication": "Council Regulation (EU) No 833/2014, Annex IV (natural or legal "
        "persons, entities or bodies referred to in Art. 2(7), 2a(7) and 2b(1))",
        "url": "https://eur-lex.europa.eu/eli/reg/2014/833/oj",
        "completeness": "full Annex IV: 921 rows (the other annexes of the copy are item and "
        "sector lists, not read)",
    },
    "jp_meti_eul": {
        "file": "jp_meti_end_user_list_2026.csv",
        "as_of": "2026-01-01",
        "active": True,
        "publication": "METI End User List (Japan), 2026 edition",
        "url": "https://www.meti.go.jp/policy/anpo/law05.html",
        "completeness": "full: 835 rows; the copy gives no listing dates, so every entry "
        "counts on every date (as-of date: the edition year)",
    },
    "cn_countermeasures": {
        "file": "cn_countermeasures_unreliable_entities_2026-08-07.csv",
        "as_of": "2026-08-07",
        "active": True,
        "publication": "China: MOFCOM Unreliable Entity List, MOFCOM export-control control "
        "and watch lists, MFA and MOFCOM counter-measures, Taiwan Affairs Office lists",
        "url": "https://www.mofcom.gov.cn/",
        "completeness": "610 rows with Chinese names and dates; a Chinese list is a risk for a "
        "party in China (shown as such on each entry), not a US licence requirement",
    },
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def effective_dates() -> dict[str, dt.date]:
    raw = yaml.safe_load((DATA_DIR / "fr_effective_dates.yaml").read_text("utf-8"))
    return load_effective_dates(raw)


def build_chip() -> Snapshot:
    """The chip-relevant rows read from the eCFR text of 2026-09-01 (the first bundled set)."""
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
