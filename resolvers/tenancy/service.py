"""Tenancy's reads and writes: plain functions over a connection.

Tenancy has no audit family (the audit log is per family, and an API key belongs to no
family's subjects), so its writes record none.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.auth import hash_api_key, new_api_key
from gateway.sql import table_of
from models.tenancy import ApiKey, ApiKeyCreate, Organization

API_KEY = table_of(ApiKey)
ORGANIZATION = table_of(Organization)


async def organization(conn: AsyncConnection, *, org_id: uuid.UUID) -> RowMapping | None:
    """The organisation's row."""
    statement = select(*ORGANIZATION.c).where(ORGANIZATION.c.id == org_id)
    return (await conn.execute(statement)).mappings().first()


async def create_api_key(
    conn: AsyncConnection, *, org_id: uuid.UUID, now: datetime, data: ApiKeyCreate
) -> tuple[RowMapping, str]:
    """A new key for a user of the organisation: its row and the key, shown only now
    (only its hash is stored)."""
    key = new_api_key()
    values = {
        "id": uuid.uuid4(),
        "org_id": org_id,
        **data.model_dump(),
        "key_hash": hash_api_key(key),
        "created_at": now,
    }
    row = (await conn.execute(insert(API_KEY).values(**values).returning(*API_KEY.c))).mappings()
    return row.one(), key
