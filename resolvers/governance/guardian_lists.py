"""The organisation's guardians, by name, keyset-paginated."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from gateway.sql import table_of
from models.governance import Guardian
from resolvers.common import decode_cursor, encode_cursor
from resolvers.pagination import Page, page_of


def _cursor(row: RowMapping) -> str:
    return encode_cursor(row["name"], row["id"])


async def guardians(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    first: int,
    after: str | None,
    environment: str | None,
    is_active: bool | None,
) -> Page:
    """Guardians by name, then id."""
    conditions: list[Any] = [col(Guardian.org_id) == org_id]
    if environment is not None:
        conditions.append(col(Guardian.environment) == environment)
    if is_active is not None:
        conditions.append(col(Guardian.is_active) == is_active)
    if after is not None:
        name, last = decode_cursor(after, str, uuid.UUID)
        conditions.append(
            or_(
                col(Guardian.name) > name,
                and_(col(Guardian.name) == name, col(Guardian.id) > last),
            )
        )
    statement = (
        select(*table_of(Guardian).c)
        .where(*conditions)
        .order_by(col(Guardian.name), col(Guardian.id))
        .limit(first + 1)
    )
    rows = list((await conn.execute(statement)).mappings())
    return page_of(rows, first, _cursor)
