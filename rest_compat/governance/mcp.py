"""MCP tool-call analytics under /v1/mcp/analytics (scope ``mcp:read``).

``summary`` and ``tools`` read ``from``/``to`` only (RFC 3339; default now - 24 h and
now; ``to`` after ``from`` or 400). They have no buckets, so the 1,440-bucket rule does
not apply, and tool calls carry no guardian, environment or tag: those parameters are
not read. ``POST rollup`` takes ``{from, to}`` in a JSON body, both required, and answers
202 with a ``rlp_`` id; ``GET rollup/{rollup_id}`` (not in the seed) reads one back.
Times are answered as the seed writes them, ``2026-05-01T00:00:00Z``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from gateway.ids import ROLLUP
from resolvers.governance.window import check_order
from rest_compat.governance.answers import SeedForm
from rest_compat.governance.envelope import GOVERNANCE
from rest_compat.governance.params import Moment, Span, id_reader, id_schema
from rest_compat.params import BODY, RouteParams, path_id
from rest_compat.routing import RestRoute

MCP_ANALYTICS = "/v1/mcp/analytics"


# The summary's and the tools' window: from/to only, no bucket (no 1,440-bucket rule).
McpWindow = Span


def _text(value: Any) -> Any:
    # JSON numbers are no RFC 3339 date-time (pydantic would read them as Unix time).
    if not isinstance(value, str):
        raise ValueError("not an RFC 3339 date-time")
    return value


BodyMoment = Annotated[Moment, BeforeValidator(_text)]


class RollupWindow(RouteParams):
    """The body of ``POST rollup``: both ends required."""

    from_: Annotated[
        BodyMoment,
        BODY,
        Field(alias="from", description="Window start (inclusive), RFC 3339."),
    ]
    to: Annotated[BodyMoment, BODY, Field(description="Window end (exclusive), RFC 3339.")]

    @model_validator(mode="after")
    def _ordered(self) -> RollupWindow:
        check_order(self.from_, self.to)
        return self


class RollupIdParams(RouteParams):
    # A malformed id is a 404 like an unknown one.
    rollup_id: Annotated[
        uuid.UUID, id_reader(ROLLUP), path_id("rollup"), id_schema(ROLLUP, "rollup")
    ]


MCP_ROUTES: list[RestRoute] = [
    RestRoute(
        "GET",
        f"{MCP_ANALYTICS}/summary",
        op="mcp_summary",
        family=GOVERNANCE,
        params=McpWindow,
        shape=SeedForm(),
    ),
    RestRoute(
        "GET",
        f"{MCP_ANALYTICS}/tools",
        op="mcp_tools",
        family=GOVERNANCE,
        params=McpWindow,
        shape=SeedForm(),
    ),
    RestRoute(
        "POST",
        f"{MCP_ANALYTICS}/rollup",
        op="mcp_rollup_request",
        family=GOVERNANCE,
        params=RollupWindow,
        status=202,
        shape=SeedForm(ids={"rollup_id": ROLLUP}),
    ),
    RestRoute(
        "GET",
        f"{MCP_ANALYTICS}/rollup/{{rollup_id}}",
        op="mcp_rollup",
        family=GOVERNANCE,
        params=RollupIdParams,
        shape=SeedForm(ids={"rollup_id": ROLLUP}),
    ),
]
