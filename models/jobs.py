"""Persisted background jobs: what to run, for which organisation, and how it went."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from models.base import check_in, id_field, org_field, timestamp_field

JOB_STATUSES = ("queued", "running", "succeeded", "failed")


class Job(SQLModel, table=True):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(check_in("status", JOB_STATUSES), name="ck_jobs_status"),
        CheckConstraint("attempts >= 0", name="ck_jobs_attempts"),
        # Claiming reads `status = 'queued' AND run_after <= now ORDER BY run_after`, and
        # reclaiming reads `status = 'running' AND heartbeat_at < cutoff` (few rows).
        Index("ix_jobs_claim", "status", "run_after"),
        Index("ix_jobs_org_created", "org_id", "created_at"),
    )

    # Columns
    id: uuid.UUID = id_field()
    org_id: uuid.UUID = org_field()
    kind: str = Field(max_length=100)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="queued", max_length=20)
    # Claims so far, the running one included; a job is failed after its third.
    attempts: int = 0
    result: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    # The last failure's message (kept while a retry waits, so the cause is visible).
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = timestamp_field(default_now=True)
    # Not claimed before this instant: the enqueue time, or later for a retry's back-off.
    run_after: datetime = timestamp_field(default_now=True)
    started_at: datetime | None = timestamp_field(nullable=True)
    finished_at: datetime | None = timestamp_field(nullable=True)
    heartbeat_at: datetime | None = timestamp_field(nullable=True)
