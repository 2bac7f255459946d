"""Knowledge analytics (seed 003): bus factor and staleness under /api/v1/analytics.

snake_case JSON (the operations alias every field), JWT, manager or admin (admin for
the check), Growth plan. Errors use the portal's ``{"error": {"code", "message",
"details"?}}`` envelope. A malformed id in the path is a 404 like an unknown one, and
``days`` (query string or JSON body) is lenient: absent, non-integer or < 1 means 30.
"""

from __future__ import annotations

from rest_compat.envelopes import code_envelope
from rest_compat.params import body, lenient_days, path, query, uuid_or_404
from rest_compat.routing import Family, RestRoute

KNOWLEDGE = Family("knowledge", code_envelope)
BUS_FACTOR = "/api/v1/analytics/bus-factor"
STALENESS = "/api/v1/analytics/staleness"

ROUTES = [
    RestRoute("GET", f"{BUS_FACTOR}/", op="bus_factor", family=KNOWLEDGE),
    RestRoute(
        "GET",
        f"{BUS_FACTOR}/person/{{user_id}}",
        op="bus_factor_person",
        family=KNOWLEDGE,
        params=path(user_id=uuid_or_404("user")),
    ),
    RestRoute(
        "GET",
        f"{BUS_FACTOR}/department/{{dept_id}}",
        op="bus_factor_department",
        family=KNOWLEDGE,
        params=path(dept_id=uuid_or_404("department")),
    ),
    RestRoute("GET", f"{BUS_FACTOR}/critical", op="bus_factor_critical", family=KNOWLEDGE),
    RestRoute(
        "GET",
        f"{STALENESS}/",
        op="stale_entries",
        family=KNOWLEDGE,
        params=query(days=lenient_days()),
    ),
    RestRoute(
        "GET",
        f"{STALENESS}/stats",
        op="staleness_stats",
        family=KNOWLEDGE,
        params=query(days=lenient_days()),
    ),
    RestRoute(
        "POST",
        f"{STALENESS}/check",
        op="staleness_check",
        family=KNOWLEDGE,
        params=body(days=lenient_days()),
    ),
]
