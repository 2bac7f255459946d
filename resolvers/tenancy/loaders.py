"""Batch functions for tenancy objects, keyed by id within the caller's organisation."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlmodel import col

from gateway.context import Context
from gateway.sql import table_of
from models.tenancy import Department, User
from resolvers.batching import one_per_key


async def users_by_id(ctx: Context, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
    org_id = await ctx.org_id()
    rows = await ctx.all(
        select(*table_of(User).c).where(col(User.org_id) == org_id, col(User.id).in_(keys))
    )
    return one_per_key(rows, keys)


async def departments_by_id(ctx: Context, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
    org_id = await ctx.org_id()
    rows = await ctx.all(
        select(*table_of(Department).c).where(
            col(Department.org_id) == org_id, col(Department.id).in_(keys)
        )
    )
    return one_per_key(rows, keys)
