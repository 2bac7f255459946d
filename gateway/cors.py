"""CORS for frontends on other origins: only the origins in ``GATEWAY_ALLOWED_ORIGINS``.

The same list is what the CSRF rule trusts for cookie-authenticated writes, so a page
the gateway lets read its answers is also one it lets write with the cookie. Credentials
are allowed, which is why the list holds origins and never ``*``: a wildcard with
credentials would let any site act as the signed-in user.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Send

# What the GraphQL clients and the REST families send: credentials, JSON bodies, and the
# custom headers the CSRF rule accepts in place of an Origin.
ALLOWED_HEADERS = (
    "Accept",
    "Apollo-Require-Preflight",
    "Authorization",
    "Content-Type",
    "X-API-Key",
    "X-Requested-With",
)
# A 503 asks the client to come back later; a page can only read that if it is exposed.
EXPOSED_HEADERS = ("Retry-After",)


class ListedOriginsCORS(CORSMiddleware):
    """Starlette's CORS, except that an unlisted origin gets no ``Access-Control-*``
    header at all: Starlette adds its credentials and exposed-headers lines to every
    answer that has an ``Origin``, which tells a foreign page nothing useful and reads as
    if it were trusted."""

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        origin = request_headers.get("origin")
        if origin is not None and self.is_allowed_origin(origin):
            await super().send(message, send, request_headers)
            return
        if message["type"] == "http.response.start":
            # Answers differ by Origin: caches must not give this one to a listed page.
            message.setdefault("headers", [])
            headers = MutableHeaders(scope=message)
            headers["Vary"] = ", ".join([*headers.getlist("Vary"), "Origin"])
        await send(message)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if not self.is_allowed_origin(request_headers["origin"]):
            for name in [n for n in response.headers if n.startswith("access-control-")]:
                del response.headers[name]
        return response


def cors_middleware(origins: Sequence[str], routes: Iterable[BaseRoute]) -> list[Middleware]:
    """The CORS layer for these origins (none when the list is empty), allowing every
    method the routes answer, so a family's new route is covered without an edit here."""
    if not origins:
        return []
    if "*" in origins:
        raise ValueError(
            "GATEWAY_ALLOWED_ORIGINS lists origins; '*' is refused because CORS here "
            "allows credentials"
        )
    methods = {"OPTIONS"}
    for route in routes:
        if isinstance(route, Route) and route.methods:
            methods |= route.methods
    return [
        Middleware(
            ListedOriginsCORS,
            allow_origins=list(origins),
            allow_methods=sorted(methods),
            allow_headers=ALLOWED_HEADERS,
            allow_credentials=True,
            expose_headers=EXPOSED_HEADERS,
        )
    ]
