"""Display ids for agent actions: 1, 2, 3, ... per organisation.

Why a counter row rather than ``max(display_id) + 1``: two transactions reading the
maximum at once (PostgreSQL's READ COMMITTED lets them) would draw the same number, and
one insert would fail on the unique constraint. The counter is bumped by one upsert,
``INSERT ... ON CONFLICT (org_id) DO UPDATE SET last = last + n RETURNING last``: on
PostgreSQL the row lock makes a concurrent writer wait and then read the bumped value;
SQLite runs one writer at a time. The lock is held to the end of the inserting
transaction, and a rollback returns the numbers, so ids have no gaps and never repeat.
"""

from __future__ import annotations

import uuid

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.sql import table_of
from models.agents import AgentActionCounter

COUNTERS = table_of(AgentActionCounter)


async def allocate_display_ids(conn: AsyncConnection, *, org_id: uuid.UUID, count: int = 1) -> int:
    """Reserve ``count`` display ids of ``org_id``'s actions; the first of them."""
    if count < 1:
        raise ValueError("count must be at least 1")
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    values = insert(COUNTERS).values(org_id=org_id, last_display_id=count)
    bump = COUNTERS.c.last_display_id + values.excluded.last_display_id
    statement = values.on_conflict_do_update(
        index_elements=[COUNTERS.c.org_id], set_={"last_display_id": bump}
    ).returning(COUNTERS.c.last_display_id)
    last: int = (await conn.execute(statement)).scalar_one()
    return last - count + 1
