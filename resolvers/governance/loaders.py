"""Batch functions for governance relations: one statement per batch, keys in order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlmodel import col

from gateway.context import Context
from gateway.sql import table_of
from models.governance import Guardian


async def guardians_by_id(ctx: Context, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
    org_id = await ctx.org_id()
    rows = await ctx.all(
        select(*table_of(Guardian).c).where(
            col(Guardian.org_id) == org_id, col(Guardian.id).in_(keys)
        )
    )
    found = {row["id"]: row for row in rows}
    return [found.get(key) for key in keys]
