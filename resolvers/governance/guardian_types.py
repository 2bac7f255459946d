"""GraphQL shapes of the guardian analytics: seed 002's summary, timeseries and
by-guardian answers, a guardian's verdict stats and its recent verdicts."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, Self

import strawberry
from strawberry.scalars import JSON

from resolvers.governance.guardian_analytics import GuardianRow, Point, Stats
from resolvers.governance.window import Window


@strawberry.type(description="Verdict counts: requests is every event counted.")
class VerdictTotals:
    requests: int
    passed: int
    corrected: int
    blocked: int
    errors: int = strawberry.field(description="Verdict error.")

    @classmethod
    def of(cls, stats: Stats) -> VerdictTotals:
        return cls(
            requests=stats.requests,
            passed=stats.passed,
            corrected=stats.corrected,
            blocked=stats.blocked,
            errors=stats.errors,
        )


@strawberry.type(description="Shares of requests, 4 decimals half up; 0.0 over none.")
class VerdictRates:
    pass_rate: float
    correction_rate: float
    block_rate: float

    @classmethod
    def of(cls, stats: Stats) -> VerdictRates:
        return cls(
            pass_rate=stats.pass_rate,
            correction_rate=stats.correction_rate,
            block_rate=stats.block_rate,
        )


_PERCENTILE = "percentile_cont over latency_ms, whole ms half up; null over no events."


@strawberry.type(description="Verdict counts, rates and latency percentiles of a window.")
class GovernanceSummary:
    from_: datetime = strawberry.field(name="from", description="Window start (inclusive).")
    to: datetime = strawberry.field(description="Window end (exclusive).")
    totals: VerdictTotals
    rates: VerdictRates
    latency_p50_ms: int | None = strawberry.field(description=_PERCENTILE)
    latency_p95_ms: int | None = strawberry.field(description=_PERCENTILE)
    latency_p99_ms: int | None = strawberry.field(description=_PERCENTILE)

    @classmethod
    def of(cls, window: Window, stats: Stats) -> Self:
        return cls(
            from_=window.start,
            to=window.end,
            totals=VerdictTotals.of(stats),
            rates=VerdictRates.of(stats),
            latency_p50_ms=stats.p50_ms,
            latency_p95_ms=stats.p95_ms,
            latency_p99_ms=stats.p99_ms,
        )


@strawberry.type(description="A bucket's verdict counts (metric verdicts).")
class VerdictPoint:
    timestamp: datetime = strawberry.field(description="The bucket's start (UTC).")
    passed: int
    corrected: int
    blocked: int
    errors: int


@strawberry.type(description="A bucket's latency, whole ms half up; null when it is empty.")
class LatencyPoint:
    timestamp: datetime = strawberry.field(description="The bucket's start (UTC).")
    p50_ms: int | None
    p95_ms: int | None
    p99_ms: int | None
    avg_ms: int | None


@strawberry.type(description="A bucket's corrections and their share of its requests.")
class CorrectionPoint:
    timestamp: datetime = strawberry.field(description="The bucket's start (UTC).")
    corrected: int
    correction_rate: float


@strawberry.type(description="A bucket's events with a violation type, and the count by type.")
class ViolationPoint:
    timestamp: datetime = strawberry.field(description="The bucket's start (UTC).")
    total: int
    by_type: JSON = strawberry.field(description="Violation type -> events, keys sorted.")


GovernancePoint = Annotated[
    VerdictPoint | LatencyPoint | CorrectionPoint | ViolationPoint,
    strawberry.union("GovernancePoint", description="One bucket, shaped by the metric."),
]


def point_of(
    metric: str, point: Point
) -> VerdictPoint | LatencyPoint | CorrectionPoint | ViolationPoint:
    """The bucket in the metric's shape."""
    s, at = point.stats, point.timestamp
    if metric == "latency":
        return LatencyPoint(
            timestamp=at, p50_ms=s.p50_ms, p95_ms=s.p95_ms, p99_ms=s.p99_ms, avg_ms=s.avg_ms
        )
    if metric == "corrections":
        return CorrectionPoint(
            timestamp=at, corrected=s.corrected, correction_rate=s.correction_rate
        )
    if metric == "violations":
        by_type: Any = point.violations  # the JSON scalar's value
        return ViolationPoint(timestamp=at, total=point.violation_total, by_type=by_type)
    return VerdictPoint(
        timestamp=at, passed=s.passed, corrected=s.corrected, blocked=s.blocked, errors=s.errors
    )


@strawberry.type(description="A zero-filled series of buckets, oldest first.")
class GovernanceTimeseries:
    metric: str
    bucket: str
    from_: datetime = strawberry.field(name="from")
    to: datetime
    series: list[GovernancePoint]


@strawberry.type
class ViolationCount:
    type: str
    count: int


@strawberry.type(description="One guardian's verdicts over the window.")
class GuardianRollupRow:
    guardian_id: uuid.UUID
    guardian_name: str
    requests: int
    passed: int
    corrected: int
    blocked: int
    errors: int
    avg_latency_ms: int | None = strawberry.field(description="Whole ms, half up.")
    top_violation_types: list[ViolationCount] = strawberry.field(
        description="Up to 5, by count descending, then type."
    )

    @classmethod
    def of(cls, row: GuardianRow) -> GuardianRollupRow:
        s = row.stats
        return cls(
            guardian_id=row.guardian_id,
            guardian_name=row.guardian_name,
            requests=s.requests,
            passed=s.passed,
            corrected=s.corrected,
            blocked=s.blocked,
            errors=s.errors,
            avg_latency_ms=s.avg_ms,
            top_violation_types=[
                ViolationCount(type=t, count=n) for t, n in row.top_violation_types
            ],
        )


@strawberry.type(description="Per-guardian rollup: by requests descending, then name.")
class GuardianRollup:
    from_: datetime = strawberry.field(name="from")
    to: datetime
    data: list[GuardianRollupRow]


@strawberry.type(description="A guardian's verdicts over a window.")
class GuardianVerdictStats(GovernanceSummary):
    """The summary's figures for one guardian, and its mean latency."""

    avg_latency_ms: int | None = strawberry.field(default=None, description="Whole ms, half up.")

    @classmethod
    def of(cls, window: Window, stats: Stats) -> Self:
        return replace(super().of(window, stats), avg_latency_ms=stats.avg_ms)


@strawberry.type(description="One verdict event of a guardian.")
class GuardianVerdict:
    id: uuid.UUID
    guardian_id: uuid.UUID
    verdict: str = strawberry.field(description="passed, corrected, blocked or error.")
    latency_ms: int
    violation_type: str | None
    environment: str
    tag: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> GuardianVerdict:
        return cls(
            id=row["id"],
            guardian_id=row["guardian_id"],
            verdict=row["verdict"],
            latency_ms=row["latency_ms"],
            violation_type=row["violation_type"],
            environment=row["environment"],
            tag=row["tag"],
            created_at=row["created_at"],
        )
