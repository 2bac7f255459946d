"""Knowledge analytics (seed 003): bus factor and staleness under /api/v1/analytics.

snake_case JSON (the operations alias every field), JWT, manager or admin (admin for
the check), Growth plan. Errors use the portal's ``{"error": {"code", "message",
"details"?}}`` envelope. A malformed id in the path is a 404 like an unknown one, and
``days`` (query string or JSON body) is lenient: absent, non-integer or < 1 means 30.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from resolvers.common import MAX_DAYS
from rest_compat.envelopes import CODE_ENVELOPE_SCHEMA, code_envelope
from rest_compat.params import BODY, QUERY, RouteParams, path_id
from rest_compat.routing import Family, RestRoute

KNOWLEDGE = Family("knowledge", code_envelope, CODE_ENVELOPE_SCHEMA)
BUS_FACTOR = "/api/v1/analytics/bus-factor"
STALENESS = "/api/v1/analytics/staleness"
DEFAULT_DAYS = 30


def lenient_days(raw: Any) -> int:
    """As the knowledge API documents: absent, non-integer or < 1 silently becomes 30.

    Values above ten years are capped rather than refused, since the doc promises no
    upper bound is enforced (and the answer for 3650 days and more is the same).
    """
    if isinstance(raw, bool):
        return DEFAULT_DAYS
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str):
        try:
            value = int(raw.strip())
        except ValueError:
            return DEFAULT_DAYS
    else:
        return DEFAULT_DAYS
    return DEFAULT_DAYS if value < 1 else min(value, MAX_DAYS)


_DAYS = Field(
    description="Days since the last review from which an entry is stale. Absent, not an "
    "integer or below 1 means 30; above 3650 means 3650.",
)
QueryDays = Annotated[int, QUERY, BeforeValidator(lenient_days), _DAYS]
BodyDays = Annotated[int, BODY, BeforeValidator(lenient_days), _DAYS]


class StalenessParams(RouteParams):
    days: QueryDays = DEFAULT_DAYS


class StalenessCheckParams(RouteParams):
    days: BodyDays = DEFAULT_DAYS


class PersonParams(RouteParams):
    user_id: Annotated[uuid.UUID, path_id("user")]


class DepartmentParams(RouteParams):
    dept_id: Annotated[uuid.UUID, path_id("department")]


ROUTES = [
    RestRoute("GET", f"{BUS_FACTOR}/", op="bus_factor", family=KNOWLEDGE),
    RestRoute(
        "GET",
        f"{BUS_FACTOR}/person/{{user_id}}",
        op="bus_factor_person",
        family=KNOWLEDGE,
        params=PersonParams,
    ),
    RestRoute(
        "GET",
        f"{BUS_FACTOR}/department/{{dept_id}}",
        op="bus_factor_department",
        family=KNOWLEDGE,
        params=DepartmentParams,
    ),
    RestRoute("GET", f"{BUS_FACTOR}/critical", op="bus_factor_critical", family=KNOWLEDGE),
    RestRoute("GET", f"{STALENESS}/", op="stale_entries", family=KNOWLEDGE, params=StalenessParams),
    RestRoute(
        "GET", f"{STALENESS}/stats", op="staleness_stats", family=KNOWLEDGE, params=StalenessParams
    ),
    RestRoute(
        "POST",
        f"{STALENESS}/check",
        op="staleness_check",
        family=KNOWLEDGE,
        params=StalenessCheckParams,
    ),
]
