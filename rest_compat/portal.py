"""Developer portal (seed 000): /api/v1/analytics, camelCase, JWT, any role."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from resolvers.common import MAX_DAYS
from rest_compat.csv_reports import export_response
from rest_compat.envelopes import CODE_ENVELOPE_SCHEMA, code_envelope
from rest_compat.params import QUERY, RouteParams, Variables, decimal_text
from rest_compat.routing import Family, RestRoute

PORTAL = Family("portal", code_envelope, CODE_ENVELOPE_SCHEMA)
BASE = "/api/v1/analytics"
REPORTS = ("catalog", "dora", "usage")

# The portal is strict: a `days` that is not an integer from 1 to 3650 is a 400.
# (The bounds come before the text check, so that pydantic puts them in the JSON Schema.)
Days = Annotated[
    int,
    Field(ge=1, le=MAX_DAYS, description="The window, in days up to now."),
    BeforeValidator(decimal_text),
    QUERY,
]
OptionalId = Annotated[uuid.UUID | None, QUERY]


class DaysParams(RouteParams):
    days: Days = 30


class DoraParams(DaysParams):
    componentId: OptionalId = Field(None, description="Only this component's deployments.")
    environmentId: OptionalId = Field(None, description="Only this environment's deployments.")


class ExportParams(DaysParams):
    report: Annotated[
        Literal["catalog", "dora", "usage"], QUERY, Field(description="Which report.")
    ]

    def variables(self) -> Variables:
        # One document serves the three reports; it includes only the one asked for.
        return {"days": self.days, **{name: name == self.report for name in REPORTS}}


ROUTES = [
    RestRoute("GET", f"{BASE}/catalog", op="catalog", family=PORTAL),
    RestRoute("GET", f"{BASE}/dora", op="dora", family=PORTAL, params=DoraParams),
    RestRoute("GET", f"{BASE}/usage", op="usage", family=PORTAL, params=DaysParams),
    RestRoute(
        "GET",
        f"{BASE}/export",
        op="export",
        family=PORTAL,
        params=ExportParams,
        shape=export_response,
        media_type="text/csv",
    ),
]
