"""Every family's route table, turned into Starlette routes."""

from __future__ import annotations

from starlette.routing import Match, Route
from starlette.types import Scope

from rest_compat import knowledge, portal
from rest_compat.routing import Family, RestRoute, endpoint

ROUTES: list[RestRoute] = [*portal.ROUTES, *knowledge.ROUTES]
_MOUNTED: list[tuple[Route, Family]] = [
    (Route(r.path, endpoint(r), methods=[r.method]), r.family) for r in ROUTES
]


def starlette_routes() -> list[Route]:
    return [route for route, _ in _MOUNTED]


def family_at(scope: Scope) -> Family | None:
    """The family whose path a request names (any method), for answers drawn before
    routing, such as a body refused for its size."""
    for route, family in _MOUNTED:
        if route.matches(scope)[0] is not Match.NONE:
            return family
    return None
