"""MCP tool-call analytics (seed 002): the summary and per-tool aggregates, in SQL.

Counts come from two sources, added up in one statement: rollup rows for the hours of
the window that a succeeded rollup covers (``rollup.covered_hours``), and raw calls for
every other instant of ``[start, end)`` (the partial hours at its edges, and hours no
rollup covers). The two never overlap, so an answer is the same with or without rollups.
What a rollup cannot hold, the 95th percentile of latency and the distinct sessions, is
always read from the raw calls.

Figures: ``by_verdict`` shares and ``block_rate`` have 3 decimals, half up, from the
exact counts (``gateway.rounding``); 0.0 over no calls. ``avg_latency_ms`` and
``p95_latency_ms`` are whole milliseconds, half up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.rounding import half_up, ratio
from gateway.sql import percentile_cont
from resolvers.governance.rollup import CALLS, ROLLUPS, Hours, covered_hours, whole_hours

TOP_TOOLS = 10
VERDICTS = ("passed", "corrected", "blocked")


@dataclass(frozen=True)
class ToolCounts:
    tool: str
    calls: int
    passed: int
    corrected: int
    blocked: int
    latency_sum_ms: int

    @property
    def block_rate(self) -> float:
        return ratio(self.blocked, self.calls, 3)


def _within(column: Any, ranges: Hours) -> ColumnElement[bool]:
    if not ranges:
        return false()
    return or_(*(and_(column >= low, column < high) for low, high in ranges))


async def _covered(
    conn: AsyncConnection, org_id: uuid.UUID, start: datetime, end: datetime
) -> Hours:
    hours = whole_hours(start, end)
    if hours is None:
        return []
    return await covered_hours(conn, org_id=org_id, first=hours[0], last=hours[1])


def _uncovered(start: datetime, end: datetime, covered: Hours) -> Hours:
    """``[start, end)`` less the covered ranges (sorted, disjoint, inside it)."""
    gaps: Hours = []
    at = start
    for low, high in covered:
        if at < low:
            gaps.append((at, low))
        at = high
    if at < end:
        gaps.append((at, end))
    return gaps


def _counts(org_id: uuid.UUID, start: datetime, end: datetime, covered: Hours) -> Any:
    """Per tool: calls, the verdict counts and the latency sum, over both sources."""

    def raw_count(verdict: str) -> Any:
        return func.sum(case((CALLS.c.verdict == verdict, 1), else_=0))

    raw = (
        select(
            CALLS.c.tool.label("tool"),
            func.count().label("calls"),
            *(raw_count(v).label(v) for v in VERDICTS),
            func.sum(CALLS.c.latency_ms).label("latency_sum_ms"),
        )
        # The raw ranges are named, not "the window but not the covered hours": each is
        # an index range scan, so the covered hours' calls are never read.
        .where(
            CALLS.c.org_id == org_id, _within(CALLS.c.created_at, _uncovered(start, end, covered))
        )
        .group_by(CALLS.c.tool)
    )
    source: Any = raw
    if covered:
        rolled = (
            select(
                ROLLUPS.c.tool.label("tool"),
                func.sum(ROLLUPS.c.calls).label("calls"),
                *(func.sum(ROLLUPS.c[v]).label(v) for v in VERDICTS),
                func.sum(ROLLUPS.c.latency_sum_ms).label("latency_sum_ms"),
            )
            .where(ROLLUPS.c.org_id == org_id, _within(ROLLUPS.c.hour, covered))
            .group_by(ROLLUPS.c.tool)
        )
        source = union_all(raw, rolled)
    both = source.subquery("both")
    return (
        select(
            both.c.tool,
            func.sum(both.c.calls).label("calls"),
            *(func.sum(both.c[v]).label(v) for v in VERDICTS),
            func.sum(both.c.latency_sum_ms).label("latency_sum_ms"),
        )
        .group_by(both.c.tool)
        .subquery("counts")
    )


def _tool_counts(row: Any) -> ToolCounts:
    # PostgreSQL's SUM of integers is numeric (a Decimal): the counts are whole.
    return ToolCounts(
        tool=row["tool"],
        calls=int(row["calls"]),
        passed=int(row["passed"]),
        corrected=int(row["corrected"]),
        blocked=int(row["blocked"]),
        latency_sum_ms=int(row["latency_sum_ms"] or 0),
    )


async def summary(
    conn: AsyncConnection, *, org_id: uuid.UUID, start: datetime, end: datetime
) -> dict[str, Any]:
    """Totals, verdict shares and the top tools by block rate over ``[start, end)``.

    One row per tool comes back (aggregates, never calls); the totals add them up.
    ``top_tools`` is ordered by the block rate as shown (3 decimals) descending, then
    calls descending, then tool name.
    """
    covered = await _covered(conn, org_id, start, end)
    counts = _counts(org_id, start, end, covered)
    rows = (await conn.execute(select(counts))).mappings()
    tools = [_tool_counts(row) for row in rows]
    calls = sum(t.calls for t in tools)
    totals = {v: sum(getattr(t, v) for t in tools) for v in VERDICTS}
    ranked = sorted(tools, key=lambda t: (-t.block_rate, -t.calls, t.tool))[:TOP_TOOLS]
    return {
        "from": start,
        "to": end,
        "totals": {"tool_calls": calls, **totals},
        "by_verdict": {v: ratio(totals[v], calls, 3) for v in VERDICTS},
        "top_tools": [
            {"tool": t.tool, "calls": t.calls, "block_rate": t.block_rate} for t in ranked
        ],
    }


async def tools(
    conn: AsyncConnection, *, org_id: uuid.UUID, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Every tool called in ``[start, end)``, by calls descending then tool."""
    covered = await _covered(conn, org_id, start, end)
    counts = _counts(org_id, start, end, covered)
    # p95 and distinct sessions need the calls themselves: always the raw rows.
    raw = (
        select(
            CALLS.c.tool.label("tool"),
            percentile_cont(0.95, CALLS.c.latency_ms).label("p95"),
            func.count(CALLS.c.session_id.distinct()).label("sessions"),
        )
        .where(CALLS.c.org_id == org_id, CALLS.c.created_at >= start, CALLS.c.created_at < end)
        .group_by(CALLS.c.tool)
        .subquery("raw")
    )
    statement = (
        select(counts, raw.c.p95, raw.c.sessions)
        .select_from(counts.outerjoin(raw, raw.c.tool == counts.c.tool))
        .order_by(counts.c.calls.desc(), counts.c.tool)
    )
    answer = []
    for row in (await conn.execute(statement)).mappings():
        t = _tool_counts(row)
        answer.append(
            {
                "tool": t.tool,
                "calls": t.calls,
                "passed": t.passed,
                "corrected": t.corrected,
                "blocked": t.blocked,
                "block_rate": t.block_rate,
                "avg_latency_ms": int(half_up(Fraction(t.latency_sum_ms, t.calls), 0)),
                "p95_latency_ms": None if row["p95"] is None else int(half_up(row["p95"], 0)),
                "sessions": int(row["sessions"] or 0),
            }
        )
    return answer
