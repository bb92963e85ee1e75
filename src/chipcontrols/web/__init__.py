"""The web UI: server-rendered pages (Jinja2, htmx) over the same service calls as the
API. Every page has a JSON twin: add `?format=json` or send `Accept: application/json`."""

from chipcontrols.web.pages import mount

__all__ = ["mount"]
