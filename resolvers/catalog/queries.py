"""Catalog, DORA and usage analytics: aggregates computed in SQL, returned as plain data.

Semantics (the seed's contract, and what the tests check by hand):
- A deployment belongs to the window by ``started_at``: ``now - days <= started_at <= now``.
- deploymentFrequency = SUCCEEDED count / days (two decimals); ``total`` is that count.
- changeFailureRate = (FAILED + ROLLED_BACK) / deployments not PENDING x 100 (two decimals).
- leadTimeForChanges = mean(finished_at - started_at) over SUCCEEDED with a finish, hours.
- meanTimeToRecovery: for each FAILED deployment in the window with a finish, the time
  from its finish to the finish of the next SUCCEEDED deployment (the first by start
  time started at or after that finish) of the same component and environment;
  failures never followed by a success are not samples. Hours, two decimals.
- Usage counts the catalog family's audit events in the window by ``created_at`` (never
  another family's); tops are the first 10 by count, ties broken by name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from gateway.errors import not_found
from gateway.rounding import ratio
from gateway.sql import UTCDateTime, seconds_between, table_of
from models.audit import AuditEvent
from models.catalog import LIFECYCLES, Component, Deployment, Environment
from models.tenancy import User
from resolvers.catalog import AUDIT_FAMILY

TOP_N = 10
UNOWNED_LIMIT = 50


async def _one(conn: AsyncConnection, statement: Any) -> Any:
    return (await conn.execute(statement)).mappings().first()


async def _all(conn: AsyncConnection, statement: Any) -> list[Any]:
    return list((await conn.execute(statement)).mappings())


async def _ensure_in_org(
    conn: AsyncConnection, table: Any, org_id: uuid.UUID, id: uuid.UUID | None, what: str
) -> None:
    if id is None:
        return
    if await conn.scalar(select(table.id).where(table.org_id == org_id, table.id == id)) is None:
        raise not_found(what)


def _hours(seconds: float | None, digits: int = 2) -> float:
    return ratio(seconds, 3600, digits) if seconds else 0.0


def _is_owned() -> Any:
    return and_(col(Component.owner).is_not(None), func.trim(col(Component.owner)) != "")


async def catalog_health(conn: AsyncConnection, *, org_id: uuid.UUID) -> dict[str, Any]:
    """Ownership coverage, lifecycle and kind distributions, and unowned components."""
    in_org = col(Component.org_id) == org_id
    counts = select(
        func.count().label("total"),
        func.coalesce(func.sum(case((_is_owned(), 1), else_=0)), 0).label("owned"),
    ).where(in_org)
    by_lifecycle = (
        select(col(Component.lifecycle), func.count().label("n"))
        .where(in_org)
        .group_by(col(Component.lifecycle))
    )
    by_kind = (
        select(col(Component.kind), func.count().label("n"))
        .where(in_org)
        .group_by(col(Component.kind))
        .order_by(func.count().desc(), col(Component.kind))
    )
    unowned = (
        select(col(Component.id), col(Component.name), col(Component.kind))
        .where(in_org, ~_is_owned())
        .order_by(col(Component.name), col(Component.id))
        .limit(UNOWNED_LIMIT)
    )
    totals = await _one(conn, counts)
    total = int(totals["total"]) if totals else 0
    owned = int(totals["owned"]) if totals else 0
    lifecycles = {row["lifecycle"]: int(row["n"]) for row in await _all(conn, by_lifecycle)}
    return {
        "ownership_coverage": {
            "total": total,
            "with_owner": owned,
            "without_owner": total - owned,
            "coverage_percent": ratio(owned * 100, total, 1),
        },
        # All five stages, always, in the documented order.
        "lifecycle_distribution": [
            {"lifecycle": stage, "count": lifecycles.get(stage, 0)} for stage in LIFECYCLES
        ],
        "kind_distribution": [
            {"kind": row["kind"], "count": int(row["n"])} for row in await _all(conn, by_kind)
        ],
        "unowned_components": [dict(row) for row in await _all(conn, unowned)],
    }


@dataclass(frozen=True)
class DoraScope:
    org_id: uuid.UUID
    since: datetime
    until: datetime
    component_id: uuid.UUID | None = None
    environment_id: uuid.UUID | None = None

    def filters(self, table: Any = Deployment) -> list[Any]:
        started = table.started_at
        conditions = [
            table.org_id == self.org_id,
            started >= literal(self.since, UTCDateTime()),
            started <= literal(self.until, UTCDateTime()),
        ]
        if self.component_id is not None:
            conditions.append(table.component_id == self.component_id)
        if self.environment_id is not None:
            conditions.append(table.environment_id == self.environment_id)
        return conditions


def window(now: datetime, days: int) -> tuple[datetime, datetime]:
    """The ``days``-day window ending now."""
    return now - timedelta(days=days), now


async def dora(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    now: datetime,
    days: int,
    component_id: uuid.UUID | None = None,
    environment_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """The four DORA metrics over the last ``days`` days; NOT_FOUND for a component or
    environment that is not the organisation's."""
    await _ensure_in_org(conn, Component, org_id, component_id, "component")
    await _ensure_in_org(conn, Environment, org_id, environment_id, "environment")
    since, until = window(now, days)
    scope = DoraScope(org_id, since, until, component_id, environment_id)
    status = col(Deployment.status)
    succeeded = status == "SUCCEEDED"
    finished_success = and_(succeeded, col(Deployment.finished_at).is_not(None))
    lead_seconds = seconds_between(col(Deployment.started_at), col(Deployment.finished_at))

    # Aggregate FILTER (both dialects have it) is cheaper than SUM(CASE ...) per row.
    totals = select(
        func.count().filter(succeeded).label("succeeded"),
        func.count().filter(status.in_(("FAILED", "ROLLED_BACK"))).label("failed"),
        func.count().filter(status != "PENDING").label("non_pending"),
        func.count().filter(finished_success).label("lead_samples"),
        func.avg(lead_seconds).filter(finished_success).label("lead_seconds"),
    ).where(*scope.filters())

    # The next success (by start) of the same component and environment after each
    # failure finished: LIMIT 1 on ix_deployments_recovery, one index probe per failure.
    failure = table_of(Deployment).alias("failure")
    success = table_of(Deployment).alias("success")
    recovered_at = (
        select(success.c.finished_at)
        .where(
            success.c.component_id == failure.c.component_id,
            success.c.environment_id == failure.c.environment_id,
            success.c.status == "SUCCEEDED",
            success.c.started_at >= failure.c.finished_at,
            success.c.finished_at.is_not(None),
            success.c.org_id == failure.c.org_id,
        )
        .order_by(success.c.started_at, success.c.id)
        .limit(1)
        .scalar_subquery()
    )
    recoveries = (
        select(seconds_between(failure.c.finished_at, recovered_at).label("seconds"))
        .where(
            *scope.filters(failure.c),
            failure.c.status == "FAILED",
            failure.c.finished_at.is_not(None),
        )
        # Materialised so that count() and avg() share one probe per failure
        # (inlined, PostgreSQL would run the subquery once for each aggregate).
        .cte("recoveries")
        .prefix_with("MATERIALIZED")
    )
    # count() skips the NULLs of failures never recovered.
    mttr = select(
        func.count(recoveries.c.seconds).label("samples"),
        func.avg(recoveries.c.seconds).label("seconds"),
    )
    row = await _one(conn, totals)
    recovery = await _one(conn, mttr)
    succeeded_n = int(row["succeeded"]) if row else 0
    failed_n = int(row["failed"]) if row else 0
    non_pending = int(row["non_pending"]) if row else 0
    lead_samples = int(row["lead_samples"]) if row else 0
    mttr_samples = int(recovery["samples"]) if recovery else 0
    return {
        "period_days": days,
        "deployment_frequency": {
            "deployments_per_day": ratio(succeeded_n, days, 2),
            "total": succeeded_n,
            "period_days": days,
        },
        "change_failure_rate": {
            "rate": ratio(failed_n * 100, non_pending, 2),
            "failed": failed_n,
            "total": non_pending,
        },
        "mean_time_to_recovery": {
            "avg_hours": _hours(recovery["seconds"] if mttr_samples and recovery else None),
            "samples": mttr_samples,
        },
        "lead_time_for_changes": {
            "avg_hours": _hours(row["lead_seconds"] if lead_samples and row else None),
            "samples": lead_samples,
        },
    }


