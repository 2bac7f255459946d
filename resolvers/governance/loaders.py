"""Batch functions for governance relations: one statement per batch, keys in order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlmodel import col

from gateway.context import Context
from gateway.sql import newest_per_key, table_of
from models.governance import Guardian, GuardianVerdictEvent
from resolvers.batching import all_per_key, one_per_key
from resolvers.governance import guardian_analytics, mcp_sessions
from resolvers.governance.guardian_analytics import Stats
from resolvers.governance.window import Window


async def guardians_by_id(ctx: Context, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
    org_id = await ctx.org_id()
    rows = await ctx.all(
        select(*table_of(Guardian).c).where(
            col(Guardian.org_id) == org_id, col(Guardian.id).in_(keys)
        )
    )
    return one_per_key(rows, keys)


async def verdict_stats_by_guardian(
    ctx: Context, start: datetime, end: datetime, keys: Sequence[uuid.UUID]
) -> list[Stats]:
    """Each guardian's verdict stats over ``[start, end)``: one grouped statement."""
    org_id = await ctx.org_id()
    async with ctx.reading() as conn:
        found = await guardian_analytics.stats_by_guardian(
            conn, org_id=org_id, window=Window(start, end), guardian_ids=list(keys)
        )
    return [found.get(key, Stats()) for key in keys]


async def recent_verdicts_by_guardian(
    ctx: Context, first: int, keys: Sequence[uuid.UUID]
) -> list[list[RowMapping]]:
    """Each guardian's newest ``first`` verdicts (created_at, then id, descending)."""
    org_id = await ctx.org_id()
    events = table_of(GuardianVerdictEvent)
    newest = (col(GuardianVerdictEvent.created_at).desc(), col(GuardianVerdictEvent.id).desc())
    rows = await ctx.all(
        newest_per_key(
            ctx.engine.dialect.name,
            select(*events.c).where(col(GuardianVerdictEvent.org_id) == org_id),
            events.c.guardian_id,
            keys,
            newest,
            first,
        )
    )
    return all_per_key(rows, keys, "guardian_id")


# --- MCP sessions (mcp_sessions.py holds their SQL) ----------------------------------


async def mcp_sessions_by_id(ctx: Context, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
    org_id = await ctx.org_id()
    rows = await ctx.all(mcp_sessions.sessions_of(org_id, keys))
    return one_per_key(rows, keys)


async def mcp_calls_by_session(ctx: Context, keys: Sequence[uuid.UUID]) -> list[list[RowMapping]]:
    """Each session's tool calls in time order."""
    org_id = await ctx.org_id()
    return all_per_key(await ctx.all(mcp_sessions.calls_of(org_id, keys)), keys, "session_id")


async def mcp_counts_by_session(ctx: Context, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
    """Each session's calls and verdict mix; None for a session without calls."""
    org_id = await ctx.org_id()
    rows = await ctx.all(mcp_sessions.counts_of(org_id, keys))
    return one_per_key(rows, keys, "session_id")


async def mcp_tool_counts_by_session(
    ctx: Context, keys: Sequence[uuid.UUID]
) -> list[list[RowMapping]]:
    """Each session's calls counted by tool, most called first."""
    org_id = await ctx.org_id()
    return all_per_key(await ctx.all(mcp_sessions.tool_counts_of(org_id, keys)), keys, "session_id")
