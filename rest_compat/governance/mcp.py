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
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, WithJsonSchema, model_validator
from starlette.requests import Request

from gateway.errors import bad_input
from gateway.ids import ROLLUP
from gateway.sql import utcnow
from resolvers.governance.window import DEFAULT_SPAN
from rest_compat.governance.envelope import GOVERNANCE
from rest_compat.governance.ids import RenderIds
from rest_compat.governance.params import Moment, id_reader
from rest_compat.params import BODY, QUERY, RouteParams, Variables, path_id
from rest_compat.routing import RestRoute

MCP_ANALYTICS = "/v1/mcp/analytics"
TIMES = frozenset({"from", "to", "created_at", "finished_at"})


def _later(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and end <= start:
        raise bad_input("to must be later than from", argument="to")


class McpWindow(RouteParams):
    """``[from, to)`` of the summary and tools."""

    from_: Annotated[
        Moment | None,
        QUERY,
        Field(alias="from", description="Window start (inclusive); default now - 24 h."),
    ] = None
    to: Annotated[
        Moment | None, QUERY, Field(description="Window end (exclusive); default now.")
    ] = None

    @model_validator(mode="before")
    @classmethod
    def _default_window(cls, data: Any, info: ValidationInfo) -> Any:
        # Each default on its own, as the governance window's (params.GovernanceWindow).
        if isinstance(data, dict):
            now = (info.context or {}).get("now") or utcnow()
            data = {"to": now, "from": now - DEFAULT_SPAN, **data}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> McpWindow:
        _later(self.from_, self.to)
        return self


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
        _later(self.from_, self.to)
        return self


# A malformed id is a 404 like an unknown one; documented as a UUID or an rlp_ id.
_ROLLUP_ID_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {"type": "string", "format": "uuid"},
            {"type": "string", "pattern": "^rlp_[0-7][0-9A-HJKMNP-TV-Z]{25}$"},
        ],
        "x-expected": "must be a rollup id (rlp_ followed by a ULID) or a UUID",
    }
)


class RollupIdParams(RouteParams):
    rollup_id: Annotated[uuid.UUID, id_reader(ROLLUP), path_id("rollup"), _ROLLUP_ID_SCHEMA]


def zulu(value: Any) -> Any:
    """``value`` with each time under a key of ``TIMES`` written with ``Z`` for UTC."""
    if isinstance(value, dict):
        return {
            key: item.replace("+00:00", "Z")
            if key in TIMES and isinstance(item, str)
            else zulu(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [zulu(item) for item in value]
    return value


def zulu_data(data: dict[str, Any], variables: Variables, request: Request) -> Any:
    return zulu(data.get("data"))


MCP_ROUTES: list[RestRoute] = [
    RestRoute(
        "GET",
        f"{MCP_ANALYTICS}/summary",
        op="mcp_summary",
        family=GOVERNANCE,
        params=McpWindow,
        shape=zulu_data,
    ),
    RestRoute(
        "GET",
        f"{MCP_ANALYTICS}/tools",
        op="mcp_tools",
        family=GOVERNANCE,
        params=McpWindow,
        shape=zulu_data,
    ),
    RestRoute(
        "POST",
        f"{MCP_ANALYTICS}/rollup",
        op="mcp_rollup_request",
        family=GOVERNANCE,
        params=RollupWindow,
        status=202,
        shape=RenderIds(ids={"rollup_id": ROLLUP}),
    ),
    RestRoute(
        "GET",
        f"{MCP_ANALYTICS}/rollup/{{rollup_id}}",
        op="mcp_rollup",
        family=GOVERNANCE,
        params=RollupIdParams,
        shape=RenderIds(ids={"rollup_id": ROLLUP}, then=zulu_data),
    ),
]
