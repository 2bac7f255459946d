"""Every family's route table, turned into Starlette routes."""

from __future__ import annotations

from starlette.routing import Route

from rest_compat import knowledge, portal
from rest_compat.routing import RestRoute, endpoint

ROUTES: list[RestRoute] = [*portal.ROUTES, *knowledge.ROUTES]


def starlette_routes() -> list[Route]:
    return [Route(r.path, endpoint(r), methods=[r.method]) for r in ROUTES]
