"""The coalition timeline page and the charts of the coalition pages. A timeline is computed
in the background (it can take minutes): the page shows that it is being computed and
asks again every few seconds; its JSON twin answers 202 until the timeline is ready."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from chipcontrols.app_services import web_support
from chipcontrols.errors import InputError
from chipcontrols.web.forms import country

SVG = "image/svg+xml"


def _request(request: Request, *, single_day: bool = False) -> web_support.AnalysisRequest:
    qp = request.query_params
    code = country(qp.get("destination"), loc="destination", required=True)
    suppliers = [s for s in qp.getlist("supplier") if s] or (qp.get("suppliers") or None)
    capabilities = [c for c in qp.getlist("capability") if c]
    if len(capabilities) > 60 or (isinstance(suppliers, list) and len(suppliers) > 20):
        raise InputError("too many choices", loc="capability")
    if single_day:
        day = qp.get("as_of") or None
        return web_support.analysis_request(
            code or "",
            start=day,
            end=day,
            step="changes",
            supplier_codes=suppliers,
            capability_ids=capabilities,
        )
    return web_support.analysis_request(
        code or "",
        start=qp.get("from") or None,
        end=qp.get("to") or None,
        step=qp.get("step") or None,
        supplier_codes=suppliers,
        capability_ids=capabilities,
    )


def query_of(req: web_support.AnalysisRequest) -> str:
    """The query string that asks for this timeline again."""
    pairs: list[tuple[str, str]] = [
        ("destination", req.destination),
        ("from", req.start.isoformat()),
        ("to", req.end.isoformat()),
        ("step", req.step),
    ]
    pairs += [("supplier", s) for s in req.suppliers]
    pairs += [("capability", c) for c in req.capabilities]
    return urlencode(pairs)


def _form_data(request: Request) -> dict[str, Any]:
    qp = request.query_params
    return {
        "destination": qp.get("destination") or "",
        "from": qp.get("from") or "",
        "to": qp.get("to") or "",
        "step": qp.get("step") or "quarter",
        "chosen_suppliers": qp.getlist("supplier"),
        "chosen_capabilities": qp.getlist("capability"),
        "suppliers": web_support.suppliers(),
        "capabilities": web_support.capabilities(),
        "steps": [
            ("month", "each month"),
            ("quarter", "each quarter"),
            ("year", "each year"),
            ("changes", "each day the law changed"),
        ],
    }


def build_router() -> APIRouter:
    from chipcontrols.web import pages

    router = APIRouter(include_in_schema=False)

    def _result(request: Request, req: web_support.AnalysisRequest, wait: float) -> Response:
        who = pages.user(request)
        status = web_support.timeline_status(req, wait=wait)
        data = {**_form_data(request), **status, "query": query_of(req)}
        if pages.wants_json(request):
            body = dict(status)
            if status["status"] == "computing":
                body["poll"] = f"/timeline?{query_of(req)}"
                return JSONResponse(body, status_code=202)
            return JSONResponse(body)
        template = "timeline.html" if not request.headers.get("hx-request") else "_timeline.html"
        return pages.page(request, template, data, who, names=_names(data))

    @router.get("/timeline")
    def timeline_page(request: Request) -> Response:
        who = pages.user(request)
        if not request.query_params.get("destination"):
            data = {**_form_data(request), "status": None}
            return pages.page(request, "timeline.html", data, who, names=_names(data))
        return _result(request, _request(request), wait=1.0)

    @router.get("/timeline/chart.svg")
    def timeline_chart(request: Request) -> Response:
        pages.user(request)
        svg = web_support.timeline_chart(_request(request))
        return Response(svg, media_type=SVG, headers={"cache-control": "private, max-age=600"})

    @router.get("/coalition/chart.svg")
    def coalition_chart(request: Request) -> Response:
        pages.user(request)
        svg = web_support.matrix_chart(_request(request, single_day=True))
        return Response(svg, media_type=SVG, headers={"cache-control": "private, max-age=600"})

    return router


def _names(data: dict[str, Any]) -> dict[str, str]:
    """Capability and supplier names by id, for the tables."""
    out = {c["id"]: c["name"] for c in data.get("capabilities") or []}
    out.update({f"supplier:{s['code']}": s["name"] for s in data.get("suppliers") or []})
    return out
