"""NHI observability (issue 9): what each non-human identity did over ``[from, to)``.

Everything is counted in SQL with GROUP BY; no event row reaches Python. Per NHI:
events (``activity_count``), spend, distinct non-null tools, denied attempts, the share
of events a guardian checked, MCP sessions that started in the window, and its latest
event in the window. Spend is summed as whole ten-thousandths (``money_units``), exact on
both databases, and rounded once, half up, to 2 decimals; the guardian-checked share is
4 decimals half up, and 0.0 over no events. Every NHI of the organisation has a row,
zeros when idle, ordered by label then id (a keyset page). ``totals`` cover every NHI (or
the one filtered on); the series is zero-filled over buckets at UTC multiples.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any, ClassVar

from sqlalchemy import BigInteger, and_, case, cast, func, literal, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from gateway.context import Context
from gateway.cursors import decode_cursor, encode_cursor
from gateway.rounding import half_up, ratio
from gateway.sql import MONEY_UNITS, UTCDateTime, bucket_starts, epoch_bucket, money_units
from models.governance import McpSession
from models.identities import Nhi, NhiActivity
from resolvers.governance.window import Window
from resolvers.pagination import Page, page_of

SPEND_DIGITS = 2
SHARE_DIGITS = 4

_nhi = col(NhiActivity.nhi_id)
_at = col(NhiActivity.occurred_at)


def usd(units: int) -> float:
    """Ten-thousandths of a USD as USD, 2 decimals half up, from the exact sum."""
    return half_up(Fraction(units, MONEY_UNITS), SPEND_DIGITS)


@dataclass(frozen=True)
class Activity:
    """One NHI's (or every NHI's) activity over a window, exactly as counted."""

    activity_count: int = 0
    spend_units: int = 0  # ten-thousandths of a USD
    tools_used: int = 0
    denied_attempts: int = 0
    guardian_checked: int = 0
    mcp_sessions: int = 0
    last_seen_at: datetime | None = None

    @property
    def spend_usd(self) -> float:
        return usd(self.spend_units)

    @property
    def guardian_checked_share(self) -> float:
        """Events a guardian checked over all events, 4 decimals; 0.0 with no events."""
        return ratio(self.guardian_checked, self.activity_count, SHARE_DIGITS)

    @classmethod
    def from_row(cls, row: RowMapping | None) -> Activity:
        if row is None:
            return cls()
        return cls(
            activity_count=int(row["activity_count"] or 0),
            spend_units=int(row["spend_units"] or 0),
            tools_used=int(row["tools_used"] or 0),
            denied_attempts=int(row["denied_attempts"] or 0),
            guardian_checked=int(row["guardian_checked"] or 0),
            mcp_sessions=int(row.get("mcp_sessions") or 0),
            last_seen_at=row.get("last_seen_at"),
        )


@dataclass(frozen=True)
class Totals:
    nhis: int
    active_nhis: int  # NHIs with at least one event in the window
    activity: Activity


@dataclass(frozen=True)
class Point:
    timestamp: datetime  # the bucket's start, UTC
    activity_count: int = 0
    spend_units: int = 0
    denied_attempts: int = 0

    # The figures a bucket counts.
    FIGURES: ClassVar[tuple[str, ...]] = ("activity_count", "spend_units", "denied_attempts")

    @property
    def spend_usd(self) -> float:
        return usd(self.spend_units)

    @classmethod
    def of(cls, start: datetime, row: RowMapping | None) -> Point:
        """The bucket starting at ``start``: its row's figures, or zeros without one."""
        if row is None:
            return cls(start)
        return cls(start, *(int(row[name]) for name in cls.FIGURES))


def _sum_of(condition: Any) -> Any:
    return cast(func.coalesce(func.sum(case((condition, 1), else_=0)), 0), BigInteger)


_FIGURE_NAMES = (
    "activity_count",
    "spend_units",
    "tools_used",
    "denied_attempts",
    "guardian_checked",
)


