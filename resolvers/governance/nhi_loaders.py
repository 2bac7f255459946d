"""Batch functions for the NHI reads (``nhi_reads.py`` holds their SQL): one statement per
batch, keys in order, so a page of NHIs costs one statement per relation asked for."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import RowMapping

from gateway.context import Context
from resolvers.batching import all_per_key, one_per_key
from resolvers.governance import nhi_reads
from resolvers.governance.nhi_risk import Risk, risks


async def nhis_by_id(ctx: Context, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
    org_id = await ctx.org_id()
    return one_per_key(await ctx.all(nhi_reads.nhis_of(org_id, keys)), keys)


async def guardians_by_nhi(ctx: Context, keys: Sequence[uuid.UUID]) -> list[list[RowMapping]]:
    """The guardians bound to each NHI, by name."""
    org_id = await ctx.org_id()
    return all_per_key(await ctx.all(nhi_reads.guardians_of(org_id, keys)), keys, "nhi_id")


async def risk_by_nhi(
    ctx: Context, start: datetime, end: datetime, keys: Sequence[uuid.UUID]
) -> list[Risk | None]:
    """Each NHI's risk over ``[start, end)``: the risk core's one statement."""
    org_id = await ctx.org_id()
    async with ctx.reading() as conn:
        found = await risks(conn, org_id=org_id, start=start, end=end, nhi_ids=list(keys))
    by_id = {risk.inputs.nhi_id: risk for risk in found}
    return [by_id.get(key) for key in keys]


async def risk_history_by_nhi(
    ctx: Context, start: datetime, end: datetime, first: int, keys: Sequence[uuid.UUID]
) -> list[list[RowMapping]]:
    """Each NHI's first ``first`` snapshots computed in ``[start, end)``, oldest first."""
    org_id = await ctx.org_id()
    statement = nhi_reads.snapshots_per_nhi(
        ctx.engine.dialect.name, org_id, start, end, keys, first
    )
    return all_per_key(await ctx.all(statement), keys, "nhi_id")


async def mcp_sessions_by_nhi(
    ctx: Context, first: int, keys: Sequence[uuid.UUID]
) -> list[list[RowMapping]]:
    """Each NHI's newest ``first`` MCP sessions."""
    org_id = await ctx.org_id()
    statement = nhi_reads.sessions_per_nhi(ctx.engine.dialect.name, org_id, keys, first)
    return all_per_key(await ctx.all(statement), keys, "nhi_id")
