"""The browser UIs, GraphiQL on GET /graphql and Swagger UI on /docs, served from the package.

Every script, style sheet and font comes from gateway/static (the third-party builds are
vendored by scripts/vendor-ui), so the pages work on a network with no internet, and the
Content-Security-Policy can allow the gateway's own origin and nothing else.
"""

from __future__ import annotations

import logging
import re
from importlib.resources import files
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC = files("gateway") / "static"

# Scripts and styles only from files the gateway serves: no inline code, no eval. `data:`
# is for the fonts and icons GraphiQL's and Swagger UI's CSS embed as data URIs (no request
# leaves the page for them). connect-src 'self' covers GraphiQL's same-origin WebSocket.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # /graphql?token=… must not travel on in a Referer, nor sit in a cache.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def page(name: str) -> HTMLResponse:
    """One of the UI pages, with the headers that confine it to the gateway's origin."""
    return HTMLResponse((STATIC / "ui" / name).read_text(encoding="utf-8"), headers=PAGE_HEADERS)


async def docs(_: Request) -> Response:
    return page("docs.html")


def ui_routes(enabled: bool) -> list[BaseRoute]:
    """Swagger UI and the static assets both pages load; none when the UIs are off."""
    if not enabled:
        return []
    return [
        Route("/docs", docs, methods=["GET"]),
        Mount("/static", StaticFiles(packages=[("gateway", "static")]), name="static"),
    ]


class RedactTokenFilter(logging.Filter):
    """Keeps `?token=` values (GraphiQL's sign-in link) out of uvicorn's access log."""

    PATTERN = re.compile(r"([?&]token=)[^&\s]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._redact(arg) for arg in record.args)
        return True

    def _redact(self, value: Any) -> Any:
        return self.PATTERN.sub(r"\1[redacted]", value) if isinstance(value, str) else value


def redact_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokenFilter) for f in access.filters):
        access.addFilter(RedactTokenFilter())
