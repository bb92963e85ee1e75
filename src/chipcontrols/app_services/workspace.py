"""The workspace's read-side documents: records searched and filtered, the rulebook filtered,
the catalog searched, the coalition matrix, and the dashboard. The API and the web pages
both serve these (the web page renders the same document its `?format=json` twin returns)."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select

from chipcontrols.catalog import load_catalog
from chipcontrols.errors import InputError
from chipcontrols.rulebook.rulebook import load_rulebook
from chipcontrols.storage.models import HitRow, ListSnapshotRow, RecordRow
from chipcontrols.storage.records import record_dict

if TYPE_CHECKING:
    from chipcontrols.app_services.service import Services

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RECORD_FILTERS = ("q", "party", "product", "destination", "verdict", "kind", "user", "from", "to")


def _text(raw: Any, loc: str, limit: int = 200) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InputError("expected text", loc=loc)
    raw = raw.strip()
    if len(raw) > limit:
        raise InputError(f"at most {limit} characters", loc=loc)
    return raw or None


def _date(raw: Any, loc: str) -> str | None:
    value = _text(raw, loc, 10)
    if value is None:
        return None
    if not DATE.match(value):
        raise InputError("a date is YYYY-MM-DD", loc=loc)
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value} is not a date", loc=loc) from None
    return value


def _like(value: str) -> str:
    return "%" + value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_records(
    svc: Services, filters: Mapping[str, Any], *, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Records matching every filter given: `q` (anywhere in the summary or input), `party`,
    `product` (in the input), `destination` (ISO code), `verdict` (an identifier such as
    licence_required, in the result), `kind`, `user`, `from` / `to` (the day it was made)."""
    f = {key: _text(filters.get(key), key) for key in RECORD_FILTERS if key not in ("from", "to")}
    f["from"] = _date(filters.get("from"), "from")
    f["to"] = _date(filters.get("to"), "to")
    conditions = []
    if f["q"]:
        pattern = _like(f["q"])
        conditions.append(
            or_(
                func.lower(RecordRow.summary).like(pattern, escape="\\"),
                func.lower(RecordRow.input).like(pattern, escape="\\"),
                func.lower(RecordRow.id).like(pattern, escape="\\"),
            )
        )
    for key in ("party", "product"):
        value = f[key]
        if value:
            conditions.append(func.lower(RecordRow.input).like(_like(value), escape="\\"))
    if f["destination"]:
        code = f["destination"].upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise InputError(
                "a destination is an ISO 3166 alpha-2 code, e.g. CN", loc="destination"
            )
        conditions.append(RecordRow.input.like(f'%"destination":"{code}"%'))
    if f["verdict"]:
        if not re.fullmatch(r"[a-z_]{2,40}", f["verdict"]):
            raise InputError("a verdict is an identifier such as licence_required", loc="verdict")
        conditions.append(RecordRow.result.like(f'%"verdict":"{f["verdict"]}"%'))
    if f["kind"]:
        conditions.append(RecordRow.kind == f["kind"])
    if f["user"]:
        actor = f["user"] if ":" in f["user"] else f"user:{f['user']}"
        conditions.append(func.lower(RecordRow.actor) == actor.lower())
    if f["from"]:
        conditions.append(RecordRow.created_at >= f["from"])
    if f["to"]:
        conditions.append(RecordRow.created_at < f["to"] + "T99")
    with svc.db.read() as session:
        query = select(RecordRow).where(*conditions)
        total = session.execute(
            select(func.count()).select_from(RecordRow).where(*conditions)
        ).scalar_one()
        rows = session.execute(
            query.order_by(RecordRow.created_at.desc(), RecordRow.id).limit(limit).offset(offset)
        ).scalars()
        records = [record_dict(r, full=False) for r in rows]
        users = sorted(
            a
            for a in session.execute(select(RecordRow.actor).distinct()).scalars()
            if isinstance(a, str)
        )
    return {
        "total": total,
        "limit": limit,
        "offset": offset,
        "filters": {k: v for k, v in f.items() if v},
        "users": users,
        "records": records,
    }


def filter_rules(data: dict[str, Any], q: str | None) -> dict[str, Any]:
    """The rulebook document keeping the entries whose entry, id, title or citation contain
    `q` (case-insensitive)."""
    needle = (_text(q, "q") or "").lower()
    entries = data.get("entries") or []
    kept = entries
    if needle:
        kept = []
        for e in entries:
            force = e.get("in_force") or {}
            hay = " ".join(
                str(x or "")
                for x in (e.get("entry"), e.get("id"), e.get("title"), force.get("citation"))
            ).lower()
            if needle in hay:
                kept.append(e)
    jurisdictions = sorted({e.jurisdiction for e in load_rulebook().entries.values()})
    return {
        **data,
        "q": needle or None,
        "total_in_force": len(entries),
        "entries": kept,
        "jurisdictions": jurisdictions,
    }


