"""Guardian verdict analytics (seed 002): summary, timeseries and the per-guardian rollup.

Everything is counted in SQL (GROUP BY, ``percentile_cont``), one statement per figure
family, so a request costs the same few statements whatever the window holds; Python
only zero-fills the (at most 1,440) buckets and rounds. Rates are shares of requests,
4 decimals half up from the exact counts; percentiles and averages are whole
milliseconds, half up; an empty window or bucket answers zeros and ``None`` latencies.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, and_, case, func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from gateway.rounding import half_up, ratio
from gateway.sql import bucket_starts, epoch_bucket, percentile_cont
from models.governance import Guardian, GuardianVerdictEvent
from resolvers.governance.window import Filters, Window

RATE_DIGITS = 4
TOP_VIOLATIONS = 5
METRICS: tuple[str, ...] = ("verdicts", "latency", "corrections", "violations")

_created = col(GuardianVerdictEvent.created_at)
_latency = col(GuardianVerdictEvent.latency_ms)
_verdict = col(GuardianVerdictEvent.verdict)
_violation = col(GuardianVerdictEvent.violation_type)
_guardian = col(GuardianVerdictEvent.guardian_id)


def _count_of(verdict: str) -> Any:
    return func.coalesce(func.sum(case((_verdict == verdict, 1), else_=0)), 0)


# Counts and latency figures every aggregate answers, labelled as the rows read them.
def _counts() -> list[Any]:
    return [
        func.count().label("requests"),
        _count_of("passed").label("passed"),
        _count_of("corrected").label("corrected"),
        _count_of("blocked").label("blocked"),
        _count_of("error").label("errors"),
    ]


def _latencies() -> list[Any]:
    return [
        percentile_cont(0.5, _latency).label("p50"),
        percentile_cont(0.95, _latency).label("p95"),
        percentile_cont(0.99, _latency).label("p99"),
        # Summed as a 64-bit integer (a million 3-second latencies outgrow 32 bits), so the
        # average is rounded from the exact fraction.
        func.coalesce(func.sum(_latency), 0).cast(BigInteger).label("latency_sum"),
    ]


def scope(org_id: uuid.UUID, window: Window | None, filters: Filters) -> list[Any]:
    """The organisation, ``[from, to)`` and the filters (the event's own environment and
    tag), as WHERE conditions."""
    conditions: list[Any] = [col(GuardianVerdictEvent.org_id) == org_id]
    if window is not None:
        conditions += [_created >= window.start, _created < window.end]
    if filters.guardian_id is not None:
        conditions.append(_guardian == filters.guardian_id)
    if filters.environment is not None:
        conditions.append(col(GuardianVerdictEvent.environment) == filters.environment)
    if filters.tag is not None:
        conditions.append(col(GuardianVerdictEvent.tag) == filters.tag)
    return conditions


def whole_ms(value: float | None) -> int | None:
    """A latency figure as whole milliseconds, half up; None stays None (nothing counted)."""
    return None if value is None else int(half_up(value, 0))


def average_ms(total: int, count: int) -> int | None:
    return None if not count else int(ratio(total, count, 0))


@dataclass(frozen=True)
class Stats:
    """Verdict counts, rates and latencies of one group of events."""

    requests: int = 0
    passed: int = 0
    corrected: int = 0
    blocked: int = 0
    errors: int = 0
    p50_ms: int | None = None
    p95_ms: int | None = None
    p99_ms: int | None = None
    avg_ms: int | None = None

    @classmethod
    def from_row(cls, row: RowMapping | None) -> Stats:
        if row is None or not row["requests"]:
            return cls()
        return cls(
            requests=int(row["requests"]),
            passed=int(row["passed"]),
            corrected=int(row["corrected"]),
            blocked=int(row["blocked"]),
            errors=int(row["errors"]),
            p50_ms=whole_ms(row["p50"]),
            p95_ms=whole_ms(row["p95"]),
            p99_ms=whole_ms(row["p99"]),
            avg_ms=average_ms(int(row["latency_sum"]), int(row["requests"])),
        )

    @property
    def pass_rate(self) -> float:
        return ratio(self.passed, self.requests, RATE_DIGITS)

    @property
    def correction_rate(self) -> float:
        return ratio(self.corrected, self.requests, RATE_DIGITS)

    @property
    def block_rate(self) -> float:
        return ratio(self.blocked, self.requests, RATE_DIGITS)


async def summary(
    conn: AsyncConnection, *, org_id: uuid.UUID, window: Window, filters: Filters
) -> Stats:
    """One statement: every count and percentile of the window."""
    statement = select(*_counts(), *_latencies()).where(*scope(org_id, window, filters))
    return Stats.from_row((await conn.execute(statement)).mappings().first())


async def stats_by_guardian(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    window: Window,
    guardian_ids: list[uuid.UUID],
) -> dict[uuid.UUID, Stats]:
    """Each guardian's stats over the window, one statement for all of them."""
    statement = (
        select(_guardian.label("guardian_id"), *_counts(), *_latencies())
        .where(*scope(org_id, window, Filters()), _guardian.in_(guardian_ids))
        .group_by(_guardian)
    )
    rows = (await conn.execute(statement)).mappings()
    return {row["guardian_id"]: Stats.from_row(row) for row in rows}


