"""The operations the service records: each is a thin adapter over a capability's own
service function (classify, screen, determine, assess) that can run pinned to a recorded
rulebook and recorded list snapshots, which is what replay needs.

Adding one is one `Operation` subclass and one line in `OPERATIONS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chipcontrols.determination import determine
from chipcontrols.determination.company_letters import UserLetter
from chipcontrols.determination.parties import PartyChecker
from chipcontrols.errors import InputError
from chipcontrols.investment import assess
from chipcontrols.rulebook.rulebook import Rulebook
from chipcontrols.screening.service import ScreeningService, parse_parties


@dataclass
class Pins:
    """What an answer is computed under: a rulebook and (None: the active) snapshots."""

    rulebook: Rulebook
    snapshots: list[str] | None = None
    law_root: Path | None = None  # the archived law folder when replaying an older version


@dataclass
class Outcome:
    as_of: dt.date
    rulebook_version: str
    list_snapshots: list[str]
    result: dict[str, Any]
    summary: str


@dataclass
class Context:
    """What an operation may use: the screening service bound to the caller's session."""

    screening: ScreeningService
    save: bool = True  # False when replaying: nothing is written
    # The user's recorded is-informed letters (as they stood when a replayed record was made).
    letters: Sequence[UserLetter] = ()


def _mapping(payload: Any, key: str) -> dict[str, Any]:
    if not isinstance(payload, Mapping):
        raise InputError(f"the body is an object with {key!r}", loc="body")
    value = payload.get(key)
    if not isinstance(value, Mapping):
        raise InputError(f"{key!r} is required and must be an object", loc=f"body.{key}")
    return dict(value)


def _plain(obj: Any) -> dict[str, Any]:
    if isinstance(obj, Mapping):
        return dict(obj)
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict):
        out = to_dict()
        if isinstance(out, Mapping):
            return dict(out)
    raise TypeError(f"cannot turn {type(obj).__name__} into a record")


class _PinnedScreening(ScreeningService):
    """The screening service with what an answer is computed under: the snapshots a record
    names as its default set (None: the active ones), its rulebook (whose ownership rules
    apply) and the base service's matcher version."""

    def __init__(self, base: ScreeningService, pinned: list[str] | None, rulebook: Rulebook):
        super().__init__(
            store=base.store,
            repo=base._repo,  # as set (a store opened on first use stays unopened)
            home=base.home,
            algorithm=base.algorithm,
            rulebook=rulebook,
        )
        self._pinned = pinned

    def snapshots(self, refs: list[str] | None = None) -> list[Any]:
        if refs or self._pinned is None:
            return super().snapshots(refs)
        return [self.store.load(ref) for ref in self._pinned]


def _pinned(screening: ScreeningService, pins: Pins) -> ScreeningService:
    return _PinnedScreening(screening, pins.snapshots, pins.rulebook)


def _snapshot_ids(result: Mapping[str, Any]) -> list[str]:
    out = []
    for snap in result.get("list_snapshots") or []:
        if isinstance(snap, Mapping) and "id" in snap:
            out.append(str(snap["id"]))
        elif isinstance(snap, str):
            out.append(snap)
    return out


class Operation:
    kind = ""  # record kind
    action = ""  # audit action
    title = ""

    def available(self) -> bool:
        return True

    def validate(self, payload: Any) -> dict[str, Any]:
        raise NotImplementedError

    def run(self, ctx: Context, payload: dict[str, Any], as_of: dt.date, pins: Pins) -> Outcome:
        raise NotImplementedError

    def volatile(self, path: tuple[str, ...]) -> bool:
        """Parts of a result that legitimately change after the answer (not compared)."""
        return False


class Classification(Operation):
    kind, action, title = "classification", "classify", "Classification"

    def validate(self, payload: Any) -> dict[str, Any]:
        return {"item": _mapping(payload, "item")}

    def run(self, ctx: Context, payload: dict[str, Any], as_of: dt.date, pins: Pins) -> Outcome:
        from chipcontrols.classification import classify

        result = classify(payload["item"], as_of, rulebook=pins.rulebook).to_dict()
        met = [
            f"{e['jurisdiction']} {e['entry']}" for e in result["entries"] if e["status"] == "met"
        ]
        und = [e["entry"] for e in result["entries"] if e["status"] == "undetermined"]
        name = result["item"].get("name") or result["item"].get("product") or result["item"]["kind"]
        summary = f"{name}: " + (f"meets {', '.join(met)}" if met else "meets no entry")
        if und:
            summary += f"; undetermined {', '.join(und)}"
        return Outcome(as_of, result["rulebook_version"], [], result, summary)


