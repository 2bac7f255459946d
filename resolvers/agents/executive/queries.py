"""The executive dashboard's counts: four statements, every one filtered by organisation,
every count a conditional aggregate, no row brought into Python.

- ``period_counts``: one statement per period (the current one, then the previous one)
  counting its actions by status, by risk level, the denied and pending high-risk ones
  and those mapped to a NIST control. The current period is ``[start, now]`` (both edges
  in); the previous one is ``[start - days, start)``, so that no action is in both.
- ``peak_day``: the most actions on one UTC day, among the period's actions (the first
  and last days are partly outside the period; only their actions inside it count).
- ``user_counts``: the organisation's active users (``is_active``) by creation time, and
  those active in the period: a console session seen in it, a review of theirs in the
  audit log (an ``agents`` event ``approved`` or ``denied``) made in it, or their name
  as the reviewer of an action stamped in it (actions imported or seeded with a reviewer
  have no review event).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select, union
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.sql import table_of
from models.agents import HIGH_RISK, AgentAction, UserSession
from models.audit import AuditEvent
from models.tenancy import User
from resolvers.agents.actions import STATUS_OF
from resolvers.agents.trends import utc_day

ACTIONS = table_of(AgentAction)
SESSIONS = table_of(UserSession)
USERS = table_of(User)
AUDIT = table_of(AuditEvent)
REVIEWS = tuple(STATUS_OF.values())
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class PeriodCounts:
    """One period's actions, counted."""

    actions: int = 0
    approved: int = 0
    denied: int = 0
    auto_approved: int = 0
    pending: int = 0
    critical: int = 0
    high: int = 0
    medium: int = 0
    # Denied high-or-critical actions.
    violations: int = 0
    # Pending high-or-critical actions.
    pending_reviews: int = 0
    # Actions mapped to a NIST control.
    compliance_actions: int = 0

    @property
    def decided(self) -> int:
        """Actions with an outcome: approved, denied or approved by policy."""
        return self.approved + self.denied + self.auto_approved

    @property
    def high_risk(self) -> int:
        return self.high + self.critical


@dataclass(frozen=True)
class UserCounts:
    current: int = 0
    active: int = 0
    new_in_period: int = 0
    at_start: int = 0
    new_this_week: int = 0


def _counted(*conditions: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count().filter(and_(*conditions))


async def period_counts(
    conn: AsyncConnection, org_id: uuid.UUID, window: list[ColumnElement[bool]]
) -> PeriodCounts:
    """The counts of the organisation's actions that meet ``window``."""
    status, risk = ACTIONS.c.status, ACTIONS.c.risk_level
    high_risk = risk.in_(HIGH_RISK)
    row = (
        await conn.execute(
            select(
                func.count().label("actions"),
                _counted(status == "approved").label("approved"),
                _counted(status == "denied").label("denied"),
                _counted(status == "auto_approved").label("auto_approved"),
                _counted(status == "pending").label("pending"),
                _counted(risk == "critical").label("critical"),
                _counted(risk == "high").label("high"),
                _counted(risk == "medium").label("medium"),
                _counted(status == "denied", high_risk).label("violations"),
                _counted(status == "pending", high_risk).label("pending_reviews"),
                _counted(ACTIONS.c.nist_control.is_not(None)).label("compliance_actions"),
            ).where(ACTIONS.c.org_id == org_id, *window)
        )
    ).one()
    return PeriodCounts(**{key: int(value or 0) for key, value in row._mapping.items()})


def current_window(start: datetime, now: datetime) -> list[ColumnElement[bool]]:
    return [ACTIONS.c.timestamp >= start, ACTIONS.c.timestamp <= now]


def previous_window(start: datetime, days: int) -> list[ColumnElement[bool]]:
    return [ACTIONS.c.timestamp >= start - timedelta(days=days), ACTIONS.c.timestamp < start]


async def peak_day(conn: AsyncConnection, org_id: uuid.UUID, start: datetime, now: datetime) -> int:
    """The most actions of the period on one UTC day; 0 without any."""
    day = utc_day(ACTIONS.c.timestamp)
    per_day = (
        select(func.count().label("n"))
        .where(ACTIONS.c.org_id == org_id, *current_window(start, now))
        .group_by(day)
        .subquery()
    )
    found = await conn.scalar(select(func.max(per_day.c.n)))
    return int(found or 0)


async def user_counts(
    conn: AsyncConnection, org_id: uuid.UUID, start: datetime, now: datetime
) -> UserCounts:
    created = USERS.c.created_at
    # Who worked in the console in the period, as one uncorrelated set: each database
    # builds it once (a hashed subplan, an ephemeral table), not once per user.
    worked = union(
        select(SESSIONS.c.user_id).where(
            SESSIONS.c.org_id == org_id,
            SESSIONS.c.started_at <= now,
            SESSIONS.c.last_seen_at >= start,
        ),
        select(AUDIT.c.actor_id).where(
            AUDIT.c.org_id == org_id,
            AUDIT.c.family == "agents",
            AUDIT.c.action.in_(REVIEWS),
            AUDIT.c.created_at >= start,
            AUDIT.c.created_at <= now,
            AUDIT.c.actor_id.is_not(None),
        ),
        select(ACTIONS.c.reviewed_by).where(
            ACTIONS.c.org_id == org_id,
            *current_window(start, now),
            ACTIONS.c.reviewed_by.is_not(None),
        ),
    )
    row = (
        await conn.execute(
            select(
                _counted(created <= now).label("current"),
                _counted(created <= now, USERS.c.id.in_(worked)).label("active"),
                _counted(created >= start, created <= now).label("new_in_period"),
                _counted(created < start).label("at_start"),
                _counted(created >= now - WEEK, created <= now).label("new_this_week"),
            ).where(USERS.c.org_id == org_id, USERS.c.is_active.is_(True))
        )
    ).one()
    return UserCounts(**{key: int(value or 0) for key, value in row._mapping.items()})