# --- timeseries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One bucket of a timeseries; which fields mean something depends on the metric."""

    timestamp: datetime
    stats: Stats = field(default_factory=Stats)
    violations: dict[str, int] = field(default_factory=dict)

    @property
    def violation_total(self) -> int:
        return sum(self.violations.values())


async def timeseries(
    conn: AsyncConnection, *, org_id: uuid.UUID, window: Window, filters: Filters, metric: str
) -> list[Point]:
    """Every bucket from the one holding ``from`` to the last starting before ``to``,
    oldest first, zero-filled. One statement: the stats per bucket, or for
    ``violations`` the count per bucket and violation type."""
    bucket = epoch_bucket(_created, window.bucket_seconds).label("bucket")
    conditions = scope(org_id, window, filters)
    starts = bucket_starts(window.start, window.end, window.bucket_seconds)
    if metric == "violations":
        statement: Any = (
            select(bucket, _violation.label("type"), func.count().label("count"))
            .where(*conditions, _violation.is_not(None))
            .group_by(bucket, _violation)
        )
        by_bucket: defaultdict[datetime, dict[str, int]] = defaultdict(dict)
        for row in (await conn.execute(statement)).mappings():
            by_bucket[row["bucket"]][row["type"]] = int(row["count"])
        return [Point(start, violations=dict(sorted(by_bucket[start].items()))) for start in starts]
    # Verdict counts need no percentiles; the latency metric does.
    figures = [*_counts(), *_latencies()] if metric == "latency" else _counts()
    statement = select(bucket, *figures).where(*conditions).group_by(bucket)
    found: dict[datetime, RowMapping] = {}
    for row in (await conn.execute(statement)).mappings():
        found[row["bucket"]] = row
    if metric != "latency":
        return [Point(start, _counts_only(found.get(start))) for start in starts]
    return [Point(start, Stats.from_row(found.get(start))) for start in starts]


def _counts_only(row: RowMapping | None) -> Stats:
    if row is None:
        return Stats()
    return Stats(
        requests=int(row["requests"]),
        passed=int(row["passed"]),
        corrected=int(row["corrected"]),
        blocked=int(row["blocked"]),
        errors=int(row["errors"]),
    )


# --- by guardian ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GuardianRow:
    guardian_id: uuid.UUID
    guardian_name: str
    stats: Stats
    top_violation_types: list[tuple[str, int]]


async def by_guardian(
    conn: AsyncConnection, *, org_id: uuid.UUID, window: Window, filters: Filters
) -> list[GuardianRow]:
    """One row per guardian with an event in the window, by requests descending, then
    name (then id, for two guardians of one name). Two statements: the counts per
    guardian, and each guardian's five commonest violation types (count descending,
    then type) ranked in SQL."""
    conditions = scope(org_id, window, filters)
    counts = (
        select(
            _guardian.label("guardian_id"),
            col(Guardian.name).label("guardian_name"),
            *_counts(),
            func.coalesce(func.sum(_latency), 0).cast(BigInteger).label("latency_sum"),
        )
        .join(
            Guardian,
            and_(
                col(Guardian.id) == _guardian,
                col(Guardian.org_id) == col(GuardianVerdictEvent.org_id),
            ),
        )
        .where(*conditions)
        .group_by(_guardian, col(Guardian.name))
        .order_by(func.count().desc(), col(Guardian.name), _guardian)
    )
    rows = list((await conn.execute(counts)).mappings())
    if not rows:
        return []
    count = func.count()
    rank = (
        func.row_number()
        .over(partition_by=_guardian, order_by=(count.desc(), _violation))
        .label("rank")
    )
    ranked = (
        select(_guardian.label("guardian_id"), _violation.label("type"), count.label("count"), rank)
        .where(*conditions, _violation.is_not(None))
        .group_by(_guardian, _violation)
        .subquery()
    )
    top = select(ranked).where(ranked.c.rank <= TOP_VIOLATIONS).order_by(ranked.c.rank)
    tops: defaultdict[uuid.UUID, list[tuple[str, int]]] = defaultdict(list)
    for row in (await conn.execute(top)).mappings():
        tops[row["guardian_id"]].append((row["type"], int(row["count"])))
    return [
        GuardianRow(
            guardian_id=row["guardian_id"],
            guardian_name=row["guardian_name"],
            stats=Stats(
                requests=int(row["requests"]),
                passed=int(row["passed"]),
                corrected=int(row["corrected"]),
                blocked=int(row["blocked"]),
                errors=int(row["errors"]),
                avg_ms=average_ms(int(row["latency_sum"]), int(row["requests"])),
            ),
            top_violation_types=tops[row["guardian_id"]],
        )
        for row in rows
    ]