class Screening(Operation):
    kind, action, title = "screening", "screen", "Screening"

    def validate(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, Mapping) or not isinstance(payload.get("parties"), list):
            raise InputError(
                "'parties' is required: a list of {name, country?}", loc="body.parties"
            )
        parse_parties(payload["parties"], loc="body.parties")  # checks every field
        return {"parties": list(payload["parties"])}

    def run(self, ctx: Context, payload: dict[str, Any], as_of: dt.date, pins: Pins) -> Outcome:
        parties = parse_parties(payload["parties"], loc="body.parties")
        result = _pinned(ctx.screening, pins).screen(
            parties, as_of=as_of, snapshots=pins.snapshots, save=ctx.save
        )
        matched = [r["query"] for r in result["results"] if r["match"]]
        summary = f"{len(parties)} part{'y' if len(parties) == 1 else 'ies'} screened; " + (
            f"matching hits for {', '.join(matched)}" if matched else "no matching hit"
        )
        return Outcome(as_of, pins.rulebook.version, _snapshot_ids(result), result, summary)


class Determination(Operation):
    kind, action, title = "determination", "determine", "Determination"

    def validate(self, payload: Any) -> dict[str, Any]:
        return {"transaction": _mapping(payload, "transaction")}

    def run(self, ctx: Context, payload: dict[str, Any], as_of: dt.date, pins: Pins) -> Outcome:
        # The parties' screening hits, kept with the record: the review queue reads them.
        # Screened first: the determination's Entity List step then reads the matchers'
        # answers to the same queries instead of matching the names again.
        service = _pinned(ctx.screening, pins)
        screening = _screen_parties(ctx, payload["transaction"], as_of, pins, service)
        record = determine(
            payload["transaction"],
            as_of,
            rulebook=pins.rulebook,
            parties=PartyChecker(service),
            letters=ctx.letters,
        )
        result = _plain(record)
        result["screening"] = screening
        verdicts = result.get("verdicts") or []
        summary = "; ".join(
            f"{v.get('jurisdiction')}: {v.get('verdict')}"
            for v in verdicts
            if isinstance(v, Mapping)
        )
        return Outcome(
            as_of,
            str(result.get("rulebook_version") or pins.rulebook.version),
            _snapshot_ids(result),
            result,
            summary or "no verdict",
        )

    def volatile(self, path: tuple[str, ...]) -> bool:
        return path[-1:] in (("computed_at",), ("created_at",))


class Assessment(Operation):
    kind, action, title = "assessment", "assess", "Investment assessment"

    def validate(self, payload: Any) -> dict[str, Any]:
        return {"deal": _mapping(payload, "deal")}

    def run(self, ctx: Context, payload: dict[str, Any], as_of: dt.date, pins: Pins) -> Outcome:
        if pins.law_root is not None:  # a replay under archived law
            answer = assess(
                payload["deal"],
                as_of,
                rulebook_version=pins.rulebook.version,
                rulebook=pins.rulebook,
            )
        else:
            answer = assess(payload["deal"], as_of)
        result = _plain(answer)
        verdicts = result.get("verdicts") or []
        summary = "; ".join(
            f"{v.get('regime')}: {v.get('verdict')}" for v in verdicts if isinstance(v, Mapping)
        )
        return Outcome(
            as_of,
            str(result.get("rulebook_version") or pins.rulebook.version),
            _snapshot_ids(result),
            result,
            summary or "no verdict",
        )


OPERATIONS: dict[str, Operation] = {
    op.kind: op for op in (Classification(), Screening(), Determination(), Assessment())
}
BY_ACTION: dict[str, Operation] = {op.action: op for op in OPERATIONS.values()}


def available_operations() -> list[str]:
    return [kind for kind, op in OPERATIONS.items() if op.available()]


class TransactionCheck(Operation):
    """Without the determination module: every item classified, every party screened, and
    the facts still missing named as questions. The determination supersedes it."""

    kind, action, title = "check", "check", "Transaction check"

    def validate(self, payload: Any) -> dict[str, Any]:
        txn = _mapping(payload, "transaction")
        items = txn.get("items")
        if not isinstance(items, list) or not items:
            raise InputError("a transaction lists at least one item", loc="body.transaction.items")
        for i, line in enumerate(items):
            if not isinstance(line, Mapping) or not isinstance(line.get("item"), Mapping):
                raise InputError(
                    "each line is {item: {...}, made_in?}", loc=f"body.transaction.items[{i}]"
                )
        parties = txn.get("parties") or []
        if not isinstance(parties, list):
            raise InputError("parties is a list", loc="body.transaction.parties")
        if parties:
            parse_parties(_party_docs(parties), loc="body.transaction.parties")
        return {"transaction": txn}

    def run(self, ctx: Context, payload: dict[str, Any], as_of: dt.date, pins: Pins) -> Outcome:
        from chipcontrols.classification import classify

        txn = payload["transaction"]
        items = [
            classify(line["item"], as_of, rulebook=pins.rulebook).to_dict() for line in txn["items"]
        ]
        screening = _screen_parties(ctx, txn, as_of, pins)
        questions = missing_questions(pins.rulebook, items)
        result: dict[str, Any] = {
            "as_of": as_of.isoformat(),
            "rulebook_version": pins.rulebook.version,
            "list_snapshots": screening["list_snapshots"] if screening else [],
            "transaction": txn,
            "items": items,
            "screening": screening,
            "questions": questions,
        }
        met = sorted(
            {
                f"{e['jurisdiction']} {e['entry']}"
                for c in items
                for e in c["entries"]
                if e["status"] == "met"
            }
        )
        hits = [r["query"] for r in (screening or {}).get("results", []) if r["match"]]
        parts = [f"meets {', '.join(met)}" if met else "meets no control entry"]
        parts.append(f"listed-party hits for {', '.join(hits)}" if hits else "no listed-party hit")
        if questions:
            parts.append(f"{len(questions)} fact(s) missing")
        return Outcome(
            as_of, pins.rulebook.version, _snapshot_ids(result), result, "; ".join(parts)
        )


