"""GraphQL shapes of NHI observability: one NHI's activity figures (a row of the page,
or ``Nhi.activitySummary``), the totals, a bucket of the series and the answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, TypedDict

import strawberry
from sqlalchemy.engine import RowMapping

from resolvers.governance.nhi_observability import Activity, Point, Totals
from resolvers.pagination import Connection

# The NHI reads' ``from``: its default is 7 days before ``to``'s.
NhiFrom = Annotated[
    datetime | None,
    strawberry.argument(name="from", description="Window start (inclusive); default now - 7 days."),
]

_SPEND = "Spend in USD summed exactly, 2 decimals half up."
_SHARE = "Events a guardian checked over all events, 4 decimals half up; 0.0 with none."
_SESSIONS = "MCP sessions of the NHI whose started_at is in the window."


class Figures(TypedDict):
    activity_count: int
    spend_usd: float
    tools_used: int
    denied_attempts: int
    guardian_checked_share: float
    mcp_sessions: int


@strawberry.interface(description="Activity figures over a window.")
class NhiActivityFigures:
    activity_count: int = strawberry.field(description="Activity events in the window.")
    spend_usd: float = strawberry.field(description=_SPEND)
    tools_used: int = strawberry.field(
        description="Distinct tools of those events (events without a tool do not count)."
    )
    denied_attempts: int = strawberry.field(description="Events with outcome denied.")
    guardian_checked_share: float = strawberry.field(description=_SHARE)
    mcp_sessions: int = strawberry.field(description=_SESSIONS)

    @staticmethod
    def values(activity: Activity) -> Figures:
        """The figures as keyword arguments of each type that shows them."""
        return {
            "activity_count": activity.activity_count,
            "spend_usd": activity.spend_usd,
            "tools_used": activity.tools_used,
            "denied_attempts": activity.denied_attempts,
            "guardian_checked_share": activity.guardian_checked_share,
            "mcp_sessions": activity.mcp_sessions,
        }


@strawberry.type(description="One NHI's activity over [from, to).")
class NhiActivitySummary(NhiActivityFigures):
    from_: datetime = strawberry.field(name="from", description="Window start (inclusive).")
    to: datetime = strawberry.field(description="Window end (exclusive).")
    last_seen_at: datetime | None = strawberry.field(
        description="Its latest activity in the window; null when it has none."
    )

    @classmethod
    def of(cls, start: datetime, end: datetime, activity: Activity) -> NhiActivitySummary:
        return cls(
            from_=start,
            to=end,
            last_seen_at=activity.last_seen_at,
            **NhiActivityFigures.values(activity),
        )


@strawberry.type(description="One NHI's row of the observability answer.")
class NhiObservabilityRow(NhiActivityFigures):
    nhi_id: uuid.UUID
    nhi_label: str
    last_seen_at: datetime | None = strawberry.field(
        description="Its latest activity in the window; null when it has none."
    )

    @classmethod
    def from_row(cls, row: RowMapping) -> NhiObservabilityRow:
        """A row of ``nhi_observability.rows``: the NHI and its figures."""
        activity = Activity.from_row(row)
        return cls(
            nhi_id=row["id"],
            nhi_label=row["label"],
            last_seen_at=activity.last_seen_at,
            **NhiActivityFigures.values(activity),
        )


@strawberry.type(description="Every NHI's figures together; tools are distinct over all.")
class NhiObservabilityTotals(NhiActivityFigures):
    nhis: int = strawberry.field(description="NHIs of the organisation (or the one filtered).")
    active_nhis: int = strawberry.field(description="NHIs with an activity event in the window.")

    @classmethod
    def of(cls, totals: Totals) -> NhiObservabilityTotals:
        return cls(
            nhis=totals.nhis,
            active_nhis=totals.active_nhis,
            **NhiActivityFigures.values(totals.activity),
        )


@strawberry.type(description="One bucket of the NHI activity series.")
class NhiActivityPoint:
    timestamp: datetime = strawberry.field(description="The bucket's start (UTC).")
    activity_count: int
    spend_usd: float = strawberry.field(description=_SPEND)
    denied_attempts: int

    @classmethod
    def of(cls, point: Point) -> NhiActivityPoint:
        return cls(
            timestamp=point.timestamp,
            activity_count=point.activity_count,
            spend_usd=point.spend_usd,
            denied_attempts=point.denied_attempts,
        )


@strawberry.type(
    description="Per-NHI activity over [from, to) as a page by label then id; totals and "
    "the series cover every NHI, whatever the page."
)
class NhiObservability(Connection[NhiObservabilityRow]):
    from_: datetime = strawberry.field(name="from", description="Window start (inclusive).")
    to: datetime = strawberry.field(description="Window end (exclusive).")
    bucket: str = strawberry.field(description="The series' bucket: 1h or 1d.")
    totals: NhiObservabilityTotals
    series: list[NhiActivityPoint] = strawberry.field(
        description="Zero-filled buckets at UTC multiples of their size, oldest first."
    )
