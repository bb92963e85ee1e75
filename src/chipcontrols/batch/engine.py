"""The computing half of a batch: order lines to outcomes, with no database.

What an answer depends on besides its input (the rulebook, the list snapshots, the analysts'
judgements and the company letters in force) is read once by the process that records the
answers and handed over as an `EngineSpec`, so the same function runs in that process or
on a Dask worker and gives the same outcome. The screening's writes (watched parties, seen
hits) are collected and returned with the outcome; the recording process applies them.

Lines that describe the same transaction (the same values in every column the transaction
is built from) are computed once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chipcontrols.app_services.inputs import check_document
from chipcontrols.app_services.operations import OPERATIONS, Context, Outcome, Pins
from chipcontrols.app_services.service import parse_as_of
from chipcontrols.determination.company_letters import UserLetter
from chipcontrols.errors import ChipControlsError, InputError
from chipcontrols.process import settle_long_lived
from chipcontrols.rulebook.rulebook import Rulebook, load_rulebook
from chipcontrols.screening.judgements import Judgement, SeenHit, WatchedParty
from chipcontrols.screening.lists.snapshots import SnapshotStore
from chipcontrols.screening.matchers import DEFAULT as DEFAULT_MATCHER
from chipcontrols.screening.service import ScreeningService

log = logging.getLogger("chipcontrols.batch")

ITEM_COLUMNS = ("product", "kind")
LINE_COLUMNS = (
    "line_id",
    "product",
    "kind",
    "name",
    "export_from",
    "destination",
    "made_in",
    "us_content_pct",
    "end_user",
    "end_user_country",
    "end_use",
    "as_of",
)


def canonical(data: Any) -> str:
    """The service's canonical JSON (chipcontrols.storage.canonical), which records hash."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


# ---------------------------------------------------------------- order line -> transaction


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def _param_value(value: Any, kind: str) -> Any:
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        return text
    if kind == "set":
        return [p.strip() for p in str(value).split(";") if p.strip()]
    if kind == "number" and isinstance(value, str):
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            return value  # a quantity with its unit; the item parser checks it
    return value


def transaction_of(row: dict[str, Any], rulebook: Rulebook) -> dict[str, Any]:
    """The transaction an order line describes."""
    product = _text(row.get("product"))
    if product:
        item: dict[str, Any] = {"product": product}
    elif _text(row.get("kind")):
        item = {"kind": _text(row.get("kind"))}
        if _text(row.get("name")):
            item["name"] = _text(row.get("name"))
        for column, value in row.items():
            if column in LINE_COLUMNS:  # the line's own columns, not the item's parameters
                continue
            param = rulebook.parameters.get(column)
            if param is None or value is None or (param.derived and column != "tpp"):
                continue
            item[column] = _param_value(value, param.type)
    else:
        raise InputError("the line names no product and no kind", loc="product")
    line: dict[str, Any] = {"item": item}
    if _text(row.get("made_in")):
        line["made_in"] = _text(row.get("made_in"))
    if row.get("us_content_pct") is not None:
        line["us_content_pct"] = _param_value(row["us_content_pct"], "number")
    txn: dict[str, Any] = {
        "kind": "transaction",
        "export_from": _text(row.get("export_from")),
        "destination": _text(row.get("destination")),
        "items": [line],
        "parties": [],
        "end_uses": [u.strip() for u in (_text(row.get("end_use")) or "").split(";") if u.strip()],
    }
    for key in ("export_from", "destination"):
        if not txn[key]:
            raise InputError(f"{key} is empty", loc=key)
    if _text(row.get("end_user")):
        txn["parties"].append(
            {
                "role": "end_user",
                "name": _text(row.get("end_user")),
                "country": _text(row.get("end_user_country")) or txn["destination"],
            }
        )
    return txn


def key_columns(columns: Iterable[str], rulebook: Rulebook) -> list[str]:
    """The columns `transaction_of` reads: lines equal in these describe one transaction
    (a line id, a quantity or an order number does not change the answer)."""
    used = (set(LINE_COLUMNS) - {"line_id"}) | set(rulebook.parameters)
    return [c for c in columns if c in used]


# ---------------------------------------------------------------- what an answer rests on


@dataclass(frozen=True)
class EngineSpec:
    """Everything besides the line an answer depends on, fixed for a run (picklable)."""

    operation: str
    day: str  # the run's date; a line's own as_of takes precedence
    home: str  # CHIPCONTROLS_HOME: imported list snapshots are read from it
    snapshots: tuple[str, ...]  # the active list snapshots, in the service's order
    rulebook_version: str
    judgements: tuple[Judgement, ...] = ()
    letters: tuple[UserLetter, ...] = ()
    audit_seq: int = 0  # the audit log's head when the judgements and letters were read
    matcher: str = DEFAULT_MATCHER  # a run resumed by a newer installation screens afresh
    fingerprint: str = field(default="", compare=False)

    def with_fingerprint(self) -> EngineSpec:
        parts = dataclasses.replace(self, audit_seq=0, fingerprint="")
        digest = hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:16]
        return dataclasses.replace(self, fingerprint=digest)


