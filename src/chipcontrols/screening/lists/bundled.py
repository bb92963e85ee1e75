"""Rebuild the bundled Entity List snapshot from its YAML source: `python -m` this module."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from chipcontrols.screening.lists.entity_list import read_entity_list
from chipcontrols.screening.lists.snapshots import BUNDLED_FILE, Snapshot, build_snapshot

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "lists"
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


def build() -> Snapshot:
    result = read_entity_list(DATA_DIR / SOURCE_FILE)
    return build_snapshot(result.entries, dataset=result.dataset, as_of=AS_OF, source=PROVENANCE)


def main() -> None:
    snap = build()
    (DATA_DIR / BUNDLED_FILE).write_text(
        json.dumps(snap.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"{snap.id}: {len(snap.entries)} entries -> {DATA_DIR / BUNDLED_FILE}")


if __name__ == "__main__":
    main()
