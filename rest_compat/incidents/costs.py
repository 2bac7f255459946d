"""Cost impact analyses under /api/analytics/ (seed 001).

- ``cost-analyses/``: ``cost_type``, ``is_validated``, ``start_date``/``end_date`` (on
  the creation time, both inclusive), with DRF's page, ordering and search (calculation
  method, business unit, validation notes). Amounts and hours are text with two decimals.
- ``cost-analyses/summary/``: the same filters and ``currency`` (three capital letters,
  default USD); the seed's fields, by the rules in ``resolvers/incidents/cost_reads.py``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from models.incidents import CostType
from rest_compat.incidents import API
from rest_compat.incidents.answers import DrfForm
from rest_compat.incidents.envelope import INCIDENTS
from rest_compat.incidents.params import DrfBool, DrfListParams, DrfMoment, DrfParams
from rest_compat.pages import drf_page
from rest_compat.params import QUERY
from rest_compat.routing import RestRoute


class CostFilters(DrfParams):
    cost_type: Annotated[CostType | None, QUERY] = None
    is_validated: DrfBool = None
    start_date: DrfMoment = None
    end_date: DrfMoment = None


class CostListParams(DrfListParams, CostFilters):
    pass


class CostSummaryParams(CostFilters):
    currency: Annotated[
        str,
        QUERY,
        Field(pattern=r"^[A-Z]{3}$", description="ISO 4217: three capital letters."),
    ] = "USD"


COST_ROUTES: list[RestRoute] = [
    # Before any cost-analyses/{id}/ a later issue adds.
    RestRoute(
        "GET",
        f"{API}/cost-analyses/summary/",
        op="cost_summary",
        family=INCIDENTS,
        params=CostSummaryParams,
        shape=DrfForm(),
    ),
    RestRoute(
        "GET",
        f"{API}/cost-analyses/",
        op="cost_analyses",
        family=INCIDENTS,
        params=CostListParams,
        shape=DrfForm(then=drf_page),
    ),
]
