"""Batch functions for tenancy objects, keyed by id within the caller's organisation."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from gateway.context import Context
from models.tenancy import Department, User


async def users_by_id(ctx: Context, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
    org_id = await ctx.org_id()
    rows = await ctx.all(select(*User.__table__.c).where(User.org_id == org_id, User.id.in_(keys)))
    found = {row["id"]: row for row in rows}
    return [found.get(key) for key in keys]


async def departments_by_id(ctx: Context, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
    org_id = await ctx.org_id()
    rows = await ctx.all(
        select(*Department.__table__.c).where(Department.org_id == org_id, Department.id.in_(keys))
    )
    found: dict[Any, RowMapping] = {row["id"]: row for row in rows}
    return [found.get(key) for key in keys]
