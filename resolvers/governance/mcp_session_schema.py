"""The MCP sessions side's root fields: the sessions page, one session, and the
configuration audit (scope ``mcp:read``).

Both lists take a window ``[from, to)`` with the family's defaults (now - 24 h, now):
a session is in it when its ``started_at`` is, a change when its ``changed_at`` is. A
paged list has no buckets, so the 1,440-bucket rule does not apply: ``to`` must only be
later than ``from``.
"""

from __future__ import annotations

import uuid
from typing import Any

import strawberry

from gateway.compiler.build import Keyset
from gateway.compiler.run import compiled_row
from gateway.context import Info
from gateway.permissions import requires
from gateway.sql import table_of
from models.governance import McpSession as McpSessionRow
from resolvers.common import check_first
from resolvers.governance import config_audit, mcp_sessions
from resolvers.governance.loaders import mcp_sessions_by_id
from resolvers.governance.mcp_session_types import McpSession
from resolvers.governance.types import MCP_READ, ConfigChange
from resolvers.governance.window import From, To, span
from resolvers.pagination import Connection, compiled_or_read


@strawberry.type
class McpSessionQuery:
    @strawberry.field(
        description="MCP sessions that started in [from, to), newest first.",
        extensions=requires(scope=MCP_READ),
    )
    async def mcp_sessions(
        self,
        info: Info,
        from_: From = None,
        to: To = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[McpSession]:
        ctx = info.context
        start, end = span(ctx.now, from_, to)
        org_id = await ctx.org_id()
        first = check_first(first)
        filters: dict[str, Any] = {"start": start, "end": end, "after": after}
        keyset = Keyset(
            table_of(McpSessionRow),
            mcp_sessions.session_conditions(org_id=org_id, **filters),
            mcp_sessions.SESSION_ORDER,
            mcp_sessions.SESSION_CURSOR,
            first,
        )
        return await compiled_or_read(
            info,
            org_id,
            keyset,
            McpSession.from_row,
        )

    @strawberry.field(
        description="One MCP session; null outside the organisation.",
        extensions=requires(scope=MCP_READ),
    )
    async def mcp_session(self, info: Info, id: uuid.UUID) -> McpSession | None:
        org_id = await info.context.org_id()
        table = table_of(McpSessionRow)
        compiled = await compiled_row(
            info, org_id, table, [table.c.org_id == org_id, table.c.id == id]
        )
        if compiled is not None:
            return compiled  # type: ignore[return-value]
        row = await info.context.loaders.get(mcp_sessions_by_id).load(id)
        return McpSession.from_row(row) if row else None

    @strawberry.field(
        description="Configuration changes made in [from, to), newest first.",
        extensions=requires(scope=MCP_READ),
    )
    async def config_audit(
        self,
        info: Info,
        from_: From = None,
        to: To = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[ConfigChange]:
        ctx = info.context
        start, end = span(ctx.now, from_, to)
        org_id = await ctx.org_id()
        first = check_first(first)
        filters: dict[str, Any] = {"start": start, "end": end, "after": after}
        keyset = Keyset(
            config_audit.CHANGES,
            config_audit.change_conditions(org_id=org_id, **filters),
            config_audit.CHANGE_ORDER,
            config_audit.CHANGE_CURSOR,
            first,
        )
        return await compiled_or_read(
            info,
            org_id,
            keyset,
            ConfigChange.from_row,
        )
