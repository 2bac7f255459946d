"""The developer portal's catalog: components, environments, deployments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import TenantRow, check_in, choice_field, not_null, timestamp_field, trimmed

Lifecycle = Literal["production", "experimental", "planned", "deprecated", "decommissioned"]
DeploymentStatus = Literal["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "ROLLED_BACK"]
FinalStatus = Literal["SUCCEEDED", "FAILED", "ROLLED_BACK"]
LIFECYCLES: tuple[str, ...] = get_args(Lifecycle)
DEPLOYMENT_STATUSES: tuple[str, ...] = get_args(DeploymentStatus)
FINAL_STATUSES: tuple[str, ...] = get_args(FinalStatus)


# --- components -------------------------------------------------------------------------


class ComponentBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=50)
    lifecycle: Lifecycle = choice_field(20, default="experimental")
    # May be empty: a blank owner is how the catalog says "unowned" too.
    owner: str | None = Field(default=None, max_length=200)
    description: str | None = None


class Component(ComponentBase, TenantRow, table=True):
    __tablename__ = "components"
    __table_args__ = (
        CheckConstraint(check_in("lifecycle", LIFECYCLES), name="ck_components_lifecycle"),
        UniqueConstraint("org_id", "name", name="uq_components_org_name"),
    )

    # Columns (id and org_id first, then ComponentBase's)
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class ComponentCreate(ComponentBase):
    _trim = trimmed("name", "kind")


class ComponentUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: str | None = Field(default=None, min_length=1, max_length=50)
    lifecycle: Lifecycle | None = None
    owner: str | None = Field(default=None, max_length=200)
    description: str | None = None

    _trim = trimmed("name", "kind")
    _not_null = not_null("name", "kind", "lifecycle")


# --- environments -----------------------------------------------------------------------


class EnvironmentBase(SQLModel):
    name: str = Field(min_length=1, max_length=100)


class Environment(EnvironmentBase, TenantRow, table=True):
    __tablename__ = "environments"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_environments_org_name"),)

    # Columns (id and org_id first, then EnvironmentBase's)
    created_at: datetime = timestamp_field(default_now=True)


class EnvironmentCreate(EnvironmentBase):
    _trim = trimmed("name")


class EnvironmentUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)

    _trim = trimmed("name")
    _not_null = not_null("name")


# --- deployments ------------------------------------------------------------------------


class DeploymentBase(SQLModel):
    component_id: uuid.UUID = Field(foreign_key="components.id", ondelete="CASCADE")
    environment_id: uuid.UUID = Field(foreign_key="environments.id", ondelete="CASCADE")
    status: DeploymentStatus = choice_field(20, default="PENDING")
    version: str = Field(min_length=1, max_length=100)


class Deployment(DeploymentBase, TenantRow, table=True):
    __tablename__ = "deployments"
    __table_args__ = (
        CheckConstraint(check_in("status", DEPLOYMENT_STATUSES), name="ck_deployments_status"),
        # Indexes: the DORA window scan (all, and failures only), the per-component
        # page, and the MTTR probe for the next success of a component in an
        # environment. On PostgreSQL the INCLUDE columns let all three DORA reads be
        # index-only scans (measured in bench/portal.py: the 90-day MTTR halves).
        Index(
            "ix_deployments_org_started",
            "org_id",
            "started_at",
            postgresql_include=["status", "finished_at"],
        ),
        Index(
            "ix_deployments_org_status_started",
            "org_id",
            "status",
            "started_at",
            postgresql_include=["finished_at", "component_id", "environment_id"],
        ),
        Index("ix_deployments_component_started", "component_id", "started_at"),
        Index(
            "ix_deployments_recovery",
            "component_id",
            "environment_id",
            "status",
            "started_at",
            "id",
            postgresql_include=["finished_at", "org_id"],
        ),
    )

    # Columns (id and org_id first, then DeploymentBase's)
    started_at: datetime = timestamp_field(default_now=True)
    finished_at: datetime | None = timestamp_field(nullable=True)


class DeploymentCreate(DeploymentBase):
    """A deployment starting now: RUNNING unless told it is only PENDING."""

    status: Literal["PENDING", "RUNNING"] = "RUNNING"

    _trim = trimmed("version")


class DeploymentFinish(SQLModel):
    """How a PENDING or RUNNING deployment ended."""

    status: FinalStatus
