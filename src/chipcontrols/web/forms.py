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


MAX_SLOTS = 50  # order lines or parties on one form
_SLOT = re.compile(r"^(line|party)-(\d{1,3})-(.+)$")
try:  # the determination module's vocabulary, when it is installed
    from chipcontrols.determination.transaction import ROLES as _ROLES

    PARTY_ROLES: tuple[str, ...] = tuple(_ROLES)
except ImportError:
    PARTY_ROLES = ("purchaser", "intermediate_consignee", "ultimate_consignee", "end_user")


def slots(form: Mapping[str, Any], what: str) -> list[int]:
    """The indices of the order lines (`line-N-...`) or parties (`party-N-...`) a form has."""
    found = sorted({int(m.group(2)) for k in form if (m := _SLOT.match(k)) and m.group(1) == what})
    if len(found) > MAX_SLOTS:
        raise InputError(f"at most {MAX_SLOTS} {what}s in one form", loc=what)
    return found


def parameters_for(kind: str | None) -> list[dict[str, Any]]:
    """The figures a kind of item has in the law, in words, for a form."""
    if not kind:
        return []
    from chipcontrols.rulebook.rulebook import load_rulebook
    from chipcontrols.web import wording

    rulebook = load_rulebook()
    out = []
    for name, p in rulebook.parameters.items():
        if kind in (p.kinds or ()) and p.type in ("number", "boolean", "string", "set"):
            words = wording.parameter(name, rulebook)
            out.append({**words, "values": list(p.values) if p.values else None})
    return out


def figures(get: Any, kind: str, prefix: str = "p:") -> dict[str, Any]:
    """The figures given for an item of `kind` (fields `{prefix}{parameter}`); a number may
    carry its unit ("4.8 TB/s"): the item parser converts it."""
    out: dict[str, Any] = {}
    for p in parameters_for(kind):
        raw = str(get(f"{prefix}{p['id']}") or "").strip()
        if not raw:
            continue
        if len(raw) > 200:
            raise InputError("at most 200 characters", loc=p["id"])
        if p["type"] == "boolean":
            out[p["id"]] = raw.lower() in ("true", "yes")
        elif p["type"] == "set":
            out[p["id"]] = [x.strip() for x in raw.split(",") if x.strip()]
        elif p["type"] == "number":
            out[p["id"]] = _number_or_text(raw)
        else:
            out[p["id"]] = raw
    return out


def _number_or_text(raw: str) -> Any:
    try:
        return float(raw) if any(c in raw for c in ".eE") else int(raw)
    except ValueError:
        return raw  # a quantity with its unit: the item parser reads it


def _amount(raw: Any, *, loc: str) -> float | int | None:
    value = text(raw, loc=loc, limit=40)
    if value is None:
        return None
    cleaned = value.replace(",", "").replace(" ", "")
    try:
        number = float(cleaned) if "." in cleaned or "e" in cleaned.lower() else int(cleaned)
    except ValueError:
        raise InputError("give a number, e.g. 8 or 250000", loc=loc) from None
    if number < 0 or number != number:
        raise InputError("give a positive number", loc=loc)
    return number


def _line(get: Any, loc: str) -> dict[str, Any] | None:
    """One order line from its fields (`get(name)`); None when the slot is left empty."""
    product = text(get("product"), loc=f"{loc}.product", limit=200)
    kind = text(get("kind"), loc=f"{loc}.kind", limit=60)
    name = text(get("name"), loc=f"{loc}.name", limit=200)
    if product:
        item: dict[str, Any] = {"product": product}
    elif kind:
        item = {"kind": kind, **({"name": name} if name else {})}
        item.update(figures(lambda k: get(k), kind))
    elif name or get("quantity") or get("value"):
        raise InputError("choose a catalog product or the kind of item", loc=f"{loc}.product")
    else:
        return None
    line: dict[str, Any] = {"item": item}
    made_in = country(get("made_in"), loc=f"{loc}.made_in")
    if made_in:
        line["made_in"] = made_in
    quantity = _amount(get("quantity"), loc=f"{loc}.quantity")
    if quantity is not None:
        line["quantity"] = quantity
    value = _amount(get("value"), loc=f"{loc}.value")
    if value is not None:
        line["value"] = value
        currency = (text(get("currency"), loc=f"{loc}.currency", limit=3) or "USD").upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise InputError("a currency is a three-letter code, e.g. USD", loc=f"{loc}.currency")
        line["currency"] = currency
    return line


