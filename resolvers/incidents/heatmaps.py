"""Heatmaps of the incidents created in the last ``days`` days, ``[now - days, now)``.

One object per requested type x granularity (every one when not named), each computed
by one SQL statement grouped by the granularity's two axes (``gateway.sql.calendar_part``,
compiled per dialect), empty cells left out, cells ordered by x then y:

- HOUR: x = hour of day 0-23, y = weekday 0 (Monday) to 6, both UTC;
- DAY: x = the UTC date (``YYYY-MM-DD``), y = severity;
- WEEK: x = the ISO week (``YYYY-Www``), y = category.

Values: INCIDENT_FREQUENCY counts the incidents; RESOLUTION_TIME is the mean hours from
creation to resolution of the resolved ones (2 decimals, half up); COST_IMPACT sums their
USD cost analyses (2 decimals). ``max_value`` is the largest cell's value (0 without
cells).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import Select, func, select

from gateway.rounding import exact, half_up
from gateway.sql import MONEY_UNITS, calendar_part, money_units, seconds_between, table_of
from models.incidents import CostAnalysis, Incident

INCIDENTS = table_of(Incident)
COSTS = table_of(CostAnalysis)
HEATMAP_TYPES = ("INCIDENT_FREQUENCY", "RESOLUTION_TIME", "COST_IMPACT")
GRANULARITIES = ("HOUR", "DAY", "WEEK")


@dataclass(frozen=True)
class Cell:
    x: Any
    y: Any
    value: float | int


@dataclass(frozen=True)
class Heatmap:
    heatmap_type: str
    time_granularity: str
    period_start: datetime
    period_end: datetime
    cells: list[Cell]
    max_value: float | int


def _axes(granularity: str) -> tuple[Any, Any]:
    created = INCIDENTS.c.created_at
    if granularity == "HOUR":
        return calendar_part("hour", created), calendar_part("weekday", created)
    if granularity == "DAY":
        return calendar_part("date", created), INCIDENTS.c.severity
    return calendar_part("iso_week", created), INCIDENTS.c.category


def statement(
    org_id: uuid.UUID, heatmap_type: str, granularity: str, start: datetime, end: datetime
) -> Select[Any]:
    x, y = _axes(granularity)
    created = INCIDENTS.c.created_at
    conditions = [INCIDENTS.c.org_id == org_id, created >= start, created < end]
    if heatmap_type == "INCIDENT_FREQUENCY":
        value: Any = func.count()
        source: Any = INCIDENTS
    elif heatmap_type == "RESOLUTION_TIME":
        value = func.avg(seconds_between(created, INCIDENTS.c.resolved_at))
        source = INCIDENTS
        conditions.append(INCIDENTS.c.resolved_at.is_not(None))
    else:
        value = func.sum(money_units(COSTS.c.cost_amount))
        source = INCIDENTS.join(
            COSTS, (COSTS.c.incident_id == INCIDENTS.c.id) & (COSTS.c.org_id == org_id)
        )
        conditions.append(COSTS.c.currency == "USD")
    x, y = x.label("x"), y.label("y")
    return (
        select(x, y, value.label("value"))
        .select_from(source)
        .where(*conditions)
        .group_by(x, y)
        .order_by(x, y)
    )


def cell_value(heatmap_type: str, raw: Any) -> float | int:
    if heatmap_type == "INCIDENT_FREQUENCY":
        return int(raw)
    if heatmap_type == "RESOLUTION_TIME":
        return half_up(exact(raw) / 3600, 2)
    return half_up(Fraction(int(raw), MONEY_UNITS), 2)


def window(now: datetime, days: int) -> tuple[datetime, datetime]:
    return now - timedelta(days=days), now


def heatmap(
    heatmap_type: str, granularity: str, start: datetime, end: datetime, rows: list[Any]
) -> Heatmap:
    cells = [Cell(x=r["x"], y=r["y"], value=cell_value(heatmap_type, r["value"])) for r in rows]
    return Heatmap(
        heatmap_type=heatmap_type,
        time_granularity=granularity,
        period_start=start,
        period_end=end,
        cells=cells,
        max_value=max((c.value for c in cells), default=0),
    )