async def usage(
    conn: AsyncConnection, *, org_id: uuid.UUID, now: datetime, days: int
) -> dict[str, Any]:
    """The portal's activity from its audit events over the last ``days`` days."""
    since, until = window(now, days)
    # Every statement below filters on this: other families' events are not counted.
    in_window = [
        col(AuditEvent.org_id) == org_id,
        col(AuditEvent.family) == AUDIT_FAMILY,
        col(AuditEvent.created_at) >= literal(since, UTCDateTime()),
        col(AuditEvent.created_at) <= literal(until, UTCDateTime()),
    ]
    total = select(func.count()).where(*in_window)
    n = func.count().label("n")
    top_components = (
        select(col(Component.id), col(Component.name), n)
        .select_from(AuditEvent)
        .join(
            Component,
            and_(
                col(Component.id) == col(AuditEvent.component_id),
                col(Component.org_id) == col(AuditEvent.org_id),
            ),
        )
        .where(*in_window)
        .group_by(col(Component.id), col(Component.name))
        .order_by(n.desc(), col(Component.name), col(Component.id))
        .limit(TOP_N)
    )
    active_users = (
        select(col(User.id), col(User.username), n)
        .select_from(AuditEvent)
        .join(
            User,
            and_(
                col(User.id) == col(AuditEvent.actor_id), col(User.org_id) == col(AuditEvent.org_id)
            ),
        )
        .where(*in_window)
        .group_by(col(User.id), col(User.username))
        .order_by(n.desc(), col(User.username), col(User.id))
        .limit(TOP_N)
    )
    actions = (
        select(col(AuditEvent.action), n)
        .where(*in_window)
        .group_by(col(AuditEvent.action))
        .order_by(n.desc(), col(AuditEvent.action))
    )
    return {
        "period_days": days,
        "total_audit_events": int(await conn.scalar(total) or 0),
        "top_components": [
            {"component_id": r["id"], "component_name": r["name"], "access_count": int(r["n"])}
            for r in await _all(conn, top_components)
        ],
        "active_users": [
            {"actor_id": r["id"], "actor_username": r["username"], "action_count": int(r["n"])}
            for r in await _all(conn, active_users)
        ],
        "action_breakdown": [
            {"action": r["action"], "count": int(r["n"])} for r in await _all(conn, actions)
        ],
    }
