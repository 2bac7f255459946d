"""KPI reads: statements over the organisation's metrics and measurements, and the
summary (each active metric's latest measurement against its previous one).

Summary rules (README): ``trend_percentage`` = (current - previous) / previous x 100 to 1
decimal ("0.0" without a previous measurement or with previous 0); ``trend`` is ``up``
above +1.0, ``down`` below -1.0, else ``stable`` (on the figure shown). ``target_met``:
for MTTA, MTTR, INCIDENT_COUNT and ESCALATION_RATE lower is better (current <= target),
for the others higher (current >= target); with no target it is true.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from gateway.rounding import decimal_string, half_up
from gateway.sql import newest_per_key, table_of
from models.incidents import KpiMeasurement, KpiMetric
from models.tenancy import User
from resolvers.incidents.kpi_calc import LOWER_IS_BETTER
from resolvers.incidents.listing import search_condition

METRICS = table_of(KpiMetric)
MEASUREMENTS = table_of(KpiMeasurement)
USERS = table_of(User)
NEWEST = (MEASUREMENTS.c.period_end.desc(), MEASUREMENTS.c.calculated_at.desc())


def metrics_of(org_id: uuid.UUID) -> Select[Any]:
    return select(METRICS).where(METRICS.c.org_id == org_id)


def metric_conditions(
    org_id: uuid.UUID,
    *,
    metric_type: str | None,
    flags: dict[str, bool | None],
    created: tuple[datetime | None, datetime | None],
    search: str | None,
) -> list[ColumnElement[bool]]:
    """Which metrics the list holds (``flags``: a column's name and the value it must have,
    None: any; ``created``: bounds of the creation time, inclusive): its resolver's
    statement and the compiled one (gateway/compiler) both read these."""
    m = METRICS.c
    conditions = [m.org_id == org_id]
    if metric_type is not None:
        conditions.append(m.metric_type == metric_type)
    conditions += [m[name].is_(value) for name, value in flags.items() if value is not None]
    after, before = created
    if after is not None:
        conditions.append(m.created_at >= after)
    if before is not None:
        conditions.append(m.created_at <= before)
    found = search_condition(search, (m.name, m.description))
    return conditions if found is None else [*conditions, found]


def measurements_of(org_id: uuid.UUID) -> Select[Any]:
    return select(MEASUREMENTS).where(MEASUREMENTS.c.org_id == org_id)


def measurement_counts(org_id: uuid.UUID, metric_ids: Sequence[uuid.UUID]) -> Select[Any]:
    return (
        select(MEASUREMENTS.c.metric_id, func.count().label("count"))
        .where(MEASUREMENTS.c.org_id == org_id, MEASUREMENTS.c.metric_id.in_(metric_ids))
        .group_by(MEASUREMENTS.c.metric_id)
    )


def newest_measurements(
    dialect: str, org_id: uuid.UUID, metric_ids: Sequence[uuid.UUID], first: int
) -> Select[Any]:
    """Each metric's ``first`` newest measurements (by period end), newest first."""
    return newest_per_key(
        dialect,
        measurements_of(org_id),
        MEASUREMENTS.c.metric_id,
        list(metric_ids),
        NEWEST,
        first,
    )


def usernames(org_id: uuid.UUID, user_ids: Sequence[uuid.UUID]) -> Select[Any]:
    return select(USERS.c.id, USERS.c.username).where(
        USERS.c.org_id == org_id, USERS.c.id.in_(user_ids)
    )


@dataclass(frozen=True)
class SummaryRow:
    metric_type: str
    metric_name: str
    current_value: str
    unit: str
    trend: str
    trend_percentage: str
    period_start: datetime
    period_end: datetime
    incident_count: int
    target_value: str | None
    target_met: bool


def summary_statement(dialect: str, org_id: uuid.UUID) -> Select[Any]:
    """Each active metric's two newest measurements, with the metric's fields."""
    ranked = (
        select(
            MEASUREMENTS,
            func.row_number()
            .over(partition_by=MEASUREMENTS.c.metric_id, order_by=NEWEST)
            .label("rank"),
        )
        .where(MEASUREMENTS.c.org_id == org_id)
        .subquery()
    )
    return (
        select(
            ranked,
            METRICS.c.name,
            METRICS.c.metric_type,
            METRICS.c.target_value,
            METRICS.c.created_at.label("metric_created_at"),
        )
        .join(METRICS, METRICS.c.id == ranked.c.metric_id)
        .where(METRICS.c.org_id == org_id, METRICS.c.is_active.is_(True), ranked.c.rank <= 2)
        .order_by(METRICS.c.created_at, METRICS.c.id, ranked.c.rank)
    )


def trend_of(current: Decimal, previous: Decimal | None) -> tuple[str, str]:
    """(trend, trend_percentage) of ``current`` against ``previous``."""
    if previous is None or previous == 0:
        return "stable", "0.0"
    percentage = half_up((Fraction(current) - Fraction(previous)) / Fraction(previous) * 100, 1)
    trend = "up" if percentage > 1.0 else "down" if percentage < -1.0 else "stable"
    return trend, decimal_string(percentage, 1)


def target_met(metric_type: str, current: Decimal, target: Decimal | None) -> bool:
    if target is None:
        return True
    return current <= target if metric_type in LOWER_IS_BETTER else current >= target


def summary(rows: Sequence[Any]) -> list[SummaryRow]:
    """The summary from ``summary_statement``'s rows (two per metric at most, newest
    first)."""
    by_metric: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        by_metric.setdefault(row["metric_id"], []).append(row)
    answer = []
    for measured in by_metric.values():
        latest = measured[0]
        previous = measured[1]["value"] if len(measured) > 1 else None
        trend, percentage = trend_of(latest["value"], previous)
        target = latest["target_value"]
        answer.append(
            SummaryRow(
                metric_type=latest["metric_type"],
                metric_name=latest["name"],
                current_value=decimal_string(latest["value"], 2),
                unit=latest["unit"],
                trend=trend,
                trend_percentage=percentage,
                period_start=latest["period_start"],
                period_end=latest["period_end"],
                incident_count=latest["incident_count"],
                target_value=None if target is None else decimal_string(target, 2),
                target_met=target_met(latest["metric_type"], latest["value"], target),
            )
        )
    return answer
