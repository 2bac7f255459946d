"""Governance (seed 002): guardians and their verdicts, MCP sessions and tool calls,
configuration changes, and the hourly MCP rollups built by a job.

Every id is time-ordered (``TimeOrderedTenantRow``), since the family's REST ids sort
by creation time. NHIs are in ``models/identities.py``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import StringConstraints
from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import (
    TimeOrderedTenantRow,
    check_in,
    choice_field,
    not_null,
    timestamp_field,
    trimmed,
)

GovernanceEnvironment = Literal["live", "test", "dev"]
GuardianVerdict = Literal["passed", "corrected", "blocked", "error"]
ToolVerdict = Literal["passed", "corrected", "blocked"]
ENVIRONMENTS: tuple[str, ...] = get_args(GovernanceEnvironment)
GUARDIAN_VERDICTS: tuple[str, ...] = get_args(GuardianVerdict)
TOOL_VERDICTS: tuple[str, ...] = get_args(ToolVerdict)

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
MAX_TAGS = 20


# --- guardians --------------------------------------------------------------------------


class GuardianBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, sa_type=Text)
    environment: GovernanceEnvironment = choice_field(10, default="live")
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS, sa_type=JSON)
    config: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    is_active: bool = True


class Guardian(GuardianBase, TimeOrderedTenantRow, table=True):
    __tablename__ = "guardians"
    __table_args__ = (
        CheckConstraint(check_in("environment", ENVIRONMENTS), name="ck_guardians_environment"),
        # Indexes: the organisation's guardians by name (lists, by-guardian's names).
        Index("ix_guardians_org_name", "org_id", "name"),
    )

    # Columns (id and org_id first, then GuardianBase's)
    created_at: datetime = timestamp_field(default_now=True)


class GuardianCreate(GuardianBase):
    _trim = trimmed("name")


class GuardianUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    environment: GovernanceEnvironment | None = None
    tags: list[Tag] | None = Field(default=None, max_length=MAX_TAGS)
    config: dict[str, Any] | None = None

    _trim = trimmed("name")
    _not_null = not_null("name", "environment", "tags", "config")


# --- guardian verdicts ------------------------------------------------------------------


class GuardianVerdictEventBase(SQLModel):
    guardian_id: uuid.UUID = Field(foreign_key="guardians.id", ondelete="CASCADE")
    verdict: GuardianVerdict = choice_field(20)
    latency_ms: int = Field(ge=0)
    violation_type: str | None = Field(default=None, max_length=100)
    environment: GovernanceEnvironment = choice_field(10)
    tag: str | None = Field(default=None, max_length=50)


class GuardianVerdictEvent(GuardianVerdictEventBase, TimeOrderedTenantRow, table=True):
    __tablename__ = "guardian_verdicts"
    __table_args__ = (
        CheckConstraint(
            check_in("verdict", GUARDIAN_VERDICTS), name="ck_guardian_verdicts_verdict"
        ),
        CheckConstraint(
            check_in("environment", ENVIRONMENTS), name="ck_guardian_verdicts_environment"
        ),
        CheckConstraint("latency_ms >= 0", name="ck_guardian_verdicts_latency"),
        # Indexes: the window scan, and the same for one guardian (filter, by-guardian).
        Index("ix_guardian_verdicts_org_created", "org_id", "created_at"),
        Index("ix_guardian_verdicts_org_guardian_created", "org_id", "guardian_id", "created_at"),
    )

    # Columns (id and org_id first, then the base's)
    created_at: datetime = timestamp_field(default_now=True)


# --- MCP sessions and tool calls --------------------------------------------------------


class McpSessionBase(SQLModel):
    client: str | None = Field(default=None, max_length=200)
    # The NHI acting in the session, if known.
    nhi_id: uuid.UUID | None = Field(default=None, foreign_key="nhis.id", ondelete="SET NULL")


class McpSession(McpSessionBase, TimeOrderedTenantRow, table=True):
    __tablename__ = "mcp_sessions"
    __table_args__ = (
        # Indexes: the sessions page, newest first.
        Index("ix_mcp_sessions_org_started", "org_id", "started_at", "id"),
    )

    # Columns (id and org_id first, then the base's)
    started_at: datetime = timestamp_field(default_now=True)


class McpToolCallBase(SQLModel):
    session_id: uuid.UUID = Field(foreign_key="mcp_sessions.id", ondelete="CASCADE")
    tool: str = Field(min_length=1, max_length=200)
    verdict: ToolVerdict = choice_field(20)
    latency_ms: int = Field(ge=0)


class McpToolCall(McpToolCallBase, TimeOrderedTenantRow, table=True):
    __tablename__ = "mcp_tool_calls"
    __table_args__ = (
        CheckConstraint(check_in("verdict", TOOL_VERDICTS), name="ck_mcp_tool_calls_verdict"),
        CheckConstraint("latency_ms >= 0", name="ck_mcp_tool_calls_latency"),
        # Indexes: the window scan, and a session's calls in time order.
        Index("ix_mcp_tool_calls_org_created", "org_id", "created_at"),
        Index("ix_mcp_tool_calls_session_created", "session_id", "created_at"),
    )

    # Columns (id and org_id first, then the base's)
    created_at: datetime = timestamp_field(default_now=True)


# --- configuration changes --------------------------------------------------------------


class ConfigChangeBase(SQLModel):
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    target_type: str = Field(min_length=1, max_length=50)
    # Text, not a UUID: a change may concern something that is not a gateway row.
    target_id: str = Field(min_length=1, max_length=200)
    field: str = Field(min_length=1, max_length=100)
    old_value: Any = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
    new_value: Any = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))


class ConfigChange(ConfigChangeBase, TimeOrderedTenantRow, table=True):
    __tablename__ = "config_changes"
    __table_args__ = (
        # Indexes: the audit page, newest first.
        Index("ix_config_changes_org_changed", "org_id", "changed_at", "id"),
    )

    # Columns (id and org_id first, then the base's)
    changed_at: datetime = timestamp_field(default_now=True)


# --- MCP hourly rollups -----------------------------------------------------------------


class McpHourlyRollup(TimeOrderedTenantRow, table=True):
    """One tool's calls in one UTC hour, as the rollup job counted them from raw calls."""

    __tablename__ = "mcp_hourly_rollups"
    __table_args__ = (
        # One row per (organisation, hour, tool): a rerun upserts it (idempotent).
        UniqueConstraint("org_id", "hour", "tool", name="uq_mcp_hourly_rollups_org_hour_tool"),
        CheckConstraint(
            "calls >= 0 AND passed >= 0 AND corrected >= 0 AND blocked >= 0 "
            "AND latency_sum_ms >= 0",
            name="ck_mcp_hourly_rollups_counts",
        ),
    )

    # Columns (id and org_id first)
    hour: datetime = timestamp_field()
    tool: str = Field(max_length=200)
    calls: int = 0
    passed: int = 0
    corrected: int = 0
    blocked: int = 0
    # A sum of latencies outgrows 32 bits long before a count does.
    latency_sum_ms: int = Field(default=0, sa_type=BigInteger)
    built_at: datetime = timestamp_field(default_now=True)
