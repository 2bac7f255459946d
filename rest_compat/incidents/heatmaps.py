"""``heatmap-data/`` (seed 001): ``heatmap_type`` (INCIDENT_FREQUENCY, RESOLUTION_TIME,
COST_IMPACT), ``time_granularity`` (HOUR, DAY, WEEK) and ``days`` (default 30; less than
1 means 30; at most 3,650). A bare list, one object per type x granularity asked (every
one when a parameter is absent): the seed calls it a list and documents no page."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from rest_compat.incidents import API
from rest_compat.incidents.answers import DrfForm
from rest_compat.incidents.envelope import INCIDENTS
from rest_compat.incidents.params import DrfParams
from rest_compat.params import QUERY, decimal_text
from rest_compat.routing import RestRoute

MAX_DAYS = 3650


def _days(value: Any) -> Any:
    # The seed family's rule: days below 1 mean the default.
    value = decimal_text(value)
    return 30 if isinstance(value, int) and value < 1 else value


class HeatmapParams(DrfParams):
    heatmap_type: Annotated[
        Literal["INCIDENT_FREQUENCY", "RESOLUTION_TIME", "COST_IMPACT"] | None, QUERY
    ] = None
    time_granularity: Annotated[Literal["HOUR", "DAY", "WEEK"] | None, QUERY] = None
    days: Annotated[
        int,
        BeforeValidator(_days),
        QUERY,
        Field(le=MAX_DAYS, description="Days back from now (default 30; below 1 means 30)."),
    ] = 30


HEATMAP_ROUTES: list[RestRoute] = [
    RestRoute(
        "GET",
        f"{API}/heatmap-data/",
        op="heatmap_data",
        family=INCIDENTS,
        params=HeatmapParams,
        shape=DrfForm(),
    ),
]
