"""The agent console (seed 004): the actions AI agents take, as a reviewer sees them, and
the users' console sessions (for ``active_sessions``).

An action has its UUID and, beside it, an integer ``display_id`` counting the
organisation's actions from 1 (the seed's debug list shows ``"id": 1547``). Display ids
are handed out by ``agent_action_counters`` (``resolvers/agents/display_ids.py``): one
row per organisation, bumped by a single upsert in the inserting transaction, so that
concurrent writers never draw the same number on either database.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.base import TenantRow, check_in, choice_field, timestamp_field, trimmed

RiskLevel = Literal["low", "medium", "high", "critical"]
ActionStatus = Literal["pending", "approved", "denied", "auto_approved"]
# What a new action may be recorded as: waiting for review, or approved by policy.
# Approved and denied are a reviewer's answers, given by a review, never by the agent.
NewActionStatus = Literal["pending", "auto_approved"]
RISK_LEVELS: tuple[str, ...] = get_args(RiskLevel)
ACTION_STATUSES: tuple[str, ...] = get_args(ActionStatus)
# The levels the seed's "high-risk" counts take in.
HIGH_RISK: tuple[str, ...] = ("high", "critical")

MAX_NAME = 200  # agent ids and tool names ("customer-service-agent", "email_service")
MAX_CODE = 100  # action types, MITRE tactics ("TA0002"), NIST controls ("AC-3")
MAX_TEXT = 2000  # recommendation and summary: a sentence or a paragraph


# --- agent actions ----------------------------------------------------------------------


class AgentActionBase(SQLModel):
    agent_id: str = Field(min_length=1, max_length=MAX_NAME)
    action_type: str = Field(min_length=1, max_length=MAX_CODE)
    tool_name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    risk_level: RiskLevel = choice_field(8)
    mitre_tactic: str | None = Field(default=None, min_length=1, max_length=MAX_CODE)
    nist_control: str | None = Field(default=None, min_length=1, max_length=MAX_CODE)
    recommendation: str | None = Field(default=None, max_length=MAX_TEXT)
    summary: str | None = Field(default=None, max_length=MAX_TEXT)


class AgentAction(AgentActionBase, TenantRow, table=True):
    __tablename__ = "agent_actions"
    __table_args__ = (
        CheckConstraint(check_in("risk_level", RISK_LEVELS), name="ck_agent_actions_risk"),
        CheckConstraint(check_in("status", ACTION_STATUSES), name="ck_agent_actions_status"),
        CheckConstraint("display_id >= 1", name="ck_agent_actions_display_id"),
        UniqueConstraint("org_id", "display_id", name="uq_agent_actions_display_id"),
        # Indexes: every window (trends, realtime, dashboard, forecasts) scans the
        # organisation's actions by time (covering what top agents and tools group by,
        # so PostgreSQL reads the index alone); the high-risk counts by level, then time;
        # the pending count reads the pending ones alone.
        Index(
            "ix_agent_actions_org_timestamp",
            "org_id",
            "timestamp",
            postgresql_include=["agent_id", "tool_name", "risk_level"],
        ),
        Index("ix_agent_actions_org_risk_timestamp", "org_id", "risk_level", "timestamp"),
        Index(
            "ix_agent_actions_org_pending",
            "org_id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    # Columns (id and org_id first, then AgentActionBase's)
    status: ActionStatus = choice_field(16, default="pending")
    display_id: int
    reviewed_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    timestamp: datetime = timestamp_field(default_now=True)


class AgentActionCreate(AgentActionBase):
    """What an agent records; the gateway sets the display id and the time."""

    status: NewActionStatus = "pending"

    _trim = trimmed("agent_id", "action_type", "tool_name", "mitre_tactic", "nist_control")


class AgentActionCounter(SQLModel, table=True):
    """The last display id handed out in one organisation."""

    __tablename__ = "agent_action_counters"
    __table_args__ = (CheckConstraint("last_display_id >= 0", name="ck_agent_action_counters"),)

    # Columns
    org_id: uuid.UUID = Field(primary_key=True, foreign_key="organizations.id", ondelete="CASCADE")
    last_display_id: int = 0


# --- user sessions ----------------------------------------------------------------------


class UserSessionBase(SQLModel):
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")


class UserSession(UserSessionBase, TenantRow, table=True):
    """A user's time in the console: active while seen in the last minutes and not ended."""

    __tablename__ = "user_sessions"
    __table_args__ = (
        CheckConstraint("last_seen_at >= started_at", name="ck_user_sessions_seen"),
        # Indexes: active sessions are those seen since a moment.
        Index("ix_user_sessions_org_last_seen", "org_id", "last_seen_at"),
    )

    # Columns (id and org_id first, then UserSessionBase's)
    started_at: datetime = timestamp_field(default_now=True)
    last_seen_at: datetime = timestamp_field(default_now=True)
    ended_at: datetime | None = timestamp_field(nullable=True)
