"""Replay recomputes with the recorded law and lists, not today's."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from chipcontrols import __version__
from chipcontrols.app_services import Services
from chipcontrols.app_services.service import law_files
from chipcontrols.classification import classify
from chipcontrols.rulebook.rulebook import LAW_DIR, load_rulebook, load_rulebook_from
from chipcontrols.storage import archive, records
from tests.servicekit import H100

BORDERLINE = {**H100, "tpp": 4850, "die_area_mm2": 2000}  # 3A090.a by TPP >= 4800 alone


def _older_law(tmp_path: Path) -> Path:
    root = tmp_path / "law"
    shutil.copytree(LAW_DIR, root)
    rule = root / "us" / "ear" / "ccl" / "3a090.yaml"
    rule.write_text(rule.read_text("utf-8").replace("value: 4800", "value: 4900"), "utf-8")
    return root


def test_replay_uses_the_archived_law_of_the_record(svc: Services, tmp_path: Path) -> None:
    root = _older_law(tmp_path)
    older = load_rulebook_from(root)
    assert older.version != load_rulebook().version
    day = dt.date(2024, 1, 1)
    then = classify(BORDERLINE, day, rulebook=older)
    now = classify(BORDERLINE, day)
    assert then.status_of("us.ear.ccl.3a090.a") != now.status_of("us.ear.ccl.3a090.a")
    with svc.db.write() as session:
        archive.archive_rulebook(session, older.version, law_files(root))
        record = records.add_record(
            session,
            kind="classification",
            action="classify",
            actor="user:a",
            as_of=day,
            rulebook_version=older.version,
            list_snapshots=[],
            engine_version=__version__,
            input={"item": BORDERLINE},
            result=then.to_dict(),
            summary="made under the older law",
        )
        record_id = record.id
    report = svc.replay(record_id)
    assert report["matches"], report["differences"]
    assert report["rulebook_version"] == older.version
    assert (svc.settings.home / "law-archive" / older.version / ".complete").exists()
    assert svc.audit_verify()["ok"]


def test_replay_reads_a_snapshot_from_the_database_when_its_file_is_gone(
    svc: Services, tmp_path: Path
) -> None:
    source = tmp_path / "extra.jsonl"
    source.write_text(
        json.dumps(
            {
                "id": "t-1",
                "schema": "Company",
                "datasets": ["test_list"],
                "properties": {"name": ["Acme Quantum Lithography Ltd"], "country": ["cn"]},
            }
        )
        + "\n",
        "utf-8",
    )
    snap = svc.snapshots.import_file(source)
    record = svc.run(
        "screening",
        {"parties": [{"name": "Acme Quantum Lithography", "country": "CN"}]},
        as_of="2024-01-01",
        actor="user:a",
    )
    assert snap.id in record["list_snapshots"]
    assert record["result"]["results"][0]["match"]
    (svc.settings.home / "snapshots" / f"{snap.id}.json").unlink()
    (svc.settings.home / "active.json").unlink()
    report = svc.replay(record["id"])
    assert report["matches"], report["differences"]
    assert any(s["id"] == snap.id and s.get("stored_only") for s in svc.lists()["snapshots"])
