"""Turning form fields into the documents the services take, and answers into facts."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from chipcontrols.errors import InputError

COUNTRY = re.compile(r"^[A-Za-z]{2}$")
try:  # the determination module's vocabulary, when it is installed
    from chipcontrols.determination.transaction import END_USES as _KNOWN

    END_USES: tuple[str, ...] = tuple(_KNOWN)
except ImportError:
    END_USES = ("datacenter", "supercomputer", "advanced_node_ic_production", "military")
_PATH = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def country(value: str | None, *, loc: str, required: bool = False) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise InputError("give an ISO 3166 alpha-2 code, e.g. CN", loc=loc)
        return None
    from chipcontrols.web.wording import country_code  # a name ("Taiwan") or a code ("TW")

    return country_code(value, loc=loc)


def text(value: str | None, *, loc: str, limit: int = 500) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise InputError(f"at most {limit} characters", loc=loc)
    return value or None


def transaction_from_form(form: Mapping[str, Any], end_uses: list[str]) -> dict[str, Any]:
    """The first step of a check: what the officer knows at the start."""
    product = text(form.get("product"), loc="product", limit=200)
    kind = text(form.get("kind"), loc="kind", limit=60)
    name = text(form.get("item_name"), loc="item_name", limit=200)
    if product:
        item: dict[str, Any] = {"product": product}
    elif kind:
        item = {"kind": kind}
        if name:
            item["name"] = name
    else:
        raise InputError("choose a catalog product or an item kind", loc="product")
    line: dict[str, Any] = {"item": item}
    made_in = country(form.get("made_in"), loc="made_in")
    if made_in:
        line["made_in"] = made_in
    txn: dict[str, Any] = {
        "kind": "transaction",
        "export_from": country(form.get("export_from"), loc="export_from", required=True),
        "destination": country(form.get("destination"), loc="destination", required=True),
        "items": [line],
        "parties": [],
        "end_uses": [u for u in end_uses if u in END_USES],
    }
    party = text(form.get("end_user"), loc="end_user")
    if party:
        txn["parties"].append(
            {
                "role": "end_user",
                "name": party,
                "country": country(form.get("end_user_country"), loc="end_user_country")
                or txn["destination"],
            }
        )
    return txn


def _value(raw: str, kind: str, loc: str) -> Any:
    raw = raw.strip()
    if kind == "boolean":
        if raw.lower() in ("true", "yes"):
            return True
        if raw.lower() in ("false", "no"):
            return False
        raise InputError("answer yes or no", loc=loc)
    if kind == "number":
        try:
            return float(raw) if any(c in raw for c in ".eE") else int(raw)
        except ValueError:
            return raw  # a quantity with its unit ("4.8 TB/s"); the item parser checks it
    if kind == "set":
        return [part.strip() for part in raw.split(",") if part.strip()]
    if kind == "json":
        import json

        return json.loads(raw)
    if kind == "country":
        from chipcontrols.web.wording import country_code

        return country_code(raw, loc=loc)
    return raw


def throughput_answers(
    questions: list[dict[str, Any]], answers: dict[str, str]
) -> list[dict[str, Any]]:
    """A TPP question may be answered in the unit a datasheet gives: dense TOPS/TFLOPS at a
    bit length (`q:ID:tops`, `q:ID:bits`). That answer fills the item's `throughput` rows
    (the law's parameter from which TPP is derived); returns the extra questions to apply,
    and adds their answers to `answers`."""
    import json

    extra = []
    for q in questions:
        qid = str(q.get("id", ""))
        field = str(q.get("field") or "")
        tops = str(answers.get(f"q:{qid}:tops") or "").strip()
        if not tops or not field.endswith(".tpp"):
            continue
        bits_raw = str(answers.get(f"q:{qid}:bits") or "16").strip()
        try:
            row = {"bits": int(bits_raw), "tops": float(tops)}
        except ValueError:
            raise InputError("give the throughput and bit length as numbers", loc=qid) from None
        if row["bits"] <= 0 or row["tops"] < 0:
            raise InputError("give a positive bit length and throughput", loc=qid)
        extra_id = f"{qid}:throughput"
        extra.append(
            {
                "id": extra_id,
                "field": field[: -len(".tpp")] + ".throughput",
                "type": "json",
                "answerable": True,
            }
        )
        answers[f"q:{extra_id}"] = json.dumps([row])
    return extra


def set_path(doc: dict[str, Any], path: str, value: Any, *, loc: str) -> None:
    parts: list[str | int] = [name if name else int(index) for name, index in _PATH.findall(path)]
    if not parts:
        raise InputError("unknown question", loc=loc)
    here: Any = doc
    for part in parts[:-1]:
        try:
            here = here[part]
        except (KeyError, IndexError, TypeError):
            raise InputError("the question does not fit this transaction", loc=loc) from None
    if not isinstance(here, dict) or not isinstance(parts[-1], str):
        raise InputError("the question does not fit this transaction", loc=loc)
    here[parts[-1]] = value


def apply_answers(
    transaction: dict[str, Any],
    questions: list[dict[str, Any]],
    answers: Mapping[str, str],
    lookup: Any,
) -> tuple[dict[str, Any], int]:
    """The transaction with the answered questions filled in; (transaction, answered).

    A question's `field` is a path in the transaction; `items[]` stands for every line."""
    txn = copy.deepcopy(transaction)
    found = txn.get("items")
    lines: list[Any] = found if isinstance(found, list) else []
    answered = 0
    for q in questions:
        qid = str(q.get("id", ""))
        raw = answers.get(f"q:{qid}", "")
        if not isinstance(raw, str) or not raw.strip() or not q.get("answerable", True):
            continue
        if len(raw) > 500:
            raise InputError("at most 500 characters", loc=qid)
        field = str(q.get("field") or qid)
        paths = (
            [field.replace("items[]", f"items[{i}]", 1) for i in range(len(lines))]
            if field.startswith("items[]")
            else [field]
        )
        value = _value(raw, str(q.get("type", "string")), qid)
        for path in paths:
            match = re.match(r"items\[(\d+)\]\.item\.", path)
            if match and lookup is not None:
                index = int(match.group(1))
                item = lines[index].get("item", {}) if index < len(lines) else {}
                if isinstance(item, dict) and "product" in item:
                    lines[index]["item"] = dict(lookup(item["product"], qid))
            set_path(txn, path, value, loc=qid)
        answered += 1
    if not answered:
        raise InputError("answer at least one question", loc="answers")
    return txn, answered