def _figures(names: Sequence[str] = _FIGURE_NAMES) -> list[Any]:
    """The activity figures of a group of events, labelled as ``Activity`` reads them."""
    spend = func.coalesce(func.sum(money_units(col(NhiActivity.spend_usd))), 0)
    figures = {
        "activity_count": func.count(),
        "spend_units": cast(spend, BigInteger),
        "tools_used": func.count(func.distinct(col(NhiActivity.tool))),
        "denied_attempts": _sum_of(col(NhiActivity.outcome) == "denied"),
        "guardian_checked": _sum_of(col(NhiActivity.guardian_id).is_not(None)),
    }
    return [figures[name].label(name) for name in names]


def _in_window(
    org_id: uuid.UUID, start: datetime, end: datetime, nhi_ids: Sequence[uuid.UUID] | None
) -> list[Any]:
    conditions: list[Any] = [
        col(NhiActivity.org_id) == org_id,
        _at >= literal(start, UTCDateTime()),
        _at < literal(end, UTCDateTime()),
    ]
    if nhi_ids is not None:
        conditions.append(_nhi.in_(nhi_ids))
    return conditions


def _sessions_in_window(
    org_id: uuid.UUID, start: datetime, end: datetime, nhi_ids: Sequence[uuid.UUID] | None
) -> list[Any]:
    started = col(McpSession.started_at)
    conditions: list[Any] = [
        col(McpSession.org_id) == org_id,
        col(McpSession.nhi_id).is_not(None),
        started >= literal(start, UTCDateTime()),
        started < literal(end, UTCDateTime()),
    ]
    if nhi_ids is not None:
        conditions.append(col(McpSession.nhi_id).in_(nhi_ids))
    return conditions


def _per_nhi(
    org_id: uuid.UUID, start: datetime, end: datetime, nhi_ids: Sequence[uuid.UUID] | None
) -> tuple[Any, Any]:
    """Two grouped subqueries keyed on ``nhi_id``: the activity figures with the latest
    event, and the MCP sessions started in the window."""
    activity = (
        select(_nhi.label("nhi_id"), *_figures(), func.max(_at).label("last_seen_at"))
        .where(*_in_window(org_id, start, end, nhi_ids))
        .group_by(_nhi)
        .subquery("activity")
    )
    session_nhi = col(McpSession.nhi_id)
    sessions = (
        select(session_nhi.label("nhi_id"), func.count().label("mcp_sessions"))
        .where(*_sessions_in_window(org_id, start, end, nhi_ids))
        .group_by(session_nhi)
        .subquery("sessions")
    )
    return activity, sessions


def _joined(
    org_id: uuid.UUID, start: datetime, end: datetime, only: Sequence[uuid.UUID] | None
) -> Any:
    """The organisation's NHIs (or those of ``only``), each with its figures over
    ``[start, end)`` from the two grouped subqueries (nulls for an idle NHI)."""
    activity, sessions = _per_nhi(org_id, start, end, only)
    conditions: list[Any] = [col(Nhi.org_id) == org_id]
    if only is not None:
        conditions.append(col(Nhi.id).in_(only))
    return (
        select(
            col(Nhi.id),
            col(Nhi.label),
            *(activity.c[name] for name in _FIGURE_NAMES),
            activity.c.last_seen_at,
            sessions.c.mcp_sessions,
        )
        .select_from(Nhi)
        .outerjoin(activity, activity.c.nhi_id == col(Nhi.id))
        .outerjoin(sessions, sessions.c.nhi_id == col(Nhi.id))
        .where(*conditions)
    )


async def summaries(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    start: datetime,
    end: datetime,
    nhi_ids: Sequence[uuid.UUID],
) -> dict[uuid.UUID, Activity]:
    """These NHIs' activity over ``[start, end)``, one statement (the batch behind
    ``Nhi.activitySummary``); an id outside the organisation is absent."""
    found = (await conn.execute(_joined(org_id, start, end, nhi_ids))).mappings()
    return {row["id"]: Activity.from_row(row) for row in found}


