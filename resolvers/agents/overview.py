"""The agent console's live figures from the database (seed 004's ``real_time_overview``
and the WebSocket's ``metrics``), in one statement.

Windows end at the request's (or the tick's) "now" and take in what is at most that old:
- the last hour: actions with ``now - 1 h < timestamp ≤ now``; ``recent_high_risk_actions``
  counts the high and critical ones, ``active_agents`` the distinct agents;
- the last 24 hours likewise (``actions_last_24h``);
- ``active_sessions``: console sessions not ended (or ending after now) and seen in the
  last 15 minutes (``last_seen_at ≥ now - 15 min``);
- ``newest``: the newest action's time, whenever it was (for ``data_age_minutes``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.sql import table_of
from models.agents import HIGH_RISK, AgentAction, UserSession

ACTIONS = table_of(AgentAction)
SESSIONS = table_of(UserSession)
HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)
SESSION_IDLE = timedelta(minutes=15)


@dataclass(frozen=True)
class Overview:
    active_sessions: int
    recent_high_risk_actions: int
    active_agents: int
    total_actions_last_hour: int
    actions_last_24h: int
    newest: datetime | None

    def data_age_minutes(self, now: datetime) -> int | None:
        """Whole minutes since the newest action (0 for one in the future)."""
        if self.newest is None:
            return None
        return max(0, int((now - self.newest).total_seconds() // 60))


async def overview(conn: AsyncConnection, org_id: uuid.UUID, now: datetime) -> Overview:
    in_hour = ACTIONS.c.timestamp > now - HOUR
    sessions = (
        select(func.count())
        .where(
            SESSIONS.c.org_id == org_id,
            SESSIONS.c.last_seen_at >= now - SESSION_IDLE,
            or_(SESSIONS.c.ended_at.is_(None), SESSIONS.c.ended_at > now),
        )
        .scalar_subquery()
    )
    newest = (
        select(func.max(ACTIONS.c.timestamp)).where(ACTIONS.c.org_id == org_id).scalar_subquery()
    )
    row = (
        await conn.execute(
            select(
                sessions.label("sessions"),
                func.count(case((in_hour & ACTIONS.c.risk_level.in_(HIGH_RISK), 1))).label("high"),
                func.count(distinct(case((in_hour, ACTIONS.c.agent_id)))).label("agents"),
                func.count(case((in_hour, 1))).label("hour"),
                func.count().label("day"),
                newest.label("newest"),
            ).where(
                ACTIONS.c.org_id == org_id,
                ACTIONS.c.timestamp > now - DAY,
                ACTIONS.c.timestamp <= now,
            )
        )
    ).one()
    return Overview(
        active_sessions=row.sessions,
        recent_high_risk_actions=row.high,
        active_agents=row.agents,
        total_actions_last_hour=row.hour,
        actions_last_24h=row.day,
        newest=row.newest,
    )
