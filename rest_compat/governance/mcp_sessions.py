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

from pydantic import Field
from starlette.requests import Request

from gateway.errors import not_found
from gateway.ids import CONFIG_CHANGE, MCP_SESSION, NHI
from rest_compat.governance.answers import SeedForm
from rest_compat.governance.envelope import GOVERNANCE
from rest_compat.governance.mcp import MCP_ANALYTICS
from rest_compat.governance.params import Span, id_reader, id_schema
from rest_compat.pages import CursorParams, cursor_page
from rest_compat.params import RouteParams, Variables, path_id
from rest_compat.routing import RestRoute

Schema = dict[str, Any]


class ListParams(Span, CursorParams):
    """A window and a cursor page."""


class SessionParams(RouteParams):
    session_id: Annotated[
        uuid.UUID,
        id_reader(MCP_SESSION),
        id_schema(MCP_SESSION, "session"),
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


# A session names its NHI (nhi_…) beside its own id.
SESSION_IDS = {"session_id": MCP_SESSION, "nhi_id": NHI}

SESSION_ROUTES: list[RestRoute] = [
    RestRoute(
        "GET",
        f"{MCP_ANALYTICS}/sessions",
        op="mcp_sessions",
        family=GOVERNANCE,
        params=ListParams,
        shape=SeedForm(ids=SESSION_IDS, then=cursor_page),
    ),
    RestRoute(
        "GET",
        f"{MCP_ANALYTICS}/sessions/{{sessionId}}",
        op="mcp_session",
        family=GOVERNANCE,
        params=SessionParams,
        shape=SeedForm(ids=SESSION_IDS, then=Found("session")),
    ),
    RestRoute(
        "GET",
        f"{MCP_ANALYTICS}/config-audit",
        op="config_audit",
        family=GOVERNANCE,
        params=ListParams,
        shape=SeedForm(ids={"change_id": CONFIG_CHANGE}, then=cursor_page),
    ),
]
