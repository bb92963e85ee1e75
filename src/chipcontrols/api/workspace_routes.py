"""REST routes for the workspace documents: catalog, coalition matrix, dashboard (the same
documents the web pages render; see `app_services.workspace`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from chipcontrols.api.auth import Viewer, services
from chipcontrols.api.errors import ERROR_RESPONSES
from chipcontrols.app_services import Services, web_support, workspace

DATE = r"^\d{4}-\d{2}-\d{2}$"
Svc = Annotated[Services, Depends(services)]


def build_router() -> APIRouter:
    router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES)

    @router.get("/catalog", operation_id="list_catalog", tags=["catalog"])
    def catalog(
        who: object = Viewer,
        q: Annotated[
            str | None, Query(max_length=200, description="Name or alias contains")
        ] = None,
        kind: Annotated[str | None, Query(max_length=60)] = None,
        maker: Annotated[str | None, Query(max_length=80)] = None,
    ) -> dict[str, Any]:
        """The catalog's products (published figures and their sources), filtered."""
        return workspace.catalog(q, kind=kind, maker=maker)

    @router.get("/catalog/{name}", operation_id="get_catalog_product", tags=["catalog"])
    def product(name: str, who: object = Viewer) -> dict[str, Any]:
        return workspace.product(name)

    @router.get("/coalition", operation_id="coalition_matrix", tags=["analysis"])
    def coalition(
        destination: Annotated[str, Query(pattern=r"^[A-Za-z]{2}$", description="ISO code")],
        who: object = Viewer,
        as_of: Annotated[str | None, Query(pattern=DATE)] = None,
        suppliers: Annotated[str | None, Query(max_length=40, description="e.g. US,NL,JP")] = None,
    ) -> dict[str, Any]:
        """`chipcontrols coalition`: each capability, each supplier jurisdiction's status for
        the destination on the date, with the products behind each cell, and the gaps."""
        return workspace.coalition(destination, as_of, suppliers)

    @router.get("/timeline", operation_id="coalition_timeline", tags=["analysis"])
    def timeline(
        destination: Annotated[str, Query(pattern=r"^[A-Za-z]{2}$", description="ISO code")],
        who: object = Viewer,
        from_: Annotated[str | None, Query(alias="from", pattern=DATE)] = None,
        to: Annotated[str | None, Query(pattern=DATE)] = None,
        step: Annotated[str | None, Query(pattern=r"^(month|quarter|year|changes)$")] = None,
        suppliers: Annotated[str | None, Query(max_length=40, description="e.g. US,NL,JP")] = None,
        capability: Annotated[list[str] | None, Query(max_length=60)] = None,
    ) -> Response:
        """`chipcontrols timeline`: the coalition matrix over a date range. Computed in the
        background: 202 with `{"status": "computing"}` until it is ready (ask again), then
        200 with `{"status": "done", "timeline": ...}`."""
        req = web_support.analysis_request(
            destination,
            start=from_,
            end=to,
            step=step,
            supplier_codes=suppliers,
            capability_ids=capability or [],
        )
        status = web_support.timeline_status(req, wait=1.0)
        return JSONResponse(status, status_code=202 if status["status"] == "computing" else 200)

    @router.get("/capabilities", operation_id="list_capabilities", tags=["analysis"])
    def capabilities(who: object = Viewer) -> dict[str, Any]:
        """The capabilities the coalition matrix and the timeline are computed for."""
        return {"capabilities": web_support.capabilities(), "suppliers": web_support.suppliers()}

    @router.get("/dashboard", operation_id="dashboard", tags=["records"])
    def dashboard(svc: Svc, who: object = Viewer) -> dict[str, Any]:
        """Open review items, answers waiting for facts, blocked orders, recent list changes."""
        return workspace.dashboard(svc)

    return router
