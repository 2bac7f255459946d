"""Staleness of the knowledge base, in SQL. The semantics are in ``queries.py``."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.rounding import ratio
from gateway.sql import UTCDateTime, whole_days_between
from resolvers.common import MAX_DAYS
from resolvers.knowledge.queries import DEPARTMENT, ENTRY, USER, counted

DEFAULT_DAYS = 30


def threshold(days: int | None) -> int:
    """The staleness window as documented: absent or < 1 is 30; capped at ten years."""
    if days is None or days < 1:
        return DEFAULT_DAYS
    return min(days, MAX_DAYS)


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def reviewed_at() -> Any:
    """When an entry was last looked at: its last review, else its creation."""
    return func.coalesce(ENTRY.c.last_reviewed_at, ENTRY.c.created_at)


def is_stale(now: datetime, days: int) -> Any:
    """Whole days since review >= days, i.e. reviewed at or before now - days."""
    cutoff = literal(now - timedelta(days=days), UTCDateTime())
    return reviewed_at() <= cutoff


def _days_since_review(now: datetime) -> Any:
    return whole_days_between(reviewed_at(), literal(now, UTCDateTime()))


async def stale_entries(
    conn: AsyncConnection, *, org_id: uuid.UUID, now: datetime, days: int, first: int
) -> dict[str, Any]:
    """The first ``first`` non-archived entries not reviewed within ``days``, longest
    unreviewed first, and how many there are in all."""
    days_since = _days_since_review(now).label("days_since_review")
    creator = USER.alias("creator")
    statement = (
        select(
            ENTRY.c.id.label("entry_id"),
            ENTRY.c.title,
            ENTRY.c.department_id,
            DEPARTMENT.c.name.label("department_name"),
            ENTRY.c.created_by,
            creator.c.name.label("creator_name"),
            ENTRY.c.status,
            ENTRY.c.last_reviewed_at,
            days_since,
            ENTRY.c.created_at,
            func.count().over().label("total"),  # before LIMIT: every stale entry
        )
        .select_from(
            ENTRY.outerjoin(
                DEPARTMENT,
                and_(DEPARTMENT.c.id == ENTRY.c.department_id, DEPARTMENT.c.org_id == org_id),
            ).outerjoin(
                creator, and_(creator.c.id == ENTRY.c.created_by, creator.c.org_id == org_id)
            )
        )
        .where(*counted(org_id), is_stale(now, days))
        .order_by(days_since.desc(), ENTRY.c.title, ENTRY.c.id)
        .limit(first)
    )
    rows = [dict(row) for row in (await conn.execute(statement)).mappings()]
    total = rows[0].pop("total") if rows else 0
    for row in rows[1:]:
        del row["total"]
    return {"entries": rows, "total": total, "days_threshold": days}


async def staleness_stats(
    conn: AsyncConnection, *, org_id: uuid.UUID, now: datetime, days: int
) -> dict[str, Any]:
    """Entry counts by status, stale count, mean days since review, stale percentage."""
    status = ENTRY.c.status
    live = status != "archived"
    statement = select(
        _count_if(live).label("total_active"),
        _count_if(status == "needs_review").label("needs_review"),
        _count_if(status == "active").label("active"),
        _count_if(status == "archived").label("archived"),
        _count_if(and_(live, is_stale(now, days))).label("stale"),
        # A sum of whole days, not AVG's float: the mean is rounded from the exact ratio.
        func.coalesce(func.sum(case((live, _days_since_review(now)))), 0).label("days_sum"),
    ).where(ENTRY.c.org_id == org_id)
    row = (await conn.execute(statement)).mappings().first()
    assert row is not None  # an aggregate without GROUP BY always answers one row
    total, stale = int(row["total_active"]), int(row["stale"])
    return {
        "total_active": total,
        "needs_review_count": int(row["needs_review"]),
        "active_count": int(row["active"]),
        "archived_count": int(row["archived"]),
        "stale_count": stale,
        "average_days_since_review": ratio(int(row["days_sum"]), total, 1),
        "days_threshold": days,
        "stale_percentage": min(max(ratio(stale * 100, total, 2), 0.0), 100.0),
    }
