"""Batch functions for catalog relations: one statement per batch, keys in order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlmodel import col

from gateway.context import Context
from gateway.sql import newest_per_key, table_of
from models.catalog import Component, Deployment, Environment
from resolvers.batching import all_per_key, one_per_key


async def components_by_id(ctx: Context, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
    org_id = await ctx.org_id()
    rows = await ctx.all(
        select(*table_of(Component).c).where(
            col(Component.org_id) == org_id, col(Component.id).in_(keys)
        )
    )
    return one_per_key(rows, keys)


async def environments_by_id(ctx: Context, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
    org_id = await ctx.org_id()
    rows = await ctx.all(
        select(*table_of(Environment).c).where(
            col(Environment.org_id) == org_id, col(Environment.id).in_(keys)
        )
    )
    return one_per_key(rows, keys)


async def deployments_by_component(
    ctx: Context, first: int, status: str | None, keys: Sequence[uuid.UUID]
) -> list[list[RowMapping]]:
    """The newest ``first`` deployments of each component (optionally of one status)."""
    org_id = await ctx.org_id()
    conditions = [col(Deployment.org_id) == org_id]
    if status is not None:
        conditions.append(col(Deployment.status) == status)
    # Newest N per component, never the whole history: LATERAL ... LIMIT on PostgreSQL.
    rows = await ctx.all(
        newest_per_key(
            ctx.engine.dialect.name,
            select(*table_of(Deployment).c).where(*conditions),
            table_of(Deployment).c.component_id,
            keys,
            (col(Deployment.started_at).desc(), col(Deployment.id).desc()),
            first,
        )
    )
    return all_per_key(rows, keys, "component_id")
