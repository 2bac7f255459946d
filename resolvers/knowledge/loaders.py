"""Batch functions for knowledge relations: one statement per batch, keys in order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import and_, select
from sqlalchemy.engine import RowMapping
from sqlmodel import col

from gateway.context import Context
from gateway.sql import newest_per_key, table_of
from models.knowledge import EntryAuthor, KnowledgeEntry
from models.tenancy import User
from resolvers.batching import all_per_key, one_per_key


async def entries_by_id(ctx: Context, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
    org_id = await ctx.org_id()
    rows = await ctx.all(
        select(*table_of(KnowledgeEntry).c).where(
            col(KnowledgeEntry.org_id) == org_id, col(KnowledgeEntry.id).in_(keys)
        )
    )
    return one_per_key(rows, keys)


async def authors_by_entry(ctx: Context, keys: Sequence[uuid.UUID]) -> list[list[RowMapping]]:
    """The users who author or own each entry, by name."""
    org_id = await ctx.org_id()
    rows = await ctx.all(
        select(col(EntryAuthor.entry_id), *table_of(User).c)
        .join(
            User,
            and_(
                col(User.id) == col(EntryAuthor.user_id),
                col(User.org_id) == col(EntryAuthor.org_id),
            ),
        )
        .where(col(EntryAuthor.org_id) == org_id, col(EntryAuthor.entry_id).in_(keys))
        .order_by(col(User.name), col(User.id))
    )
    return all_per_key(rows, keys, "entry_id")


async def entries_by_author(
    ctx: Context, include_archived: bool, first: int, keys: Sequence[uuid.UUID]
) -> list[list[RowMapping]]:
    """The newest ``first`` entries each user authors or owns."""
    org_id = await ctx.org_id()
    conditions = [col(EntryAuthor.org_id) == org_id]
    if not include_archived:
        conditions.append(col(KnowledgeEntry.status) != "archived")
    authored = (
        select(col(EntryAuthor.user_id).label("author_id"), *table_of(KnowledgeEntry).c)
        .join(
            KnowledgeEntry,
            and_(
                col(KnowledgeEntry.id) == col(EntryAuthor.entry_id),
                col(KnowledgeEntry.org_id) == col(EntryAuthor.org_id),
            ),
        )
        .where(*conditions)
    )
    newest = (col(KnowledgeEntry.created_at).desc(), col(KnowledgeEntry.id).desc())
    rows = await ctx.all(
        newest_per_key(
            ctx.engine.dialect.name,
            authored,
            table_of(EntryAuthor).c.user_id,
            keys,
            newest,
            first,
        )
    )
    return all_per_key(rows, keys, "author_id")
