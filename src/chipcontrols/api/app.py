"""The ASGI application: the REST API under /v1 and the web UI, over one `Services`."""

from __future__ import annotations

from fastapi import FastAPI

from chipcontrols import __version__
from chipcontrols.api import errors
from chipcontrols.api.headers import SecurityHeaders
from chipcontrols.api.limits import RequestLimits
from chipcontrols.api.routes import build_router
from chipcontrols.app_services import Services


def create_app(svc: Services, *, web: bool = True) -> FastAPI:
    app = FastAPI(
        title="chipcontrols",
        version=__version__,
        description=(
            "Export controls on chips and chip-making equipment as cited, dated law. "
            "Every answer is recorded with the rulebook version and list snapshots it was "
            "computed under, and appended to a hash-chained audit log. Authenticate with "
            "'Authorization: Bearer <API key>'. Errors have one shape: "
            '{"error": {"code", "message", "loc", "ctx"}}.'
        ),
        openapi_url="/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = svc
    app.include_router(build_router(svc))
    from chipcontrols.api.workspace_routes import build_router as workspace_router

    app.include_router(workspace_router())
    html = None
    if web:
        from chipcontrols.web import mount

        html = mount(app)
    errors.install(app, html=html)
    app.add_middleware(RequestLimits, max_bytes=svc.settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, the limits' too
    return app


def app_from_env() -> FastAPI:
    """The application for a process manager that starts several workers, each calling this
    factory (`uvicorn --factory chipcontrols.api.app:app_from_env --workers 4`): settings from
    the CHIPCONTROLS_* environment, the database migrated and the law archived (serialised
    between workers by the database), no admin user created (see docs/service.md)."""
    from chipcontrols.app_services import Services

    svc = Services()
    svc.start(create_admin=False)
    return create_app(svc)
