"""The knowledge base: entries and the people who author or own them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError
from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from models.base import (
    TenantRow,
    check_in,
    choice_field,
    not_null,
    org_field,
    timestamp_field,
    trimmed,
)

EntryStatus = Literal["active", "needs_review", "archived"]
ENTRY_STATUSES: tuple[str, ...] = get_args(EntryStatus)
# The most authors an entry may have: a bus-factor answer is about a handful of people,
# and a write names them all in one statement.
MAX_AUTHORS = 100


class KnowledgeEntryBase(SQLModel):
    department_id: uuid.UUID | None = Field(
        default=None, foreign_key="departments.id", ondelete="SET NULL"
    )
    title: str = Field(min_length=1, max_length=500)


class KnowledgeEntry(KnowledgeEntryBase, TenantRow, table=True):
    __tablename__ = "knowledge_entries"
    __table_args__ = (
        CheckConstraint(check_in("status", ENTRY_STATUSES), name="ck_knowledge_entries_status"),
        Index("ix_knowledge_entries_org_department", "org_id", "department_id"),
        Index("ix_knowledge_entries_org_status", "org_id", "status"),
    )

    # Columns (id and org_id first, then KnowledgeEntryBase's)
    status: EntryStatus = choice_field(20, default="active")
    created_by: uuid.UUID = Field(foreign_key="users.id")
    created_at: datetime = timestamp_field(default_now=True)
    last_reviewed_at: datetime | None = timestamp_field(nullable=True)
    last_reviewed_by: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )


def _at_most_authors(user_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    if len(user_ids) > MAX_AUTHORS:
        raise PydanticCustomError("rule", f"an entry has at most {MAX_AUTHORS} authors")
    return user_ids


# Authors besides the creator, who is always one.
AuthorIds = Annotated[list[uuid.UUID], AfterValidator(_at_most_authors)]


class KnowledgeEntryCreate(KnowledgeEntryBase):
    author_ids: AuthorIds = []

    _trim = trimmed("title")


class KnowledgeEntryUpdate(SQLModel):
    department_id: uuid.UUID | None = None
    title: str | None = Field(default=None, min_length=1, max_length=500)
    # The full set of authors; the creator always stays one.
    author_ids: AuthorIds | None = None

    _trim = trimmed("title")
    _not_null = not_null("title", "author_ids")


class EntryAuthorBase(SQLModel):
    entry_id: uuid.UUID = Field(
        foreign_key="knowledge_entries.id", primary_key=True, ondelete="CASCADE"
    )
    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")


class EntryAuthor(EntryAuthorBase, table=True):
    """An author or owner of an entry; the creator is always one."""

    __tablename__ = "entry_authors"
    __table_args__ = (Index("ix_entry_authors_user", "user_id"),)

    # Columns (EntryAuthorBase's first)
    # Denormalised so that bus-factor counts scan one organisation's rows only.
    org_id: uuid.UUID = org_field()
