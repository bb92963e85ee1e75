"""REST routes for the workspace documents: catalog, coalition matrix, dashboard, and the
longer workflows (what-if scenario, a file of order lines, the kept parties screened again,
the official lists and a list update from a file). The same documents the web pages render
(see `app_services.workspace`, `app_services.web_support` and `web.runs`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from chipcontrols.access import Principal
from chipcontrols.api.auth import Admin, Analyst, Viewer, services
from chipcontrols.api.errors import ERROR_RESPONSES
from chipcontrols.app_services import Services, web_support, workspace
from chipcontrols.app_services.documents import check_scenario_file
from chipcontrols.errors import ChipControlsError, InputError
from chipcontrols.rulebook.yamlio import load_yaml_text

DATE = r"^\d{4}-\d{2}-\d{2}$"
Svc = Annotated[Services, Depends(services)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioBody(_Body):
    scenario: str | None = Field(
        default=None, max_length=100, description="A bundled scenario's id (GET /v1/scenarios)"
    )
    scenario_text: str | None = Field(
        default=None,
        max_length=200_000,
        description="Or a scenario file's text (YAML; see docs/law-format.md)",
    )
    as_of: str | None = Field(default=None, pattern=DATE, description="YYYY-MM-DD; default today")
    destination: str = Field(default="CN", pattern=r"^[A-Za-z]{2}$", description="ISO code")
    suppliers: str | None = Field(default=None, max_length=40, description="e.g. US,NL,JP")
    past: str = Field(
        default="none",
        pattern=r"^(none|stored|example)$",
        description="Past determinations to re-run: none, those stored here, or the example file",
    )


def _check_scenario_text(body: ScenarioBody) -> None:
    """A scenario given as text, checked by the scenario document model (`ScenarioFile`)
    before it is parsed: a wrong type is named with its field (`scenario_text:name`). Text
    that is not YAML, or a scenario given with a bundled one, is refused by the report."""
    text = body.scenario_text or ""
    if not text.strip() or (body.scenario or "").strip():
        return
    try:
        raw = load_yaml_text(text, loc="scenario_text", error=InputError)
    except ChipControlsError:
        return  # the report names the YAML error
    check_scenario_file(raw, "scenario_text")


class BatchBody(_Body):
    csv: str = Field(min_length=1, description="The order-lines file's text (CSV, UTF-8)")
    file_name: str | None = Field(default=None, max_length=200)
    as_of: str | None = Field(default=None, pattern=DATE, description="YYYY-MM-DD; default today")


class RescreenBody(_Body):
    as_of: str | None = Field(default=None, pattern=DATE, description="YYYY-MM-DD; default today")


class ListImportBody(_Body):
    content: str = Field(min_length=1, description="The list file's text")
    file_name: str | None = Field(default=None, max_length=200)
    input_format: str = Field(
        default="auto",
        pattern=r"^(auto|csl_json|csl_csv|ofac_sdn|bis_dpl|ftm|entity_list)$",
    )
    dataset: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,60}$")
    as_of: str | None = Field(default=None, pattern=DATE, description="The list data's date")


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

    # ------------------------------------------------------------ longer workflows

    @router.get("/scenarios", operation_id="list_scenarios", tags=["analysis"])
    def scenarios(who: object = Viewer) -> dict[str, Any]:
        """The bundled what-if scenarios (id, name, description)."""
        return {"scenarios": web_support.bundled_scenarios()}

    @router.post("/scenario", operation_id="what_if_scenario", tags=["analysis"])
    def scenario(body: ScenarioBody, svc: Svc, who: object = Viewer) -> dict[str, Any]:
        """`chipcontrols scenario`: what a scenario would change on a date: the law in force,
        the catalog products' statuses, the coalition's gaps for the destination, and past
        determinations re-run. Nothing is recorded; it takes up to a minute."""
        _check_scenario_text(body)
        return web_support.scenario_report(svc, **body.model_dump())

    @router.post("/batch", operation_id="run_batch", tags=["records"])
    def batch(body: BatchBody, svc: Svc, who: Principal = Analyst) -> dict[str, Any]:
        """`chipcontrols batch` on a CSV file of order lines (at most a few hundred lines;
        larger files with the command line): every line checked and recorded, the summary
        (answers per country, the lines that could not be checked with their column) and the
        results file's address. The same file sent again carries on an interrupted run."""
        from chipcontrols.web.runs import run_batch_text

        return run_batch_text(
            svc, actor=who.actor, text=body.csv, file_name=body.file_name, as_of=body.as_of
        )

    @router.get(
        "/batch/{run}/results",
        operation_id="batch_results",
        tags=["records"],
        response_class=FileResponse,
        responses={200: {"content": {"text/csv": {}}, "description": "The results file"}},
    )
    def batch_results(run: str, svc: Svc, who: object = Viewer) -> Response:
        """The results file of a batch run (CSV: the input columns, then each line's answer)."""
        from chipcontrols.web.runs import batch_results_file

        path, name = batch_results_file(svc, run)
        return FileResponse(path, media_type="text/csv; charset=utf-8", filename=name)

    @router.get("/rescreen", operation_id="rescreen_status", tags=["lists"])
    def rescreen_status(svc: Svc, who: object = Viewer) -> dict[str, Any]:
        """The last re-screening of the kept parties, the lists in force, the review queue."""
        return web_support.rescreen_status(svc)

    @router.post("/rescreen", operation_id="rescreen", tags=["lists"])
    def rescreen(body: RescreenBody, svc: Svc, who: Principal = Analyst) -> dict[str, Any]:
        """`chipcontrols rescreen`: the kept parties against the lists in force; only new,
        changed or removed hits. Parties with new hits are screened again as a recorded
        screening (their hits join the review queue) and their orders determined again."""
        return web_support.rescreen(svc, actor=who.actor, as_of=body.as_of)

    @router.get("/watch", operation_id="list_sources", tags=["lists"])
    def watch(svc: Svc, who: object = Viewer) -> dict[str, Any]:
        """The official list sources (those `chipcontrols watch` fetches), the last fetch of
        each, the list in force and the latest kept in the database per dataset."""
        return web_support.watch_status(svc)

    @router.post("/watch/import", operation_id="import_list", tags=["lists"])
    def watch_import(body: ListImportBody, svc: Svc, who: Principal = Admin) -> dict[str, Any]:
        """`chipcontrols lists import` of a list file's text, made the list in force; then the
        kept parties screened again as a watch pass does: who is hit, which orders change."""
        return web_support.import_list(
            svc,
            actor=who.actor,
            content=body.content,
            file_name=body.file_name,
            input_format=body.input_format,
            dataset=body.dataset,
            as_of=body.as_of,
        )

    return router
