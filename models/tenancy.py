"""Organisations, departments, users and API keys: who may see what."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, get_args

from pydantic import StringConstraints
from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import IdRow, Moment, TenantRow, check_in, choice_field, timestamp_field

Plan = Literal["free", "starter", "growth", "enterprise"]
Role = Literal["member", "manager", "admin"]
PLANS: tuple[str, ...] = get_args(Plan)
ROLES: tuple[str, ...] = get_args(Role)
Scope = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class OrganizationBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    plan: Plan = choice_field(20, default="growth")
    subscription_active: bool = True
    # Set only while the organisation is on a trial; a paying organisation has none.
    trial_ends_at: Moment | None = timestamp_field(nullable=True)


class Organization(OrganizationBase, IdRow, table=True):
    __tablename__ = "organizations"
    __table_args__ = (CheckConstraint(check_in("plan", PLANS), name="ck_organizations_plan"),)

    # Columns (id first, then OrganizationBase's)
    created_at: datetime = timestamp_field(default_now=True)


class DepartmentBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)


class Department(DepartmentBase, TenantRow, table=True):
    __tablename__ = "departments"
    __table_args__ = (Index("ix_departments_org_name", "org_id", "name"),)


class UserBase(SQLModel):
    username: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=1, max_length=320)
    role: Role = choice_field(20, default="member")
    is_active: bool = True
    department_id: uuid.UUID | None = Field(
        default=None, foreign_key="departments.id", ondelete="SET NULL"
    )


class User(UserBase, TenantRow, table=True):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(check_in("role", ROLES), name="ck_users_role"),
        UniqueConstraint("org_id", "username", name="uq_users_org_username"),
        Index("ix_users_org_department", "org_id", "department_id"),
    )

    # Columns (id and org_id first, then UserBase's)
    created_at: datetime = timestamp_field(default_now=True)


class ApiKeyBase(SQLModel):
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    # May be empty: a label is optional.
    name: str = Field(default="", max_length=200)


class ApiKey(ApiKeyBase, TenantRow, table=True):
    __tablename__ = "api_keys"

    # Columns (id and org_id first, then ApiKeyBase's)
    # SHA-256 of the key: keys are long random strings, so a fast hash is enough
    # and lets the lookup be one indexed equality.
    key_hash: str = Field(max_length=64, unique=True, index=True)
    scopes: list[Scope] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = timestamp_field(default_now=True)
    revoked_at: datetime | None = timestamp_field(nullable=True)


class ApiKeyCreate(ApiKeyBase):
    # Absent means no scopes: a key grants nothing it does not name.
    scopes: list[Scope] = []
