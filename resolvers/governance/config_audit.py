"""Configuration changes in SQL: the audit page.

A change belongs to a window when its ``changed_at`` is in ``[start, end)``. The page is
newest first on ``(changed_at desc, id desc)``, keyset-paginated.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from gateway.sql import UTCDateTime, table_of
from models.governance import ConfigChange
from resolvers.pagination import Page, newest_first_after, newest_first_cursor, page_of


async def config_changes(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    start: datetime,
    end: datetime,
    first: int,
    after: str | None,
) -> Page:
    """Changes made in ``[start, end)``, newest first, then by id descending."""
    changed, ident = col(ConfigChange.changed_at), col(ConfigChange.id)
    conditions: list[Any] = [
        col(ConfigChange.org_id) == org_id,
        changed >= literal(start, UTCDateTime()),
        changed < literal(end, UTCDateTime()),
    ]
    if after is not None:
        conditions.append(newest_first_after(changed, ident, after))
    statement = (
        select(*table_of(ConfigChange).c)
        .where(*conditions)
        .order_by(changed.desc(), ident.desc())
        .limit(first + 1)
    )
    rows = list((await conn.execute(statement)).mappings())
    return page_of(rows, first, newest_first_cursor("changed_at"))
