"""Trailing-slash redirects with a relative ``Location``, in each family's manner.

Starlette's router answers ``/bus-factor`` with a 307 to ``/bus-factor/``, but builds the
absolute URL from the request's ``Host`` header: ``Host: evil.example`` sends the client
to ``http://evil.example/...`` (a poisoned cache or a careless proxy makes that an open
redirect). Here the router's own redirect is turned off and the unmatched-request
fallback does the same lookup, answering with the path and query alone, which a client
resolves against the URL it actually asked.

The family whose route the other spelling names decides the manner
(``rest_compat.routing.Family``): 307 for any method by default; Django REST framework's
301 for GET and HEAD and a 404 in the family's envelope for other methods (DRF's
APPEND_SLASH cannot redirect a POST either, since a client would drop its body).
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.responses import RedirectResponse
from starlette.routing import Match, Router
from starlette.types import Receive, Scope, Send

from gateway.errors import not_found
from rest_compat.routing import Family, error_response


class FamilyAt(Protocol):
    def family_at(self, scope: Scope) -> Family | None: ...


class RelativeSlashRedirect:
    """The router's fallback: a relative redirect to the other spelling of the path if a
    route answers it, else the router's usual 404."""

    def __init__(self, router: Router, families: FamilyAt) -> None:
        self.router = router
        self.families = families

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        other = self._other(scope) if scope["type"] == "http" else None
        if other is None:
            await self.router.not_found(scope, receive, send)
            return
        family = self.families.family_at(other)
        status, redirect_writes = (
            (family.slash_redirect, family.redirect_writes) if family else (307, True)
        )
        if scope["method"] not in ("GET", "HEAD") and not redirect_writes:
            assert family is not None
            await error_response(family, not_found("path"))(scope, receive, send)
            return
        await RedirectResponse(self._location(scope, other), status_code=status)(
            scope, receive, send
        )

    def _other(self, scope: Scope) -> Scope | None:
        """The request's scope with the other spelling of its path, if a route answers it."""
        path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        route_path = path.removeprefix(root_path) if root_path else path
        if route_path == "/":
            return None
        other_scope = {**scope, "path": path.rstrip("/") if path.endswith("/") else path + "/"}
        if not any(route.matches(other_scope)[0] is not Match.NONE for route in self.router.routes):
            return None
        return other_scope

    @staticmethod
    def _location(scope: Scope, other: Scope) -> str:
        # One leading slash, always: "//host/x" would be read as another host.
        location = "/" + quote(other["path"], safe="/:@!$&'()*+,;=-._~").lstrip("/")
        query = scope.get("query_string", b"").decode("latin-1")
        return f"{location}?{query}" if query else location


def relative_slash_redirects(families: FamilyAt, app: Starlette) -> Starlette:
    """``app`` with its trailing-slash redirects made relative, in each family's manner."""
    app.router.redirect_slashes = False
    app.router.default = RelativeSlashRedirect(app.router, families)
    return app
