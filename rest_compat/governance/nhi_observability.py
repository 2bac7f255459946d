"""GET /v1/analytics/nhi-observability (scope ``nhi:read``): each NHI's activity over
``[from, to)`` (default the last 7 days), the totals over every NHI and an hourly or
daily series.

``bucket`` is ``1h`` (default) or ``1d``; another size is a 400, a window longer than
1,440 buckets a 422. ``nhi_id`` (``nhi_…`` or a UUID) keeps one NHI: rows, totals and
series are then that NHI's alone, and an unknown one (or another organisation's) answers
no rows and zero totals, as the family's other filters do. The rows are a cursor page
by label then id (``limit`` 1-1000, default 100: a page's estimated query cost grows
with it); totals and the series cover every NHI whatever the page.
"""

from __future__ import annotations

import uuid
from typing import Annotated, ClassVar, Literal

from pydantic import BeforeValidator, Field, model_validator

from gateway.ids import NHI
from resolvers.governance.nhi_observability_schema import DEFAULT_ROWS, MAX_ROWS
from resolvers.governance.window import check_window
from rest_compat.governance.answers import SeedForm
from rest_compat.governance.envelope import GOVERNANCE
from rest_compat.governance.params import NhiSpan, id_reader, id_schema
from rest_compat.pages import CursorParams, cursor_page
from rest_compat.params import QUERY, decimal_text
from rest_compat.routing import RestRoute

NHI_ANALYTICS = "/v1/analytics"

NhiId = Annotated[uuid.UUID, id_reader(NHI), id_schema(NHI, "non-human identity")]


class ObservabilityParams(NhiSpan, CursorParams):
    refusals: ClassVar[frozenset[int]] = frozenset({422})

    bucket: Annotated[
        Literal["1h", "1d"], QUERY, Field(description="The series' bucket: hourly or daily.")
    ] = "1h"
    nhi_id: Annotated[NhiId | None, QUERY, Field(description="Only this NHI.")] = None
    limit: Annotated[
        int,
        Field(ge=1, le=MAX_ROWS, description="NHI rows per page."),
        BeforeValidator(decimal_text),
        QUERY,
    ] = DEFAULT_ROWS

    @model_validator(mode="after")
    def _window_rules(self) -> ObservabilityParams:
        check_window(self.start, self.end, self.bucket)
        return self


OBSERVABILITY_ROUTES: list[RestRoute] = [
    RestRoute(
        "GET",
        f"{NHI_ANALYTICS}/nhi-observability",
        op="nhi_observability",
        family=GOVERNANCE,
        params=ObservabilityParams,
        shape=SeedForm(ids={"nhi_id": NHI}, then=cursor_page),
    ),
]
