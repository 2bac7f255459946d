"""MCP sessions and the configuration audit under /v1/mcp/analytics (scope ``mcp:read``).

- ``sessions``: sessions that started in ``[from, to)``, newest first, as a cursor page
  (``limit`` 1-200, default 50; ``cursor`` is the previous page's ``next_cursor``).
- ``sessions/{sessionId}``: one session (``mcs_…`` or a UUID), its calls in time order and
  its calls counted by tool. Unknown, malformed or another organisation's: 404.
- ``config-audit``: changes made in ``[from, to)``, newest first, as a cursor page.

``from``/``to`` default to now - 24 h and now; ``to`` must be later than ``from``. A list
has no buckets, so no 1,440-bucket limit applies.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, WithJsonSchema, model_validator
from starlette.requests import Request

from gateway.errors import bad_input, not_found
from gateway.ids import CONFIG_CHANGE, MCP_SESSION
from resolvers.governance.window import DEFAULT_SPAN
from rest_compat.governance.envelope import GOVERNANCE
from rest_compat.governance.ids import RenderIds
from rest_compat.governance.mcp import MCP_ANALYTICS
from rest_compat.governance.params import Moment, id_reader
from rest_compat.governance.seed_times import zulu
from rest_compat.pages import CursorParams, cursor_page
from rest_compat.params import QUERY, RouteParams, Variables, path_id
from rest_compat.routing import RestRoute, ShapeFn

Schema = dict[str, Any]


class ListWindow(RouteParams):
    """``from`` (inclusive) and ``to`` (exclusive) of a paged list."""

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
        # The family's defaults, each on its own, as GovernanceWindow reads them.
        if isinstance(data, dict):
            now = (info.context or {})["now"]
            data = {"to": now, "from": now - DEFAULT_SPAN, **data}
        return data

    @model_validator(mode="after")
    def _window_rule(self) -> ListWindow:
        if self.from_ is not None and self.to is not None and self.to <= self.from_:
            raise bad_input("to must be later than from", argument="to")
        return self


class ListParams(ListWindow, CursorParams):
    """A window and a cursor page."""


# The JSON Schema says both spellings, so the document lists the 404 an id path answers
# and a generated request may try either.
_SESSION_ID_SCHEMA = {
    "anyOf": [
        {"type": "string", "format": "uuid"},
        {"type": "string", "pattern": f"^{MCP_SESSION}_[0-7][0-9A-HJKMNP-TV-Z]{{25}}$"},
    ],
    "x-expected": f"must be a session id ({MCP_SESSION}_ followed by a ULID) or a UUID",
}


class SessionParams(RouteParams):
    session_id: Annotated[
        uuid.UUID,
        id_reader(MCP_SESSION),
        WithJsonSchema(_SESSION_ID_SCHEMA),
        path_id("session"),
        Field(alias="sessionId", description="The session: mcs_… or a UUID."),
    ]


@dataclass(frozen=True)
class Found:
    """The operation's answer, or 404 when the field answered null (not in the
    organisation)."""

    what: str

    def __call__(self, data: dict[str, Any], variables: Variables, request: Request) -> Any:
        body = data.get("data")
        if body is None:
            raise not_found(self.what)
        return body

    def response_schema(self, data: Schema) -> Schema:
        body = data["properties"]["data"]
        options = [s for s in body.get("anyOf", [body]) if s.get("type") != "null"]
        return dict(options[0])


@dataclass(frozen=True)
class InZulu:
    """A shaper: what ``then`` makes of the answer, its times in the seed's ``Z`` form
    (``seed_times.py``), as the guardian paths answer them."""

    then: ShapeFn
    keys: frozenset[str] = frozenset({"started_at", "created_at", "changed_at"})

    def __call__(self, data: dict[str, Any], variables: Variables, request: Request) -> Any:
        return zulu(self.then(data, variables, request), self.keys)

    def response_schema(self, data: Schema) -> Schema:
        return dict(self.then.response_schema(data))  # type: ignore[attr-defined]


SESSION_ROUTES: list[RestRoute] = [
    RestRoute(
        "GET",
        f"{MCP_ANALYTICS}/sessions",
        op="mcp_sessions",
        family=GOVERNANCE,
        params=ListParams,
        shape=RenderIds(ids={"session_id": MCP_SESSION}, then=InZulu(cursor_page)),
    ),
    RestRoute(
        "GET",
        f"{MCP_ANALYTICS}/sessions/{{sessionId}}",
        op="mcp_session",
        family=GOVERNANCE,
        params=SessionParams,
        shape=RenderIds(ids={"session_id": MCP_SESSION}, then=InZulu(Found("session"))),
    ),
    RestRoute(
        "GET",
        f"{MCP_ANALYTICS}/config-audit",
        op="config_audit",
        family=GOVERNANCE,
        params=ListParams,
        shape=RenderIds(ids={"change_id": CONFIG_CHANGE}, then=InZulu(cursor_page)),
    ),
]