_SCREENED_FIELDS = ("name", "country", "address", "id", "role", "owners", "headquarters")


def _party_docs(parties: list[Any]) -> list[Any]:
    """Transaction parties as screening parties (fields the screening takes)."""
    out = []
    for p in parties:
        if isinstance(p, Mapping):
            out.append(
                {k: v for k, v in p.items() if k in _SCREENED_FIELDS and v not in (None, "")}
            )
        else:
            out.append(p)
    return out


def _screen_parties(
    ctx: Context,
    txn: Mapping[str, Any],
    as_of: dt.date,
    pins: Pins,
    screening: ScreeningService | None = None,
) -> dict[str, Any] | None:
    """The transaction's parties screened by `screening` (default: the context's, pinned)."""
    raw = txn.get("parties") or []
    parties = _party_docs(raw) if isinstance(raw, list) else []
    if not parties:
        return None
    return (screening or _pinned(ctx.screening, pins)).screen(
        parse_parties(parties, loc="transaction.parties"),
        as_of=as_of,
        snapshots=pins.snapshots,
        save=ctx.save,
    )


def missing_questions(
    rulebook: Rulebook, classifications: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One question per fact whose absence leaves an entry undetermined."""
    from chipcontrols.model.metrics import FRAME_DERIVATIONS

    questions: dict[tuple[int, str], dict[str, Any]] = {}
    for index, result in enumerate(classifications):
        given = result["item"].get("parameters", {})
        for entry in result["entries"]:
            if entry["status"] != "undetermined":
                continue
            for name in entry.get("missing", []):
                asks = [name]
                param = rulebook.parameters.get(name)
                if param is not None and param.derived and name != "tpp":
                    asks = [
                        p for p in FRAME_DERIVATIONS.get(name, ((name,), None))[0] if p not in given
                    ]
                for ask in asks:
                    p = rulebook.parameters.get(ask)
                    q = questions.setdefault(
                        (index, ask),
                        {
                            "id": f"items[{index}].item.{ask}",
                            "field": f"items[{index}].item.{ask}",
                            "answerable": True,
                            "item": index,
                            "param": ask,
                            "type": p.type if p else "string",
                            "unit": p.unit if p else None,
                            "values": list(p.values) if p and p.values else None,
                            "text": " ".join((p.description if p else ask).split()),
                            "defined_in": p.defined_in if p else None,
                            "decides": [],
                        },
                    )
                    if entry["entry"] not in q["decides"]:
                        q["decides"].append(entry["entry"])
    return list(questions.values())


_TOP_FIELDS = {"export_from": "country", "destination": "country", "end_uses": "set"}


def record_questions(rulebook: Rulebook, record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The questions a record asks, each with what a form needs to ask it (type, unit,
    allowed values) and whether an answer can be filled into the transaction."""
    result = record.get("result") or {}
    if record.get("kind") == "check":
        return list(result.get("questions") or [])
    out: dict[str, dict[str, Any]] = {}
    for verdict in result.get("verdicts") or []:
        for q in verdict.get("questions") or [] if isinstance(verdict, Mapping) else []:
            if not isinstance(q, Mapping) or str(q.get("id")) in out:
                continue
            field = str(q.get("field") or "")
            name = field.rsplit(".", 1)[-1]
            param = rulebook.parameters.get(name) if ".item." in field else None
            kind = (
                param.type
                if param
                else _TOP_FIELDS.get(field, "country" if name == "made_in" else "string")
            )
            answerable = (
                field.startswith("items[]")
                and (param is not None or name in ("made_in", "us_content_pct"))
            ) or field in _TOP_FIELDS
            out[str(q.get("id"))] = {
                **q,
                "param": name or q.get("id"),
                "type": "number" if name == "us_content_pct" else kind,
                "unit": param.unit if param else None,
                "values": list(param.values) if param and param.values else None,
                "answerable": bool(answerable),
                "jurisdiction": verdict.get("jurisdiction"),
            }
    return list(out.values())


OPERATIONS["check"] = TransactionCheck()
BY_ACTION["check"] = OPERATIONS["check"]