class FrozenJudgements:
    """The judgement store as read at the start of the run; writes are collected."""

    def __init__(self, judgements: Iterable[Judgement]) -> None:
        self._all = list(judgements)
        self._latest: dict[tuple[str, str], Judgement] = {}
        for j in self._all:  # in the store's order: the last one stands
            self._latest[(j.party_key, j.entry_id)] = j
        self.watched_parties: list[WatchedParty] = []
        self.seen_hits: list[SeenHit] = []

    def add(self, judgement: Judgement) -> Judgement:
        raise InputError("a batch records no judgement", loc="batch")

    def history(self, party_key: str | None = None) -> list[Judgement]:
        return [j for j in self._all if party_key is None or j.party_key == party_key]

    def latest(self, party_key: str, entry_id: str) -> Judgement | None:
        return self._latest.get((party_key, entry_id))

    def watch(self, party: WatchedParty) -> None:
        self.watched_parties.append(party)

    def watched(self) -> list[WatchedParty]:
        return list(self.watched_parties)

    def seen(self, party_key: str) -> dict[str, SeenHit]:
        return {h.entry_id: h for h in self.seen_hits if h.party_key == party_key}

    def record_seen(self, hits: list[SeenHit]) -> None:
        self.seen_hits.extend(hits)

    def take_writes(self) -> dict[str, Any]:
        out = {
            "watch": [dataclasses.asdict(p) for p in self.watched_parties],
            "seen": [dataclasses.asdict(h) for h in self.seen_hits],
        }
        self.watched_parties, self.seen_hits = [], []
        return out


class Engine:
    """Computes outcomes under one spec (one per spec and process: the matchers, rulebook
    and snapshots it loads are reused by every line)."""

    def __init__(self, spec: EngineSpec) -> None:
        self.spec = spec
        self.rulebook = load_rulebook()
        if self.rulebook.version != spec.rulebook_version:
            raise InputError(
                f"this process has rulebook {self.rulebook.version}, the run "
                f"{spec.rulebook_version}: install the same chipcontrols version everywhere",
                loc="batch",
            )
        self.op = OPERATIONS[spec.operation]
        self.repo = FrozenJudgements(spec.judgements)
        self.screening = ScreeningService(
            store=SnapshotStore(Path(spec.home)),
            repo=self.repo,
            home=Path(spec.home),
            algorithm=spec.matcher,
        )
        self.pins = Pins(self.rulebook, snapshots=list(spec.snapshots))
        self.letters = list(spec.letters)

    def outcome(
        self,
        row: dict[str, Any],
        make_txn: Callable[[dict[str, Any], Rulebook], dict[str, Any]] = transaction_of,
    ) -> dict[str, Any]:
        """One line's outcome: {"status": "ok", "payload", "outcome", "writes"} or
        {"status": "error", "error_code", "error_message"}, all plain JSON values."""
        try:
            line_day = _text(row.get("as_of")) or self.spec.day
            payload = {"transaction": make_txn(row, self.rulebook)}
            # what Services._prepare checks before an answer
            check_document(payload, loc="body")
            payload = self.op.validate(payload)
            date = parse_as_of(line_day)
            self.rulebook.check_date(date)
            ctx = Context(self.screening, letters=self.letters)
            result = self.op.run(ctx, payload, date, self.pins)
        except ChipControlsError as exc:
            self.repo.take_writes()
            return {
                "status": "error",
                "error_code": exc.code,
                "error_message": (f"{exc.loc}: " if exc.loc else "") + exc.message[:2000],
            }
        except Exception as exc:  # a cell no check foresaw: this line fails, the rest go on
            log.exception("batch line failed")
            self.repo.take_writes()
            return {
                "status": "error",
                "error_code": "invalid_input",
                "error_message": f"this line could not be checked ({type(exc).__name__})",
            }
        settle_long_lived()  # the first line has loaded the law and the list indexes
        return {
            "status": "ok",
            "payload": payload,
            "outcome": {
                "as_of": result.as_of.isoformat(),
                "rulebook_version": result.rulebook_version,
                "list_snapshots": result.list_snapshots,
                "result": result.result,
                "summary": result.summary,
            },
            "writes": self.repo.take_writes(),
        }


_ENGINES: dict[str, Engine] = {}


def engine_for(spec: EngineSpec) -> Engine:
    key = spec.fingerprint or spec.with_fingerprint().fingerprint
    found = _ENGINES.get(key)
    if found is None:
        if len(_ENGINES) >= 4:
            _ENGINES.clear()
        found = _ENGINES[key] = Engine(spec)
    return found


def outcome_of(done: dict[str, Any]) -> Outcome:
    """The service's Outcome from a computed line's plain values."""
    o = done["outcome"]
    return Outcome(
        dt.date.fromisoformat(o["as_of"]),
        o["rulebook_version"],
        list(o["list_snapshots"]),
        o["result"],
        o["summary"],
    )


# ---------------------------------------------------------------- Parquet partitions


def run_partition(source: str, target: str, spec: EngineSpec) -> dict[str, Any]:
    """A Dask task: the transactions of one input partition computed and written to
    `target`, atomically (a temporary name, then a rename). Idempotent: when `target`
    exists (an earlier attempt finished it) nothing is computed again."""
    import polars as pl

    out = Path(target)
    if out.exists():
        return {"partition": out.name, "rows": pl.read_parquet(out, columns=["tx"]).height}
    frame = pl.read_parquet(source)
    engine = engine_for(spec)
    txs: list[int] = []
    texts: list[str] = []
    for tx, row in zip(frame["tx"].to_list(), frame["row"].to_list(), strict=True):
        txs.append(int(tx))
        texts.append(canonical(engine.outcome(json.loads(row))))
    result = pl.DataFrame({"tx": txs, "done": texts}, schema={"tx": pl.Int64, "done": pl.String})
    tmp = out.with_name(f".{out.name}.{_unique()}.tmp")
    try:
        result.write_parquet(tmp)
        tmp.replace(out)  # the same content whoever renames last
    finally:
        tmp.unlink(missing_ok=True)
    return {"partition": out.name, "rows": len(txs)}


def _unique() -> str:
    import os
    import uuid

    return f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
