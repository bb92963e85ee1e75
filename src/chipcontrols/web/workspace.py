"""The workspace pages beyond the transaction check: dashboard, classify, screen, assess a
deal, coalition matrix, catalog. Each renders one document, which `?format=json` returns as
it is (the same documents the API serves)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import Response

from chipcontrols.api.auth import check_csrf, services
from chipcontrols.app_services import workspace
from chipcontrols.errors import ChipControlsError, InputError
from chipcontrols.rulebook.rulebook import load_rulebook
from chipcontrols.web.forms import country, figures, parameters_for, parties_from_csv, text

DEAL_EXAMPLE = """\
kind: deal
name: Example fab acquisition
date: 2024-05-01
structure: share_deal
acquirer:
  id: buyer
  name: Buyer Holdings Ltd
  country: SG
target:
  name: Example Semiconductor GmbH
  country: DE
  activities: [front_end_fabrication]
  products: [analog]
stake: {shares_before_pct: 0, shares_after_pct: 30}
"""


def _item_from_form(form: dict[str, Any], pages: Any) -> dict[str, Any]:
    product = text(pages._str(form, "product"), loc="product", limit=200)
    if product:
        return {"product": product}
    kind = text(pages._str(form, "kind"), loc="kind", limit=60)
    if not kind:
        raise InputError(
            "choose a catalog product, or a kind of item and its figures", loc="product"
        )
    item: dict[str, Any] = {"kind": kind}
    name = text(pages._str(form, "item_name"), loc="item_name", limit=200)
    if name:
        item["name"] = name
    item.update(figures(lambda k: pages._str(form, k), kind))
    return item


def build_router() -> APIRouter:
    from chipcontrols.web import pages

    router = APIRouter(include_in_schema=False)

    @router.get("/dashboard")
    def dashboard(request: Request) -> Response:
        who = pages.user(request)
        data = workspace.dashboard(services(request))
        return pages.page(request, "dashboard.html", data, who)

    # ------------------------------------------------------------ classify

    def _classify_data(kind: str | None) -> dict[str, Any]:
        from chipcontrols.catalog import load_catalog

        rulebook = load_rulebook()
        return {
            "products": [p.name for p in load_catalog().products],
            "kinds": [
                {"id": k, "description": rulebook.kinds[k].description}
                for k in sorted(rulebook.kinds)
                if k not in ("shipment", "informed_shipment")
            ],
            "kind": kind,
            "parameters": parameters_for(kind),
            "values": {},
            "error": None,
        }

    @router.get("/classify")
    def classify_form(request: Request) -> Response:
        who = pages.user(request)
        kind = request.query_params.get("kind") or None
        if kind is not None and kind not in load_rulebook().kinds:
            raise InputError(f"unknown kind {kind!r}", loc="kind")
        return pages.page(request, "classify.html", _classify_data(kind), who)

    @router.post("/classify")
    async def classify(request: Request) -> Response:
        form = await pages._form(request)
        who = pages.user(request, "analyst")
        check_csrf(request, pages._str(form, "csrf"))
        svc = services(request)
        try:
            item = (
                form["item"] if isinstance(form.get("item"), dict) else _item_from_form(form, pages)
            )
            record = svc.run(
                "classification",
                {"item": item},
                as_of=pages._str(form, "as_of") or None,
                actor=who.actor,
            )
        except ChipControlsError as exc:
            if pages.wants_json(request):
                raise
            data = _classify_data(pages._str(form, "kind") or None)
            data["error"] = exc.to_dict()
            data["values"] = {k: v for k, v in form.items() if k != "csrf"}
            return pages.page(request, "classify.html", data, who, status=exc.http_status)
        return pages._after_record(request, record)

    # ------------------------------------------------------------ screen

    @router.get("/screen")
    def screen_form(request: Request) -> Response:
        who = pages.user(request)
        return pages.page(request, "screen.html", {"values": {}, "error": None}, who)

    @router.post("/screen")
    async def screen(request: Request) -> Response:
        form = await pages._form(request)
        who = pages.user(request, "analyst")
        check_csrf(request, pages._str(form, "csrf"))
        svc = services(request)
        try:
            if isinstance(form.get("parties"), list):
                parties = form["parties"]
            elif pages._str(form, "parties_csv").strip():
                parties = parties_from_csv(pages._str(form, "parties_csv"))
            else:
                name = text(pages._str(form, "name"), loc="name")
                if not name:
                    raise InputError("give the name to screen, or a file of parties", loc="name")
                party: dict[str, Any] = {"name": name}
                code = country(pages._str(form, "country"), loc="country")
                if code:
                    party["country"] = code
                address = text(pages._str(form, "address"), loc="address")
                if address:
                    party["address"] = address
                parties = [party]
            record = svc.run(
                "screening",
                {"parties": parties},
                as_of=pages._str(form, "as_of") or None,
                actor=who.actor,
            )
        except ChipControlsError as exc:
            if pages.wants_json(request):
                raise
            data = {
                "error": exc.to_dict(),
                "values": {k: v for k, v in form.items() if k != "csrf"},
            }
            return pages.page(request, "screen.html", data, who, status=exc.http_status)
        return pages._after_record(request, record)

    # ------------------------------------------------------------ assess a deal

    @router.get("/assess")
    def assess_form(request: Request) -> Response:
        who = pages.user(request)
        data = {
            "available": "assessment" in services(request).operations(),
            "values": {"deal": DEAL_EXAMPLE},
            "error": None,
        }
        return pages.page(request, "assess.html", data, who)

    @router.post("/assess")
    async def assess(request: Request) -> Response:
        form = await pages._form(request)
        who = pages.user(request, "analyst")
        check_csrf(request, pages._str(form, "csrf"))
        svc = services(request)
        try:
            if isinstance(form.get("deal"), dict):
                deal = form["deal"]
            else:
                raw = pages._str(form, "deal")
                if len(raw) > 20000:
                    raise InputError("at most 20000 characters", loc="deal")
                try:
                    deal = yaml.safe_load(raw)
                except yaml.YAMLError as exc:
                    raise InputError(f"the deal is not valid YAML: {exc}", loc="deal") from None
                if not isinstance(deal, dict):
                    raise InputError(
                        "the deal is a mapping (name:, acquirer:, target:)", loc="deal"
                    )
                deal = json.loads(json.dumps(deal, default=str))  # dates as YYYY-MM-DD
            record = svc.run(
                "assessment",
                {"deal": deal},
                as_of=pages._str(form, "as_of") or None,
                actor=who.actor,
            )
        except ChipControlsError as exc:
            if pages.wants_json(request):
                raise
            data = {
                "available": "assessment" in svc.operations(),
                "error": exc.to_dict(),
                "values": {k: v for k, v in form.items() if k != "csrf"},
            }
            return pages.page(request, "assess.html", data, who, status=exc.http_status)
        return pages._after_record(request, record)

    # ------------------------------------------------------------ coalition

    @router.get("/coalition")
    def coalition(request: Request) -> Response:
        from chipcontrols.app_services import web_support
        from chipcontrols.web import analysis

        who = pages.user(request)
        qp = request.query_params
        destination = qp.get("destination") or ""
        data: dict[str, Any] = {
            "destination": destination,
            "as_of": qp.get("as_of") or "",
            "suppliers": web_support.suppliers(),
            "capabilities": web_support.capabilities(),
            "chosen_suppliers": qp.getlist("supplier")
            or [x.strip().upper() for x in (qp.get("suppliers") or "").split(",") if x.strip()],
            "chosen_capabilities": qp.getlist("capability"),
            "matrix": None,
            "query": "",
        }
        if destination:
            req = analysis._request(request, single_day=True)
            data["matrix"] = web_support.matrix(req)
            pairs = [("destination", req.destination), ("as_of", req.end.isoformat())]
            pairs += [("supplier", x) for x in req.suppliers]
            pairs += [("capability", x) for x in req.capabilities]
            data["query"] = urlencode(pairs)
        return pages.page(request, "coalition.html", data, who)

    # ------------------------------------------------------------ catalog

    @router.get("/catalog")
    def catalog(request: Request) -> Response:
        who = pages.user(request)
        qp = request.query_params
        data = workspace.catalog(
            qp.get("q") or None, kind=qp.get("kind") or None, maker=qp.get("maker") or None
        )
        return pages.page(request, "catalog.html", data, who)

    return router
