"""The NHI risk reads under /v1/analytics (scope ``nhi:read``).

- ``nhi-risk``: one row per NHI over ``[from, to)`` (default the last 7 days), by
  ``risk_score`` descending, then label, then id; filters ``tier`` (1-4) and
  ``min_score`` (0 to 1); a cursor page (``limit`` 1-1000, default 1000).
- ``nhi-risk-assessment/{id}``: one NHI (``nhi_…`` or a UUID)
  over the same window, its score, every factor with its part, weight and contribution,
  the score's inputs, its open anomalies and recommendations. Unknown, malformed or
  another organisation's: 404.
- ``nhi-risk-assessment/{id}/history``: its risk snapshots computed in ``[from, to)``
  (default the last 30 days), oldest first, as a cursor page (``limit`` 1-1000).

``to`` must be later than ``from``. No bucket, so no 1,440-bucket limit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field
from starlette.requests import Request

from gateway.ids import ANOMALY, GUARDIAN, NHI
from resolvers.governance.nhi_reads import MAX_RISK_PAGE
from resolvers.governance.window import HISTORY_SPAN
from rest_compat.governance.answers import SeedForm
from rest_compat.governance.envelope import GOVERNANCE
from rest_compat.governance.mcp_sessions import Found
from rest_compat.governance.params import NhiSpan, Span, id_reader, id_schema
from rest_compat.pages import CursorParams, cursor_page
from rest_compat.params import QUERY, Variables, decimal_text, path_id
from rest_compat.routing import RestRoute

Schema = dict[str, Any]
ANALYTICS = "/v1/analytics"
NHI_IDS = {"nhi_id": NHI, "guardian_id": GUARDIAN, "anomaly_id": ANOMALY}


class NhiPage(CursorParams):
    """``?cursor=&limit=``, up to 1,000 rows a page (every NHI of most organisations)."""

    limit: Annotated[
        int,
        Field(ge=1, le=MAX_RISK_PAGE, description="Items per page."),
        BeforeValidator(decimal_text),
        QUERY,
    ] = MAX_RISK_PAGE


class RiskParams(NhiSpan, NhiPage):
    tier: Annotated[
        int | None,
        Field(ge=1, le=4, description="Only NHIs of this tier."),
        BeforeValidator(decimal_text),
        QUERY,
    ] = None
    min_score: Annotated[
        float | None,
        Field(ge=0, le=1, allow_inf_nan=False, description="Only NHIs scoring at least this."),
        QUERY,
    ] = None


NhiId = Annotated[
    uuid.UUID,
    id_reader(NHI),
    id_schema(NHI, "NHI"),
    path_id("NHI"),
    Field(description="The NHI: nhi_… or a UUID."),
]


class AssessmentParams(NhiSpan):
    id: NhiId


class HistoryParams(Span, NhiPage):
    """``[from, to)``, by default the last 30 days, and a cursor page."""

    default_span: ClassVar = HISTORY_SPAN

    id: NhiId


@dataclass(frozen=True)
class FoundPage:
    """A cursor page of something that may not be found: null is 404."""

    what: str

    def __call__(self, data: dict[str, Any], variables: Variables, request: Request) -> Any:
        body = Found(self.what)(data, variables, request)
        return cursor_page({"data": body}, variables, request)

    def response_schema(self, data: Schema) -> Schema:
        found = Found(self.what).response_schema(data)
        return cursor_page.response_schema({"properties": {"data": found}})


NHI_ROUTES: list[RestRoute] = [
    RestRoute(
        "GET",
        f"{ANALYTICS}/nhi-risk",
        op="nhi_risk",
        family=GOVERNANCE,
        params=RiskParams,
        shape=SeedForm(ids=NHI_IDS, then=cursor_page),
    ),
    RestRoute(
        "GET",
        f"{ANALYTICS}/nhi-risk-assessment/{{id}}",
        op="nhi_risk_assessment",
        family=GOVERNANCE,
        params=AssessmentParams,
        shape=SeedForm(ids=NHI_IDS, then=Found("NHI")),
    ),
    RestRoute(
        "GET",
        f"{ANALYTICS}/nhi-risk-assessment/{{id}}/history",
        op="nhi_risk_history",
        family=GOVERNANCE,
        params=HistoryParams,
        shape=SeedForm(ids=NHI_IDS, then=FoundPage("NHI")),
    ),
]