# ------------------------------------------------------------------ catalog


def _product(p: Any) -> dict[str, Any]:
    doc = {
        "name": p.name,
        "maker": p.maker,
        "maker_country": p.maker_country,
        "kind": p.kind,
        "aliases": list(p.aliases),
        "released": str(p.released) if p.released else None,
        "parameters": {k: v for k, v in p.spec().items() if k not in ("kind", "name")},
        "figures": [dict(f) for f in p.figures],
        "notes": p.notes,
    }
    plain: dict[str, Any] = json.loads(json.dumps(doc, default=str))  # dates as text
    return plain


def catalog(
    q: str | None = None, *, kind: str | None = None, maker: str | None = None
) -> dict[str, Any]:
    """The catalog's products matching a name (or alias), a kind and a maker."""
    needle = (_text(q, "q") or "").lower()
    kind = _text(kind, "kind", 60)
    maker = _text(maker, "maker", 80)
    products = load_catalog().products
    out = []
    for p in products:
        names = [p.name, *p.aliases]
        if needle and not any(needle in n.lower() for n in names):
            continue
        if kind and p.kind != kind:
            continue
        if maker and (p.maker or "").lower() != maker.lower():
            continue
        out.append(_product(p))
    return {
        "q": needle or None,
        "kind": kind,
        "maker": maker,
        "kinds": sorted({p.kind for p in products if p.kind}),
        "makers": sorted({p.maker for p in products if p.maker}),
        "total": len(products),
        "products": out,
    }


def product(name: str) -> dict[str, Any]:
    return _product(load_catalog().get(name))


# ------------------------------------------------------------------ coalition

_COALITION: dict[tuple[Any, ...], dict[str, Any]] = {}
_COALITION_LOCK = threading.Lock()


def coalition(
    destination: str, as_of: str | dt.date | None, suppliers: str | None = None
) -> dict[str, Any]:
    """`chipcontrols coalition`: each capability, each supplier jurisdiction's status for a
    destination on a date, with the products behind each cell. Kept in memory per rulebook
    version, destination, date and suppliers (it takes seconds to compute)."""
    from chipcontrols.app_services.service import parse_as_of
    from chipcontrols.scenario.coalition import Analyst
    from chipcontrols.scenario.matrix import parse_suppliers

    code = (destination or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise InputError("a destination is an ISO 3166 alpha-2 code, e.g. CN", loc="destination")
    day = parse_as_of(as_of)
    codes = parse_suppliers(_text(suppliers, "suppliers", 40))
    rulebook = load_rulebook()
    key = (rulebook.version, code, day, tuple(codes))
    with _COALITION_LOCK:
        if key not in _COALITION:
            matrix = Analyst(None).matrix(code, day, suppliers=codes, capabilities=None)
            if len(_COALITION) > 32:
                _COALITION.clear()
            _COALITION[key] = json.loads(json.dumps(matrix.to_dict(detail=True), default=str))
        return _COALITION[key]


# ------------------------------------------------------------------ dashboard


def dashboard(svc: Services, *, limit: int = 10) -> dict[str, Any]:
    """What needs attention: open review items, answers that are undetermined (facts wanted),
    blocked orders (a licence required or prohibited), and the latest list snapshots with the
    stored parties their entries hit."""
    queue = svc.review_queue()["hits"]
    with svc.db.read() as session:

        def latest(pattern: str) -> list[dict[str, Any]]:
            rows = session.execute(
                select(RecordRow)
                .where(RecordRow.result.like(pattern))
                .order_by(RecordRow.created_at.desc(), RecordRow.id)
                .limit(limit)
            ).scalars()
            return [record_dict(r, full=False) for r in rows]

        undetermined = latest('%"verdict":"undetermined"%')
        blocked = [
            r for r in latest('%"verdict":"licence_required"%') + latest('%"verdict":"prohibited"%')
        ]
        blocked.sort(key=lambda r: r["created_at"], reverse=True)
        snaps = session.execute(
            select(ListSnapshotRow).order_by(ListSnapshotRow.created_at.desc()).limit(5)
        ).scalars()
        changes = []
        for s in snaps:
            hits = session.execute(
                select(HitRow.party_name, HitRow.entry_name, HitRow.list, HitRow.record_id)
                .where(HitRow.snapshot_id == s.id)
                .order_by(HitRow.id.desc())
                .limit(20)
            ).all()
            changes.append(
                {
                    "id": s.id,
                    "dataset": s.dataset,
                    "as_of": s.as_of,
                    "entries": s.entries,
                    "stored_at": s.created_at,
                    "parties_hit": [
                        {"party": h[0], "entry": h[1], "list": h[2], "record_id": h[3]}
                        for h in hits
                    ],
                }
            )
    return {
        "review_queue": {"open": len(queue), "hits": queue[:limit]},
        "undetermined": undetermined,
        "blocked": blocked[:limit],
        "list_changes": changes,
    }
