"""Batch functions for catalog relations: one statement per batch, keys in order."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.engine import RowMapping

from gateway.context import Context
from models.catalog import Component, Deployment, Environment


async def components_by_id(ctx: Context, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
    org_id = await ctx.org_id()
    rows = await ctx.all(
        select(*Component.__table__.c).where(Component.org_id == org_id, Component.id.in_(keys))
    )
    found = {row["id"]: row for row in rows}
    return [found.get(key) for key in keys]


async def environments_by_id(ctx: Context, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
    org_id = await ctx.org_id()
    rows = await ctx.all(
        select(*Environment.__table__.c).where(
            Environment.org_id == org_id, Environment.id.in_(keys)
        )
    )
    found = {row["id"]: row for row in rows}
    return [found.get(key) for key in keys]


async def deployments_by_component(
    ctx: Context, first: int, status: str | None, keys: Sequence[uuid.UUID]
) -> list[list[RowMapping]]:
    """The newest ``first`` deployments of each component (optionally of one status)."""
    org_id = await ctx.org_id()
    conditions = [Deployment.org_id == org_id, Deployment.component_id.in_(keys)]
    if status is not None:
        conditions.append(Deployment.status == status)
    rank = (
        func.row_number()
        .over(
            partition_by=Deployment.component_id,
            order_by=(Deployment.started_at.desc(), Deployment.id.desc()),
        )
        .label("rank")
    )
    ranked = select(*Deployment.__table__.c, rank).where(*conditions).subquery()
    rows = await ctx.all(select(ranked).where(ranked.c.rank <= first).order_by(ranked.c.rank))
    grouped: defaultdict[uuid.UUID, list[RowMapping]] = defaultdict(list)
    for row in rows:
        grouped[row["component_id"]].append(row)
    return [grouped[key] for key in keys]
