"""The families' route tables, turned into Starlette routes."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import Match, Route
from starlette.types import Scope

from gateway.families import FAMILIES
from gateway.family import FamilyManifest
from rest_compat.routing import Family, RestRoute, endpoint


class RestRoutes:
    """Every route row of some families, mounted."""

    def __init__(self, families: Sequence[FamilyManifest] = FAMILIES) -> None:
        self.rows: list[RestRoute] = [row for family in families for row in family.routes]
        self._mounted = [
            (Route(row.path, endpoint(row), methods=[row.method]), row.family) for row in self.rows
        ]

    @property
    def routes(self) -> list[Route]:
        return [route for route, _ in self._mounted]

    def family_at(self, scope: Scope) -> Family | None:
        """The family whose path a request names (any method), for answers drawn
        before routing, such as a body refused for its size."""
        for route, family in self._mounted:
            if route.matches(scope)[0] is not Match.NONE:
                return family
        return None


ROUTES: list[RestRoute] = RestRoutes().rows
