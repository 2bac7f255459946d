"""Organization, Department and User types."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from gateway.compiler.spec import Column, Node, ToOne, compilable
from gateway.context import Info
from gateway.sql import table_of
from models.tenancy import Department as DepartmentRow
from models.tenancy import User as UserRow
from resolvers.tenancy.loaders import departments_by_id


@strawberry.type(description="An organisation: the boundary of every query.")
class Organization:
    id: uuid.UUID
    name: str
    plan: str = strawberry.field(description="free, starter, growth or enterprise.")
    subscription_active: bool
    trial_ends_at: datetime | None = strawberry.field(
        description="Set while the organisation is on a trial."
    )

    @classmethod
    def from_row(cls, row: Any) -> Organization:
        return cls(
            id=row["id"],
            name=row["name"],
            plan=row["plan"],
            subscription_active=row["subscription_active"],
            trial_ends_at=row["trial_ends_at"],
        )


@strawberry.type(description="A department of the organisation.")
class Department:
    id: uuid.UUID
    name: str

    @classmethod
    def from_row(cls, row: Any) -> Department:
        return cls(**DEPARTMENT.values(row))


@strawberry.type(description="A person in the organisation.")
class User:
    id: uuid.UUID
    username: str
    name: str
    email: str
    role: str = strawberry.field(description="member, manager or admin (read live).")
    is_active: bool
    department_id: uuid.UUID | None

    @strawberry.field(description="The user's department, if any.")
    async def department(self, info: Info) -> Department | None:
        if self.department_id is None:
            return None
        row = await info.context.loaders.get(departments_by_id).load(self.department_id)
        return Department.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: Any) -> User:
        return cls(**USER.values(row))


# What the selection compiler may build (gateway/compiler/spec.py); from_row reads it.
DEPARTMENT = compilable(
    Node("Department", table_of(DepartmentRow), {"id": Column("id"), "name": Column("name")}),
    lambda row: Department.from_row(row),
)
USER = compilable(
    Node(
        "User",
        table_of(UserRow),
        {
            "id": Column("id"),
            "username": Column("username"),
            "name": Column("name"),
            "email": Column("email"),
            "role": Column("role"),
            "isActive": Column("is_active"),
            "departmentId": Column("department_id"),
            "department": ToOne("Department", "department_id", nullable=True),
        },
    ),
    lambda row: User.from_row(row),
)