def _label_id_after(after: str) -> Any:
    label, last = decode_cursor(after, str, uuid.UUID)
    return or_(col(Nhi.label) > label, and_(col(Nhi.label) == label, col(Nhi.id) > last))


def _cursor(row: RowMapping) -> str:
    return encode_cursor(row["label"], row["id"])


async def rows(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    window: Window,
    first: int,
    after: str | None,
    nhi_id: uuid.UUID | None = None,
) -> Page:
    """A keyset page of the organisation's NHIs by label then id, each joined to its
    figures over the window (null figures for an idle NHI): one statement."""
    only = None if nhi_id is None else [nhi_id]
    statement = _joined(org_id, window.start, window.end, only)
    if after is not None:
        statement = statement.where(_label_id_after(after))
    statement = statement.order_by(col(Nhi.label), col(Nhi.id)).limit(first + 1)
    found = list((await conn.execute(statement)).mappings())
    return page_of(found, first, _cursor)


async def totals(
    conn: AsyncConnection, *, org_id: uuid.UUID, window: Window, nhi_id: uuid.UUID | None = None
) -> Totals:
    """Every NHI's figures together (tools distinct over all of them): one statement,
    the NHIs and sessions counted in scalar subqueries beside the activity figures."""
    only = None if nhi_id is None else [nhi_id]
    nhi_conditions: list[Any] = [col(Nhi.org_id) == org_id]
    if nhi_id is not None:
        nhi_conditions.append(col(Nhi.id) == nhi_id)
    nhis = select(func.count()).select_from(Nhi).where(*nhi_conditions).scalar_subquery()
    sessions = (
        select(func.count())
        .select_from(McpSession)
        .where(*_sessions_in_window(org_id, window.start, window.end, only))
        .scalar_subquery()
    )
    statement = select(
        nhis.label("nhis"),
        func.count(func.distinct(_nhi)).label("active_nhis"),
        *_figures(),
        sessions.label("mcp_sessions"),
    ).where(*_in_window(org_id, window.start, window.end, only))
    row = (await conn.execute(statement)).mappings().one()
    return Totals(
        nhis=int(row["nhis"]), active_nhis=int(row["active_nhis"]), activity=Activity.from_row(row)
    )


async def series(
    conn: AsyncConnection, *, org_id: uuid.UUID, window: Window, nhi_id: uuid.UUID | None = None
) -> list[Point]:
    """Events, spend and denied attempts per bucket, every bucket from the one holding
    ``from`` to the last starting before ``to``, oldest first, zero-filled: one
    statement grouped by bucket."""
    only = None if nhi_id is None else [nhi_id]
    bucket = epoch_bucket(_at, window.bucket_seconds).label("bucket")
    statement = (
        select(bucket, *_figures(Point.FIGURES))
        .where(*_in_window(org_id, window.start, window.end, only))
        .group_by(bucket)
    )
    found = {row["bucket"]: row for row in (await conn.execute(statement)).mappings()}
    starts = bucket_starts(window.start, window.end, window.bucket_seconds)
    return [Point.of(start, found.get(start)) for start in starts]


# --- the per-request batch behind Nhi.activitySummary ------------------------------------


async def activity_by_nhi(
    ctx: Context, start: datetime, end: datetime, keys: Sequence[uuid.UUID]
) -> list[Activity]:
    """Each NHI's activity over ``[start, end)``: one statement per batch of NHIs (the
    loader is keyed with the window, so two windows are two batches)."""
    org_id = await ctx.org_id()
    async with ctx.reading() as conn:
        found = await summaries(conn, org_id=org_id, start=start, end=end, nhi_ids=list(keys))
    return [found.get(key, Activity()) for key in keys]
