"""The agent console's query parameters, as FastAPI reads ``days: int = 7``: an integer
(ASCII digits), else 422. The window is 1 to 3,650 days (ten years), as everywhere in
the gateway; the seed documents no bound, and FastAPI's own default would take any."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BeforeValidator, Field

from rest_compat.params import QUERY, RouteParams, decimal_text

MAX_DAYS = 3650


class TrendParams(RouteParams):
    days: Annotated[
        int,
        BeforeValidator(decimal_text),
        QUERY,
        Field(ge=1, le=MAX_DAYS, description="Whole UTC days back, today included (default 7)."),
    ] = 7


class DashboardParams(RouteParams):
    days: Annotated[
        int,
        BeforeValidator(decimal_text),
        QUERY,
        Field(ge=1, le=MAX_DAYS, description="The period's length in days (default 30)."),
    ] = 30


class DebugParams(RouteParams):
    """No parameters; a 404 while the debug endpoints are off (GATEWAY_DEBUG_ENDPOINTS)."""

    refusals: ClassVar[frozenset[int]] = frozenset({404})
