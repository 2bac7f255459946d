"""MCP hourly rollups: the ``mcp.rollup`` job kind, which hours it covers, and its requests.

A rollup job's payload is ``{from, to}``. It fills ``mcp_hourly_rollups`` with one row per
(hour, tool) for every whole UTC hour inside ``[from, to)`` that had *ended* when the job
ran: an hour still in progress would be stale the moment it was counted. The rows come
from one ``INSERT ... SELECT ... GROUP BY`` upsert, and rows of the covered hours whose
tool no longer has calls are deleted in the same transaction, so a rerun recounts from
the raw calls and leaves exactly the same rows (idempotent).

Coverage: the job's result records the hours it covered (``{rows, covered_from,
covered_to}``). Readers use rollup rows only for hours inside a *succeeded* rollup's
covered range (``covered_hours``), so an hour no rollup ever ran for is read raw, and the
rows of a job still running or failed are never read. A call written later with a
timestamp in an already covered hour (an import of old data) is counted once a rollup
of that hour runs again.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, func, literal, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway import jobs
from gateway.jobs import JOBS, ClaimedJob, job_kind
from gateway.sql import bucket_floor, epoch_bucket, table_of
from models.governance import McpHourlyRollup, McpToolCall

KIND = "mcp.rollup"
HOUR = timedelta(hours=1)
CALLS = table_of(McpToolCall)
ROLLUPS = table_of(McpHourlyRollup)

Hours = list[tuple[datetime, datetime]]


def whole_hours(start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """The whole UTC hours inside ``[start, end)``, as ``[first, last)``; None if none."""
    first = bucket_floor(start, 3600)
    if first < start:
        first += HOUR
    last = bucket_floor(end, 3600)
    return (first, last) if first < last else None


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _hour_of(dialect: str) -> Any:
    """The hour holding a call, as the rollup's ``hour`` column stores it."""
    if dialect == "sqlite":
        # SQLite keeps times as text with six fraction digits; epoch_bucket's text has
        # none, and '10:00:00' sorts before '10:00:00.000000', so comparisons with a bound
        # hour would miss it. The stored form is written out in full instead.
        return func.strftime("%Y-%m-%d %H:00:00.000000", CALLS.c.created_at)
    return epoch_bucket(CALLS.c.created_at, 3600)


def _new_uuid(dialect: str) -> Any:
    # Rollup rows are never rendered, so a random id is enough (hex text on SQLite).
    if dialect == "sqlite":
        return func.lower(func.hex(func.randomblob(16)))
    return func.gen_random_uuid()


async def build(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    first: datetime,
    last: datetime,
    now: datetime,
) -> int:
    """Upserts the rollup rows of the hours ``[first, last)``; how many rows they are."""
    dialect = conn.dialect.name
    hour = _hour_of(dialect).label("hour")
    window = and_(CALLS.c.org_id == org_id, CALLS.c.created_at >= first, CALLS.c.created_at < last)

    def count(verdict: str) -> Any:
        return func.sum(case((CALLS.c.verdict == verdict, 1), else_=0))

    grouped = (
        select(
            _new_uuid(dialect),
            literal(org_id, ROLLUPS.c.org_id.type),
            hour,
            CALLS.c.tool,
            func.count(),
            count("passed"),
            count("corrected"),
            count("blocked"),
            func.coalesce(func.sum(CALLS.c.latency_ms), 0),
            literal(now, ROLLUPS.c.built_at.type),
        )
        .where(window)
        .group_by(hour, CALLS.c.tool)
    )
    columns = ["id", "org_id", "hour", "tool", "calls", "passed", "corrected", "blocked"]
    columns += ["latency_sum_ms", "built_at"]
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ROLLUPS)
    statement = insert.from_select(columns, grouped)
    statement = statement.on_conflict_do_update(
        index_elements=["org_id", "hour", "tool"],
        set_={name: statement.excluded[name] for name in columns[4:]},
    )
    await conn.execute(statement)
    # A tool whose calls in a covered hour are gone (a session deleted) keeps no row.
    still_there = select(_hour_of(dialect), CALLS.c.tool).where(window).distinct()
    await conn.execute(
        delete(ROLLUPS).where(
            ROLLUPS.c.org_id == org_id,
            ROLLUPS.c.hour >= first,
            ROLLUPS.c.hour < last,
            tuple_(ROLLUPS.c.hour, ROLLUPS.c.tool).not_in(still_there),
        )
    )
    # Counted, not taken from rowcount: drivers disagree on an upsert's rowcount.
    held = select(func.count()).where(
        ROLLUPS.c.org_id == org_id, ROLLUPS.c.hour >= first, ROLLUPS.c.hour < last
    )
    return int((await conn.execute(held)).scalar_one())


@job_kind(KIND)
async def mcp_rollup(engine: AsyncEngine, *, job: ClaimedJob, now: datetime) -> dict[str, Any]:
    """The job: whole hours of the payload's window that ended by ``now``."""
    start, end = _moment(job.payload["from"]), _moment(job.payload["to"])
    hours = whole_hours(start, min(end, now))
    if hours is None:
        return {"rows": 0, "covered_from": None, "covered_to": None}
    first, last = hours
    async with engine.begin() as conn:
        rows = await build(conn, org_id=job.org_id, first=first, last=last, now=now)
    return {"rows": rows, "covered_from": first.isoformat(), "covered_to": last.isoformat()}


async def covered_hours(
    conn: AsyncConnection, *, org_id: uuid.UUID, first: datetime, last: datetime
) -> Hours:
    """The hour ranges within ``[first, last)`` that succeeded rollups cover, merged."""
    statement = select(JOBS.c.result).where(
        JOBS.c.org_id == org_id, JOBS.c.kind == KIND, JOBS.c.status == "succeeded"
    )
    ranges: Hours = []
    for (result,) in await conn.execute(statement):
        if not result or not result.get("covered_from"):
            continue
        low = max(_moment(result["covered_from"]), first)
        high = min(_moment(result["covered_to"]), last)
        if low < high:
            ranges.append((low, high))
    merged: Hours = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


# --- requests and their status ----------------------------------------------------------


async def request(
    conn: AsyncConnection, *, org_id: uuid.UUID, start: datetime, end: datetime, now: datetime
) -> RowMapping:
    """A queued rollup job of ``[start, end)``, in the caller's transaction."""
    payload = {"from": start.isoformat(), "to": end.isoformat()}
    return await jobs.enqueue(conn, org_id=org_id, kind=KIND, payload=payload, now=now)


async def get(conn: AsyncConnection, *, org_id: uuid.UUID, rollup_id: uuid.UUID) -> Any:
    """One rollup job of the organisation with its window, or None (any other job too)."""
    statement = select(JOBS).where(
        JOBS.c.id == rollup_id, JOBS.c.org_id == org_id, JOBS.c.kind == KIND
    )
    return (await conn.execute(statement)).mappings().first()
