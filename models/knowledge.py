"""The knowledge base: entries and the people who author or own them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from models.base import check_in, id_field, org_field, timestamp_field

ENTRY_STATUSES = ("active", "needs_review", "archived")
# The most authors an entry may have: a bus-factor answer is about a handful of people,
# and a write names them all in one statement.
MAX_AUTHORS = 100


class KnowledgeEntry(SQLModel, table=True):
    __tablename__ = "knowledge_entries"
    __table_args__ = (
        CheckConstraint(check_in("status", ENTRY_STATUSES), name="ck_knowledge_entries_status"),
        Index("ix_knowledge_entries_org_department", "org_id", "department_id"),
        Index("ix_knowledge_entries_org_status", "org_id", "status"),
    )

    # Columns
    id: uuid.UUID = id_field()
    org_id: uuid.UUID = org_field()
    department_id: uuid.UUID | None = Field(
        default=None, foreign_key="departments.id", ondelete="SET NULL"
    )
    title: str = Field(max_length=500)
    status: str = Field(default="active", max_length=20)
    created_by: uuid.UUID = Field(foreign_key="users.id")
    created_at: datetime = timestamp_field(default_now=True)
    last_reviewed_at: datetime | None = timestamp_field(nullable=True)
    last_reviewed_by: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )


class EntryAuthor(SQLModel, table=True):
    """An author or owner of an entry; the creator is always one."""

    __tablename__ = "entry_authors"
    __table_args__ = (Index("ix_entry_authors_user", "user_id"),)

    # Columns
    entry_id: uuid.UUID = Field(
        foreign_key="knowledge_entries.id", primary_key=True, ondelete="CASCADE"
    )
    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    # Denormalised so that bus-factor counts scan one organisation's rows only.
    org_id: uuid.UUID = org_field()
