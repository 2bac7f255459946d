"""The MCP analytics root fields: ``mcpSummary``, ``mcpTools``, ``mcpRollup(id)`` and the
``requestMcpRollup`` mutation, all with the ``mcp:read`` scope (seed 002 names it for
every MCP path, the rollup request included).

Windows are ``[from, to)``: ``from`` defaults to now - 24 h, ``to`` to now, and ``to``
must be later than ``from``. There is no bucket, so the 1,440-bucket rule does not
apply; tool calls carry no guardian, environment or tag, so those filters are not taken.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry

from gateway.context import Info
from gateway.errors import not_found
from gateway.permissions import requires
from resolvers.governance import mcp_analytics, rollup
from resolvers.governance.mcp_types import McpRollup, McpSummary, McpTools, McpToolStats
from resolvers.governance.types import MCP_READ
from resolvers.governance.window import From, To, span

GUARD = {"scope": MCP_READ}


@strawberry.type
class McpQuery:
    @strawberry.field(
        description="Tool-call counts by verdict, verdict shares and the top tools by block "
        "rate over [from, to).",
        extensions=requires(**GUARD),
    )
    async def mcp_summary(self, info: Info, from_: From = None, to: To = None) -> McpSummary:
        ctx = info.context
        org_id = await ctx.org_id()
        start, end = span(ctx.now, from_, to)
        async with ctx.reading() as conn:
            data = await mcp_analytics.summary(conn, org_id=org_id, start=start, end=end)
        return McpSummary.from_data(data)

    @strawberry.field(
        description="Every tool called in [from, to) with its counts, block rate, latency "
        "and sessions; by calls descending, then tool.",
        extensions=requires(**GUARD),
    )
    async def mcp_tools(self, info: Info, from_: From = None, to: To = None) -> McpTools:
        ctx = info.context
        org_id = await ctx.org_id()
        start, end = span(ctx.now, from_, to)
        async with ctx.reading() as conn:
            rows = await mcp_analytics.tools(conn, org_id=org_id, start=start, end=end)
        return McpTools(from_=start, to=end, data=[McpToolStats(**row) for row in rows])

    @strawberry.field(
        description="One rollup requested by the organisation; NOT_FOUND for any other id.",
        extensions=requires(**GUARD),
    )
    async def mcp_rollup(self, info: Info, id: uuid.UUID) -> McpRollup:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            row = await rollup.get(conn, org_id=org_id, rollup_id=id)
        if row is None:
            raise not_found("rollup")
        return McpRollup.from_row(row)


@strawberry.type
class McpMutation:
    @strawberry.mutation(
        description="Queue a rollup of [from, to) into hourly rows (the whole UTC hours of "
        "the window that have ended when it runs). Poll mcpRollup(id).",
        extensions=requires(**GUARD),
    )
    async def request_mcp_rollup(
        self,
        info: Info,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
    ) -> McpRollup:
        ctx = info.context
        org_id = await ctx.org_id()
        start, end = span(ctx.now, from_, to)
        async with ctx.writing() as conn:
            job = await rollup.request(conn, org_id=org_id, start=start, end=end, now=ctx.now)
            row = await rollup.get(conn, org_id=org_id, rollup_id=job["id"])
        return McpRollup.from_row(row)
