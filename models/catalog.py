"""The developer portal's catalog: components, environments, deployments."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import check_in, id_field, org_field, timestamp_field

LIFECYCLES = ("production", "experimental", "planned", "deprecated", "decommissioned")
DEPLOYMENT_STATUSES = ("PENDING", "RUNNING", "SUCCEEDED", "FAILED", "ROLLED_BACK")


class Component(SQLModel, table=True):
    __tablename__ = "components"
    __table_args__ = (
        CheckConstraint(check_in("lifecycle", LIFECYCLES), name="ck_components_lifecycle"),
        UniqueConstraint("org_id", "name", name="uq_components_org_name"),
    )

    # Columns
    id: uuid.UUID = id_field()
    org_id: uuid.UUID = org_field()
    name: str = Field(max_length=200)
    kind: str = Field(max_length=50)
    lifecycle: str = Field(default="experimental", max_length=20)
    owner: str | None = Field(default=None, max_length=200)
    description: str | None = None
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class Environment(SQLModel, table=True):
    __tablename__ = "environments"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_environments_org_name"),)

    # Columns
    id: uuid.UUID = id_field()
    org_id: uuid.UUID = org_field()
    name: str = Field(max_length=100)
    created_at: datetime = timestamp_field(default_now=True)


class Deployment(SQLModel, table=True):
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

    # Columns
    id: uuid.UUID = id_field()
    org_id: uuid.UUID = org_field()
    component_id: uuid.UUID = Field(foreign_key="components.id", ondelete="CASCADE")
    environment_id: uuid.UUID = Field(foreign_key="environments.id", ondelete="CASCADE")
    status: str = Field(default="PENDING", max_length=20)
    version: str = Field(max_length=100)
    started_at: datetime = timestamp_field(default_now=True)
    finished_at: datetime | None = timestamp_field(nullable=True)
