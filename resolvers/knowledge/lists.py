"""Paged reads of knowledge entries, keyset-paginated, scoped to one organisation."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from models.knowledge import EntryAuthor, KnowledgeEntry
from resolvers.pagination import newest_first_after


async def _all(conn: AsyncConnection, statement: Any) -> list[Any]:
    return list((await conn.execute(statement)).mappings())


def entry_conditions(
    *,
    org_id: uuid.UUID,
    after: str | None,
    status: str | None,
    department_id: uuid.UUID | None,
    author_id: uuid.UUID | None,
) -> list[Any]:
    """Which entries a page holds (read by the resolver and the compiler alike)."""
    conditions: list[Any] = [col(KnowledgeEntry.org_id) == org_id]
    if status is not None:
        conditions.append(col(KnowledgeEntry.status) == status)
    if department_id is not None:
        conditions.append(col(KnowledgeEntry.department_id) == department_id)
    if author_id is not None:
        authored = select(col(EntryAuthor.entry_id)).where(
            col(EntryAuthor.org_id) == org_id, col(EntryAuthor.user_id) == author_id
        )
        conditions.append(col(KnowledgeEntry.id).in_(authored))
    if after is not None:
        conditions.append(
            newest_first_after(col(KnowledgeEntry.created_at), col(KnowledgeEntry.id), after)
        )
    return conditions


# Entries newest created first; a cursor holds (created_at, id).
ENTRY_ORDER: tuple[Any, ...] = (
    col(KnowledgeEntry.created_at).desc(),
    col(KnowledgeEntry.id).desc(),
)
ENTRY_CURSOR = ("created_at", "id")
