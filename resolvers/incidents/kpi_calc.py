"""KPI values: one SQL statement per metric and window, then the type's arithmetic.

The semantics (README, "KPI semantics"):

- A metric's window is ``[period_end - time_window_hours, period_end)``; ``period_end`` is
  the calculation time truncated to the hour.
- Counted: the incidents created in the window whose category, severity and priority the
  metric lists (an empty list means all).
- MTTA: each acknowledged incident gives ``acknowledged_at - created_at`` in minutes; MTTR:
  each resolved incident ``resolved_at - created_at`` in hours. The samples are
  aggregated by ``aggregation_type`` (AVERAGE, MEDIAN, MIN, MAX, SUM, COUNT,
  PERCENTILE_95, PERCENTILE_99 by ``percentile_cont``). No sample gives 0.
- Breaks are the incidents with ``downtime_minutes > 0``. MTBF = (window hours - their
  downtime hours) / breaks; MTBSI = window hours / breaks; with no break both are the
  window hours. Downtime is capped at the window (so MTBF is never negative).
- AVAILABILITY = (window - downtime, capped at the window) / window x 100.
- INCIDENT_COUNT counts the incidents. RESOLUTION_RATE = resolved / incidents x 100,
  ESCALATION_RATE = escalated (``escalation_count > 0``) / incidents x 100; 0 with none.
- CUSTOM evaluates its formula (``kpi_formula``) over the other types' values.
- Values are rounded to 2 decimals, half up, once, from the exact figures.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.rounding import exact, half_up
from gateway.sql import percentile_cont, seconds_between, table_of
from models.incidents import Incident
from resolvers.incidents.kpi_formula import evaluate

INCIDENTS = table_of(Incident)

# MTTA and MTTR keep their samples' unit; the others are figures of the window.
SAMPLE_TYPES = ("MTTA", "MTTR")
LOWER_IS_BETTER = frozenset({"MTTA", "MTTR", "INCIDENT_COUNT", "ESCALATION_RATE"})


@dataclass(frozen=True)
class MetricSpec:
    """What a calculation needs of a metric."""

    metric_type: str
    aggregation_type: str
    categories: tuple[str, ...]
    severities: tuple[str, ...]
    priorities: tuple[str, ...]
    formula: str | None
    hours: int

    @classmethod
    def of(cls, row: Any, hours: int | None = None) -> MetricSpec:
        return cls(
            metric_type=row["metric_type"],
            aggregation_type=row["aggregation_type"],
            categories=tuple(row["incident_categories"] or ()),
            severities=tuple(row["incident_severities"] or ()),
            priorities=tuple(row["incident_priorities"] or ()),
            formula=row["calculation_formula"],
            hours=hours or row["time_window_hours"],
        )


@dataclass(frozen=True)
class Value:
    value: Decimal
    incident_count: int
    details: dict[str, Any]


def period_end_of(now: datetime) -> datetime:
    """The calculation time truncated to the hour: the end of every metric's window."""
    return now.replace(minute=0, second=0, microsecond=0)


def _aggregate(aggregation: str, sample: Any) -> Any:
    if aggregation == "AVERAGE":
        return func.avg(sample)
    if aggregation == "MEDIAN":
        return percentile_cont(0.5, sample)
    if aggregation == "PERCENTILE_95":
        return percentile_cont(0.95, sample)
    if aggregation == "PERCENTILE_99":
        return percentile_cont(0.99, sample)
    if aggregation == "COUNT":
        return func.count(sample)
    if aggregation == "MIN":
        return func.min(sample)
    if aggregation == "MAX":
        return func.max(sample)
    return func.sum(sample)


def window_statement(org_id: uuid.UUID, spec: MetricSpec, start: datetime, end: datetime) -> Any:
    """Every figure any type needs, of the window's matching incidents, in one row."""
    created = INCIDENTS.c.created_at
    acknowledged, resolved = INCIDENTS.c.acknowledged_at, INCIDENTS.c.resolved_at
    mtta = case((acknowledged.is_not(None), seconds_between(created, acknowledged) / 60.0))
    mttr = case((resolved.is_not(None), seconds_between(created, resolved) / 3600.0))
    breaks = INCIDENTS.c.downtime_minutes > 0
    conditions = [INCIDENTS.c.org_id == org_id, created >= start, created < end]
    for column, wanted in (
        (INCIDENTS.c.category, spec.categories),
        (INCIDENTS.c.severity, spec.severities),
        (INCIDENTS.c.priority, spec.priorities),
    ):
        if wanted:
            conditions.append(column.in_(wanted))
    return select(
        func.count().label("incidents"),
        _aggregate(spec.aggregation_type, mtta).label("mtta"),
        func.count(mtta).label("mtta_samples"),
        _aggregate(spec.aggregation_type, mttr).label("mttr"),
        func.count(mttr).label("mttr_samples"),
        func.count(case((breaks, 1))).label("breaks"),
        func.coalesce(func.sum(case((breaks, INCIDENTS.c.downtime_minutes))), 0).label(
            "downtime_minutes"
        ),
        func.count(resolved).label("resolved"),
        func.count(case((INCIDENTS.c.escalation_count > 0, 1))).label("escalated"),
    ).where(and_(*conditions))


def figures(row: Any, hours: int) -> dict[str, Fraction]:
    """Every type's exact value from the window's row (CUSTOM's operands)."""
    incidents, breaks = int(row["incidents"]), int(row["breaks"])
    window = Fraction(hours)
    downtime = min(Fraction(int(row["downtime_minutes"]), 60), window)

    def percent(part: int) -> Fraction:
        return Fraction(part * 100, incidents) if incidents else Fraction(0)

    return {
        "MTTA": exact(row["mtta"]) if row["mtta"] is not None else Fraction(0),
        "MTTR": exact(row["mttr"]) if row["mttr"] is not None else Fraction(0),
        "MTBF": (window - downtime) / breaks if breaks else window,
        "MTBSI": window / breaks if breaks else window,
        "AVAILABILITY": (window - downtime) / window * 100,
        "INCIDENT_COUNT": Fraction(incidents),
        "RESOLUTION_RATE": percent(int(row["resolved"])),
        "ESCALATION_RATE": percent(int(row["escalated"])),
    }


async def calculate(
    conn: AsyncConnection, *, org_id: uuid.UUID, spec: MetricSpec, end: datetime
) -> Value:
    """The metric's value over ``[end - hours, end)``."""
    start = end - timedelta(hours=spec.hours)
    row = (await conn.execute(window_statement(org_id, spec, start, end))).mappings().one()
    values = figures(row, spec.hours)
    if spec.metric_type == "CUSTOM":
        assert spec.formula is not None
        figure = evaluate(spec.formula, values)
    else:
        figure = values[spec.metric_type]
    details: dict[str, Any] = {
        "incidents": int(row["incidents"]),
        "breaks": int(row["breaks"]),
        "downtime_minutes": int(row["downtime_minutes"]),
    }
    if spec.metric_type in SAMPLE_TYPES:
        details["samples"] = int(row[f"{spec.metric_type.lower()}_samples"])
        details["aggregation"] = spec.aggregation_type
    if spec.metric_type == "CUSTOM":
        details["formula"] = spec.formula
        details["operands"] = {name: str(half_up(v, 2)) for name, v in values.items()}
    rounded = Decimal(str(half_up(figure, 2)))
    return Value(value=rounded, incident_count=int(row["incidents"]), details=details)
