"""Batch functions for catalog relations: one statement per batch, keys in order."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.engine import RowMapping

from gateway.context import Context
from gateway.sql import inline_limit, keys_parameter, newest_per_key, table_of
from models.catalog import Component, Deployment, Environment
from resolvers.batching import all_per_key, one_per_key

# Built once (per dialect and filter) and given their values per execution: building a
# statement cost a loader more than running it (SQLAlchemy's column collections).
_COMPONENTS = table_of(Component)
_ENVIRONMENTS = table_of(Environment)
_DEPLOYMENTS = table_of(Deployment)
_BY_ID = {
    table.name: select(*table.c).where(
        table.c.org_id == bindparam("org_id"), table.c.id.in_(bindparam("keys", expanding=True))
    )
    for table in (_COMPONENTS, _ENVIRONMENTS)
}
# Newest first, the id breaking ties.
_NEWEST = (_DEPLOYMENTS.c.started_at.desc(), _DEPLOYMENTS.c.id.desc())


@functools.cache
def _newest_deployments(dialect: str, of_status: bool, first: int) -> Select[Any]:
    conditions = [_DEPLOYMENTS.c.org_id == bindparam("org_id")]
    if of_status:
        conditions.append(_DEPLOYMENTS.c.status == bindparam("status"))
    key = _DEPLOYMENTS.c.component_id
    return newest_per_key(
        dialect,
        select(*_DEPLOYMENTS.c).where(*conditions),
        key,
        keys_parameter(dialect, key),
        _NEWEST,
        # In the text, not bound: PostgreSQL then keeps a generic plan for the statement
        # (``inline_limit``). One statement per page size, which check_first bounds.
        inline_limit(first),
    )


async def components_by_id(ctx: Context, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
    values = {"org_id": await ctx.org_id(), "keys": list(keys)}
    return one_per_key(await ctx.all(_BY_ID["components"], values), keys)


async def environments_by_id(ctx: Context, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
    values = {"org_id": await ctx.org_id(), "keys": list(keys)}
    return one_per_key(await ctx.all(_BY_ID["environments"], values), keys)


async def deployments_by_component(
    ctx: Context, first: int, status: str | None, keys: Sequence[uuid.UUID]
) -> list[list[RowMapping]]:
    """The newest ``first`` deployments of each component (optionally of one status)."""
    values = {"org_id": await ctx.org_id(), "keys": list(keys)}
    if status is not None:
        values["status"] = status
    # Newest N per component, never the whole history: LATERAL ... LIMIT on PostgreSQL.
    statement = _newest_deployments(ctx.engine.dialect.name, status is not None, first)
    rows = await ctx.all(statement, values)
    return all_per_key(rows, keys, "component_id")
