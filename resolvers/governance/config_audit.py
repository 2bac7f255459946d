"""Configuration changes in SQL: the audit page.

A change belongs to a window when its ``changed_at`` is in ``[start, end)``. The page is
newest first on ``(changed_at desc, id desc)``, keyset-paginated.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.sql import table_of
from models.governance import ConfigChange
from resolvers.pagination import Page, newest_first_in_window


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
    return await newest_first_in_window(
        conn,
        table_of(ConfigChange),
        "changed_at",
        org_id=org_id,
        start=start,
        end=end,
        first=first,
        after=after,
    )
