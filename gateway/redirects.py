"""Trailing-slash redirects with a relative ``Location``.

Starlette's router answers ``/bus-factor`` with a 307 to ``/bus-factor/``, but builds the
absolute URL from the request's ``Host`` header: ``Host: evil.example`` sends the client
to ``http://evil.example/...`` (a poisoned cache or a careless proxy makes that an open
redirect). Here the router's own redirect is turned off and the unmatched-request
fallback does the same lookup, answering with the path and query alone, which a client
resolves against the URL it actually asked.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.applications import Starlette
from starlette.responses import RedirectResponse
from starlette.routing import Match, Router
from starlette.types import Receive, Scope, Send


class RelativeSlashRedirect:
    """The router's fallback: a relative redirect to the other spelling of the path if a
    route answers it, else the router's usual 404."""

    def __init__(self, router: Router) -> None:
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        location = self._location(scope) if scope["type"] == "http" else None
        if location is None:
            await self.router.not_found(scope, receive, send)
            return
        await RedirectResponse(location)(scope, receive, send)

    def _location(self, scope: Scope) -> str | None:
        path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        route_path = path.removeprefix(root_path) if root_path else path
        if route_path == "/":
            return None
        other = path.rstrip("/") if path.endswith("/") else path + "/"
        other_scope = {**scope, "path": other}
        if not any(route.matches(other_scope)[0] is not Match.NONE for route in self.router.routes):
            return None
        # One leading slash, always: "//host/x" would be read as another host.
        location = "/" + quote(other, safe="/:@!$&'()*+,;=-._~").lstrip("/")
        query = scope.get("query_string", b"").decode("latin-1")
        return f"{location}?{query}" if query else location


def relative_slash_redirects(app: Starlette) -> Starlette:
    """``app`` with its trailing-slash redirects made relative."""
    app.router.redirect_slashes = False
    app.router.default = RelativeSlashRedirect(app.router)
    return app
