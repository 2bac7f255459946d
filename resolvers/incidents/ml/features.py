"""What a model learns from, computed in SQL: one row per incident with its features and
targets, or one row per UTC day with the day's incident count.

Features (``models.predictive.FEATURES``): ``title_length`` and ``description_length``
(characters), ``category``, ``severity``, ``priority``, ``service`` (categorical),
``hour_of_day`` (0-23 UTC), ``weekday`` (0 = Monday) and ``affected_users``.
Targets: ``severity``; ``escalated`` (escalated at least once); ``resolution_hours``
(created to resolved, resolved incidents only); ``cost_amount`` (the incident's cost
analyses summed, incidents with one only); ``daily_incident_count`` (per UTC day, days
without an incident counted as 0).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, Integer, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.sql import calendar_part, seconds_between, table_of, time_bucket
from models.incidents import CostAnalysis, Incident
from models.predictive import FEATURES

INCIDENTS = table_of(Incident)
COSTS = table_of(CostAnalysis)

CATEGORICAL = frozenset({"category", "severity", "priority", "service"})
NUMERIC = tuple(name for name in FEATURES if name not in CATEGORICAL)


def feature_columns() -> dict[str, Any]:
    i = INCIDENTS.c
    return {
        "title_length": func.length(i.title),
        "description_length": func.coalesce(func.length(i.description), 0),
        "category": i.category,
        "severity": i.severity,
        "priority": i.priority,
        "service": i.service,
        "hour_of_day": calendar_part("hour", i.created_at),
        "weekday": calendar_part("weekday", i.created_at),
        "affected_users": i.affected_users,
    }


def target_column(target: str) -> Any:
    i = INCIDENTS.c
    if target == "severity":
        return i.severity
    if target == "escalated":
        return case((i.escalation_count > 0, 1), else_=0)
    if target == "resolution_hours":
        return seconds_between(i.created_at, i.resolved_at) / 3600.0
    if target == "cost_amount":
        cost = (
            select(func.sum(cast(COSTS.c.cost_amount, Float)))
            .where(COSTS.c.incident_id == i.id, COSTS.c.org_id == i.org_id)
            .scalar_subquery()
        )
        return cost
    return None


async def incident_rows(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    since: datetime,
    until: datetime,
    features: list[str],
    target: str | None,
    open_only: bool = False,
) -> list[dict[str, Any]]:
    """The organisation's incidents created in ``[since, until)``, oldest first (so that
    the last rows are the held-out ones), each with ``features`` and ``target``; rows
    without a target value (unresolved, no cost) are left out. ``open_only``: only the
    incidents not yet resolved or closed."""
    columns = feature_columns()
    chosen = [columns[name].label(name) for name in features]
    chosen.append(INCIDENTS.c.id.label("incident_id"))
    chosen.append(INCIDENTS.c.created_at.label("created_at"))
    # What ISOLATION_FOREST is scored against, whatever its features (ml/training.py).
    chosen.append(INCIDENTS.c.severity.label("_severity"))
    chosen.append(INCIDENTS.c.affected_users.label("_users"))
    chosen.append(INCIDENTS.c.service.label("_service"))
    statement = select(*chosen).where(
        INCIDENTS.c.org_id == org_id,
        INCIDENTS.c.created_at >= since,
        INCIDENTS.c.created_at < until,
    )
    if open_only:
        statement = statement.where(
            INCIDENTS.c.resolved_at.is_(None), INCIDENTS.c.status != "CLOSED"
        )
    expression = target_column(target) if target else None
    if expression is not None:
        labelled = expression.label("target")
        statement = statement.add_columns(labelled).where(expression.is_not(None))
    statement = statement.order_by(INCIDENTS.c.created_at, INCIDENTS.c.id)
    return [dict(row) for row in (await conn.execute(statement)).mappings()]


async def daily_counts(
    conn: AsyncConnection, *, org_id: uuid.UUID, since: datetime, until: datetime
) -> list[int]:
    """Incidents per UTC day over the whole days of ``[since, until)``, oldest first,
    zero-filled."""
    start = since.replace(hour=0, minute=0, second=0, microsecond=0)
    days = max(0, (until - start).days)
    day = time_bucket("day", INCIDENTS.c.created_at).label("day")
    statement = (
        select(day, cast(func.count(), Integer).label("n"))
        .where(
            INCIDENTS.c.org_id == org_id,
            INCIDENTS.c.created_at >= start,
            INCIDENTS.c.created_at < start + timedelta(days=days),
        )
        .group_by(day)
    )
    counts = {row.day: row.n for row in await conn.execute(statement)}
    return [counts.get(start + timedelta(days=n), 0) for n in range(days)]