def _party(get: Any, loc: str, destination: str | None) -> dict[str, Any] | None:
    name = text(get("name"), loc=f"{loc}.name")
    if not name:
        return None
    role = text(get("role"), loc=f"{loc}.role", limit=40) or "end_user"
    if role not in PARTY_ROLES:
        raise InputError(f"a party's role is one of {', '.join(PARTY_ROLES)}", loc=f"{loc}.role")
    party: dict[str, Any] = {"role": role, "name": name}
    code = country(get("country"), loc=f"{loc}.country")
    if code is None and role in ("end_user", "ultimate_consignee"):
        code = destination
    if code is None:
        raise InputError("give the party's country (name or code)", loc=f"{loc}.country")
    party["country"] = code
    address = text(get("address"), loc=f"{loc}.address")
    if address:
        party["address"] = address
    return party


def transaction_from_form(form: Mapping[str, Any], end_uses: list[str]) -> dict[str, Any]:
    """The first step of a check: what the officer knows at the start. The workspace form
    has numbered order lines (`line-N-product`, `-kind`, `-name`, `-made_in`, `-quantity`,
    `-value`, `-currency`, `-p:<figure>`) and parties (`party-N-role`, `-name`, `-country`,
    `-address`); a one-line form (`product`, `kind`, `item_name`, `made_in`, `end_user`,
    `end_user_country`) is read as line 0 and the end user."""
    destination = country(form.get("destination"), loc="destination", required=True)
    lines: list[dict[str, Any]] = []
    parties: list[dict[str, Any]] = []
    numbered_lines = slots(form, "line")
    if numbered_lines:
        for i in numbered_lines:
            found = _line(lambda k, i=i: form.get(f"line-{i}-{k}"), f"line {i + 1}")
            if found is not None:
                lines.append(found)
    else:
        flat = {"item_name": "name"}
        found = _line(lambda k: form.get(next((f for f, t in flat.items() if t == k), k)), "item")
        if found is not None:
            lines.append(found)
    if not lines:
        raise InputError("choose a catalog product or an item kind", loc="product")
    for i in slots(form, "party"):
        party = _party(lambda k, i=i: form.get(f"party-{i}-{k}"), f"party {i + 1}", destination)
        if party is not None:
            parties.append(party)
    flat_user = text(form.get("end_user"), loc="end_user")
    if flat_user:
        parties.append(
            {
                "role": "end_user",
                "name": flat_user,
                "country": country(form.get("end_user_country"), loc="end_user_country")
                or destination,
            }
        )
    return {
        "kind": "transaction",
        "export_from": country(form.get("export_from"), loc="export_from", required=True),
        "destination": destination,
        "items": lines,
        "parties": parties,
        "end_uses": [u for u in end_uses if u in END_USES],
    }


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


MAX_FILE_PARTIES = 5000
_CSV_FIELDS = ("name", "country", "address", "id")


def parties_from_csv(raw: str) -> list[dict[str, Any]]:
    """Parties from a CSV (or tab-separated) text with a header row: `name` (required),
    `country` (a name or an ISO code), `address`, `id`. Other columns are ignored."""
    import csv
    import io

    body = raw.lstrip("\ufeff").strip()
    if not body:
        raise InputError("the file is empty", loc="parties_file")
    first = body.splitlines()[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        rows = list(csv.DictReader(io.StringIO(body), delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(f"the file is not readable CSV: {exc}", loc="parties_file") from None
    header = [str(h or "").strip().lower() for h in (rows[0].keys() if rows else [])]
    if "name" not in header:
        raise InputError(
            "the first row names the columns, one of them 'name' (and 'country', 'address')",
            loc="parties_file",
        )
    if len(rows) > MAX_FILE_PARTIES:
        raise InputError(f"at most {MAX_FILE_PARTIES} parties in one file", loc="parties_file")
    parties: list[dict[str, Any]] = []
    for n, row in enumerate(rows, start=2):
        cells = {str(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if not any(cells.values()):
            continue
        loc = f"row {n}"
        name = text(cells.get("name"), loc=f"{loc}.name")
        if not name:
            raise InputError("a party needs a name", loc=f"{loc}.name")
        party: dict[str, Any] = {"name": name}
        code = country(cells.get("country"), loc=f"{loc}.country")
        if code:
            party["country"] = code
        for key in ("address", "id"):
            value = text(cells.get(key), loc=f"{loc}.{key}")
            if value:
                party[key] = value
        parties.append(party)
    if not parties:
        raise InputError("the file has no party", loc="parties_file")
    return parties
