"""Paged reads of knowledge entries, keyset-paginated, scoped to one organisation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, literal, or_, select

from gateway.context import Context
from gateway.errors import bad_input
from gateway.sql import UTCDateTime
from models.knowledge import EntryAuthor, KnowledgeEntry
from resolvers.common import decode_cursor, encode_cursor
from resolvers.pagination import Page, page_of


def _after(cursor: str) -> Any:
    at, last_id = decode_cursor(cursor, 2)
    try:
        moment, last = datetime.fromisoformat(at), uuid.UUID(last_id)
    except ValueError:
        raise bad_input("after is not a valid cursor", argument="after") from None
    created = KnowledgeEntry.created_at
    boundary = literal(moment, UTCDateTime())
    return or_(created < boundary, and_(created == boundary, KnowledgeEntry.id < last))


async def entries(
    ctx: Context,
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
        conditions.append(_after(after))
    rows = await ctx.all(
        select(*KnowledgeEntry.__table__.c)
        .where(*conditions)
        .order_by(KnowledgeEntry.created_at.desc(), KnowledgeEntry.id.desc())
        .limit(first + 1)
    )
    return page_of(rows, first, lambda r: encode_cursor(r["created_at"].isoformat(), r["id"]))
