"""Organisations, departments, users and API keys: who may see what."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import check_in, id_field, org_field, timestamp_field

PLANS = ("free", "starter", "growth", "enterprise")
ROLES = ("member", "manager", "admin")


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"
    __table_args__ = (CheckConstraint(check_in("plan", PLANS), name="ck_organizations_plan"),)

    # Columns
    id: uuid.UUID = id_field()
    name: str = Field(max_length=200)
    plan: str = Field(default="growth", max_length=20)
    subscription_active: bool = True
    # Set only while the organisation is on a trial; a paying organisation has none.
    trial_ends_at: datetime | None = timestamp_field(nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


class Department(SQLModel, table=True):
    __tablename__ = "departments"
    __table_args__ = (Index("ix_departments_org_name", "org_id", "name"),)

    # Columns
    id: uuid.UUID = id_field()
    org_id: uuid.UUID = org_field()
    name: str = Field(max_length=200)


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(check_in("role", ROLES), name="ck_users_role"),
        UniqueConstraint("org_id", "username", name="uq_users_org_username"),
        Index("ix_users_org_department", "org_id", "department_id"),
    )

    # Columns
    id: uuid.UUID = id_field()
    org_id: uuid.UUID = org_field()
    username: str = Field(max_length=100)
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    role: str = Field(default="member", max_length=20)
    is_active: bool = True
    department_id: uuid.UUID | None = Field(
        default=None, foreign_key="departments.id", ondelete="SET NULL"
    )
    created_at: datetime = timestamp_field(default_now=True)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    # Columns
    id: uuid.UUID = id_field()
    org_id: uuid.UUID = org_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    name: str = Field(default="", max_length=200)
    # SHA-256 of the key: keys are long random strings, so a fast hash is enough
    # and lets the lookup be one indexed equality.
    key_hash: str = Field(max_length=64, unique=True, index=True)
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = timestamp_field(default_now=True)
    revoked_at: datetime | None = timestamp_field(nullable=True)
