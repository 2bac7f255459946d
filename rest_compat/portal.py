"""Developer portal (seed 000): /api/v1/analytics, camelCase, JWT, any role."""

from __future__ import annotations

from rest_compat.csv_reports import export_response
from rest_compat.envelopes import code_envelope
from rest_compat.params import choice, merged, optional_uuid, positive_int, query
from rest_compat.routing import Family, RestRoute, Variables

PORTAL = Family("portal", code_envelope)
BASE = "/api/v1/analytics"
REPORTS = ("catalog", "dora", "usage")


def _report_flags(variables: Variables) -> Variables:
    report = variables.pop("report")
    return {**variables, **{name: name == report for name in REPORTS}}


ROUTES = [
    RestRoute("GET", f"{BASE}/catalog", op="catalog", family=PORTAL),
    RestRoute(
        "GET",
        f"{BASE}/dora",
        op="dora",
        family=PORTAL,
        params=query(days=positive_int(30), componentId=optional_uuid, environmentId=optional_uuid),
    ),
    RestRoute(
        "GET", f"{BASE}/usage", op="usage", family=PORTAL, params=query(days=positive_int(30))
    ),
    RestRoute(
        "GET",
        f"{BASE}/export",
        op="export",
        family=PORTAL,
        params=merged(query(report=choice(REPORTS), days=positive_int(30)), then=_report_flags),
        shape=export_response,
    ),
]
