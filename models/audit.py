"""The audit log, shared by every family: each event says whose it is and what it concerns.

An event belongs to one family (``catalog``, ``knowledge``, …) and is read only through
that family's fields, under that family's rules: the knowledge base's events are not
the portal's to show or count.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import JSON, CheckConstraint, Column, Index
from sqlmodel import Field, SQLModel

from models.base import TenantRow, choice_field, timestamp_field

# family -> the kinds of row its events may concern. A new family adds its line here.
SUBJECT_TYPES: dict[str, tuple[str, ...]] = {
    "catalog": ("component", "environment", "deployment"),
    "knowledge": ("knowledge_entry",),
    "governance": (
        "guardian",
        "nhi",
        "nhi_anomaly",
        "nhi_detection",
    ),
    "incidents": (
        "incident",
        "kpi_metric",
        "kpi_calculation",
        "cost_analysis",
        "recurrence",
        "predictive_model",
        "anomaly_detection",
        "predictive_insight",
        "dashboard_configuration",
        "webhook_endpoint",
    ),
    "agents": ("agent_action",),
}
FAMILIES = tuple(SUBJECT_TYPES)
Family = Literal[FAMILIES]  # type: ignore[valid-type]


class AuditEventBase(SQLModel):
    family: Family = choice_field(20)
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    action: str = Field(min_length=1, max_length=50)


class AuditEvent(AuditEventBase, TenantRow, table=True):
    __tablename__ = "audit_events"
    __table_args__ = (
        # An event concerns one row (type and id) or, like a staleness check over the
        # whole knowledge base, none.
        CheckConstraint(
            "(subject_type IS NULL AND subject_id IS NULL)"
            " OR (subject_type IS NOT NULL AND subject_id IS NOT NULL)",
            name="ck_audit_events_subject",
        ),
        # Indexes: every read is one family's window of one organisation.
        Index("ix_audit_events_org_family_created", "org_id", "family", "created_at"),
        Index("ix_audit_events_component", "component_id"),
    )

    # Columns (id and org_id first, then AuditEventBase's)
    subject_type: str | None = Field(default=None, max_length=50)
    # Neither is a foreign key: the audit log outlives the rows it speaks of.
    subject_id: uuid.UUID | None = None
    component_id: uuid.UUID | None = None
    created_at: datetime = timestamp_field(default_now=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
