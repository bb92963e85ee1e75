"""REST routes for the workspace documents: catalog, coalition matrix, dashboard (the same
documents the web pages render; see `app_services.workspace`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from chipcontrols.api.auth import Viewer, services
from chipcontrols.api.errors import ERROR_RESPONSES
from chipcontrols.app_services import Services, workspace

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

    @router.get("/dashboard", operation_id="dashboard", tags=["records"])
    def dashboard(svc: Svc, who: object = Viewer) -> dict[str, Any]:
        """Open review items, answers waiting for facts, blocked orders, recent list changes."""
        return workspace.dashboard(svc)

    return router
