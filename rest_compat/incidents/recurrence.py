"""Recurrence analyses under /api/analytics/ (seed 001): ``recurrence-analyses/`` with
``recurrence_type``, ``min_confidence`` (0 to 1) and ``is_resolved``, and
``recurrence-analyses/unresolved/`` (the same, ``is_resolved`` false), as DRF pages,
latest occurrence first. The grouping rules are in ``resolvers/incidents/recurrence.py``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from models.incidents import RecurrenceType
from rest_compat.incidents import API
from rest_compat.incidents.answers import DrfForm
from rest_compat.incidents.envelope import INCIDENTS
from rest_compat.incidents.params import DrfBool, DrfListParams
from rest_compat.pages import drf_page
from rest_compat.params import QUERY
from rest_compat.routing import RestRoute


class UnresolvedParams(DrfListParams):
    recurrence_type: Annotated[RecurrenceType | None, QUERY] = None
    min_confidence: Annotated[
        float | None, QUERY, Field(ge=0, le=1, allow_inf_nan=False, description="0 to 1.")
    ] = None


class RecurrenceParams(UnresolvedParams):
    is_resolved: DrfBool = None


def _route(path: str, op: str, params: type[DrfListParams]) -> RestRoute:
    return RestRoute(
        "GET",
        path,
        op=op,
        family=INCIDENTS,
        params=params,
        shape=DrfForm(then=drf_page),
    )


RECURRENCE_ROUTES: list[RestRoute] = [
    _route(
        f"{API}/recurrence-analyses/unresolved/",
        "recurrence_analyses_unresolved",
        UnresolvedParams,
    ),
    _route(f"{API}/recurrence-analyses/", "recurrence_analyses", RecurrenceParams),
]
