"""KPI loaders: per-request batches over every metric of an answer."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.engine import RowMapping

from gateway.context import Context
from resolvers.batching import all_per_key
from resolvers.incidents import kpi_reads


async def measurement_count_by_metric(ctx: Context, keys: Sequence[uuid.UUID]) -> list[int]:
    org_id = await ctx.org_id()
    rows = await ctx.all(kpi_reads.measurement_counts(org_id, keys))
    counts = {row["metric_id"]: row["count"] for row in rows}
    return [int(counts.get(key, 0)) for key in keys]


async def measurements_by_metric(
    ctx: Context, first: int, keys: Sequence[uuid.UUID]
) -> list[list[RowMapping]]:
    """Each metric's ``first`` newest measurements, newest first."""
    org_id = await ctx.org_id()
    dialect = ctx.engine.dialect.name
    rows = await ctx.all(kpi_reads.newest_measurements(dialect, org_id, keys, first))
    return all_per_key(rows, keys, "metric_id")


async def username_by_user(ctx: Context, keys: Sequence[uuid.UUID]) -> list[str | None]:
    org_id = await ctx.org_id()
    rows = await ctx.all(kpi_reads.usernames(org_id, keys))
    found = {row["id"]: row["username"] for row in rows}
    return [found.get(key) for key in keys]
