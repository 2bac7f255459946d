"""The organisation's guardians, by name, keyset-paginated."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from gateway.cursors import decode_cursor, encode_cursor
from gateway.sql import table_of
from models.governance import Guardian
from resolvers.pagination import Page, page_of


def _cursor(row: RowMapping) -> str:
    return encode_cursor(row["name"], row["id"])


def guardian_conditions(
    *,
    org_id: uuid.UUID,
    after: str | None,
    environment: str | None,
    is_active: bool | None,
) -> list[Any]:
    """Which guardians a page holds: the resolver's statement and the compiled one
    (gateway/compiler) both read these."""
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
    return conditions


# Guardians in name order, then id; a cursor holds (name, id).
GUARDIAN_ORDER: tuple[Any, ...] = (col(Guardian.name), col(Guardian.id))
GUARDIAN_CURSOR = ("name", "id")


async def guardians(
    conn: AsyncConnection, *, org_id: uuid.UUID, first: int, **filters: Any
) -> Page:
    """Guardians by name, then id."""
    statement = (
        select(*table_of(Guardian).c)
        .where(*guardian_conditions(org_id=org_id, **filters))
        .order_by(*GUARDIAN_ORDER)
        .limit(first + 1)
    )
    rows = list((await conn.execute(statement)).mappings())
    return page_of(rows, first, _cursor)
