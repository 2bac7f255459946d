"""Paged reads of knowledge entries, keyset-paginated, scoped to one organisation."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from models.knowledge import EntryAuthor, KnowledgeEntry
from resolvers.pagination import Page, newest_first_after, newest_first_cursor, page_of


async def _all(conn: AsyncConnection, statement: Any) -> list[Any]:
    return list((await conn.execute(statement)).mappings())


async def entries(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    first: int,
    after: str | None,
    status: str | None,
    department_id: uuid.UUID | None,
    author_id: uuid.UUID | None,
) -> Page:
    """Entries, newest created first."""
    conditions: list[Any] = [KnowledgeEntry.org_id == org_id]
    if status is not None:
        conditions.append(KnowledgeEntry.status == status)
    if department_id is not None:
        conditions.append(KnowledgeEntry.department_id == department_id)
    if author_id is not None:
        authored = select(EntryAuthor.entry_id).where(
            EntryAuthor.org_id == org_id, EntryAuthor.user_id == author_id
        )
        conditions.append(KnowledgeEntry.id.in_(authored))
    if after is not None:
        conditions.append(newest_first_after(KnowledgeEntry.created_at, KnowledgeEntry.id, after))
    rows = await _all(
        conn,
        select(*KnowledgeEntry.__table__.c)
        .where(*conditions)
        .order_by(KnowledgeEntry.created_at.desc(), KnowledgeEntry.id.desc())
        .limit(first + 1),
    )
    return page_of(rows, first, newest_first_cursor("created_at"))
