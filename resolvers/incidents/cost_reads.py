"""Cost impact reads: the filtered analyses, and the summary in one statement.

Summary rules (README): the four named costs are sums by type (DOWNTIME, LOST_REVENUE,
PENALTY, RESOURCE_COST); ``total_cost`` sums every type, reputation and compliance
included; ``total_downtime_hours`` and ``total_affected_users`` are summed over distinct
incidents, each incident's largest value (an incident with two analyses counts once);
``cost_per_hour`` and ``cost_per_user`` divide ``total_cost`` by them ("0.00" over 0).
Only analyses in the requested currency are summed. Sums are exact integers of the
smallest unit on both databases (``money_units``, ``hundredth_units``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select

from gateway.rounding import decimal_string
from gateway.sql import MONEY_UNITS, hundredth_units, money_units, table_of
from models.incidents import CostAnalysis

COSTS = table_of(CostAnalysis)
NAMED = {
    "downtime_cost": "DOWNTIME",
    "lost_revenue": "LOST_REVENUE",
    "penalty_cost": "PENALTY",
    "resource_cost": "RESOURCE_COST",
}


@dataclass(frozen=True)
class CostFilter:
    cost_type: str | None = None
    is_validated: bool | None = None
    start: datetime | None = None
    end: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The filter as conditions: the list's statement and the compiled one
        (gateway/compiler) both read these."""
        c = COSTS.c
        conditions = []
        if self.cost_type is not None:
            conditions.append(c.cost_type == self.cost_type)
        if self.is_validated is not None:
            conditions.append(c.is_validated.is_(self.is_validated))
        if self.start is not None:
            conditions.append(c.created_at >= self.start)
        if self.end is not None:
            conditions.append(c.created_at <= self.end)
        return conditions

    def apply(self, statement: Select[Any]) -> Select[Any]:
        return statement.where(*self.conditions())


def costs_of(org_id: uuid.UUID) -> Select[Any]:
    return select(COSTS).where(COSTS.c.org_id == org_id)


def costs_by_incident(org_id: uuid.UUID, incident_ids: Sequence[uuid.UUID]) -> Select[Any]:
    return (
        costs_of(org_id)
        .where(COSTS.c.incident_id.in_(incident_ids))
        .order_by(COSTS.c.created_at, COSTS.c.id)
    )


def summary_statement(org_id: uuid.UUID, currency: str, where: CostFilter) -> Select[Any]:
    amount = money_units(COSTS.c.cost_amount)
    per_incident = (
        where.apply(
            select(
                COSTS.c.incident_id,
                func.sum(amount).label("total"),
                *(
                    func.sum(case((COSTS.c.cost_type == kind, amount), else_=0)).label(name)
                    for name, kind in NAMED.items()
                ),
                func.max(hundredth_units(COSTS.c.downtime_hours)).label("hours"),
                func.max(COSTS.c.affected_users).label("users"),
            ).where(COSTS.c.org_id == org_id, COSTS.c.currency == currency)
        )
        .group_by(COSTS.c.incident_id)
        .subquery()
    )
    return select(
        *(
            func.coalesce(func.sum(per_incident.c[name]), 0).label(name)
            for name in ("total", *NAMED, "hours", "users")
        )
    )


@dataclass(frozen=True)
class CostSummary:
    total_cost: str
    currency: str
    downtime_cost: str
    lost_revenue: str
    penalty_cost: str
    resource_cost: str
    total_downtime_hours: str
    total_affected_users: int
    cost_per_hour: str
    cost_per_user: str


def _money(units: int) -> Fraction:
    return Fraction(int(units), MONEY_UNITS)


def summary(row: Any, currency: str) -> CostSummary:
    total = _money(row["total"])
    hours = Fraction(int(row["hours"]), 100)
    users = int(row["users"])
    return CostSummary(
        total_cost=decimal_string(total, 2),
        currency=currency,
        **{name: decimal_string(_money(row[name]), 2) for name in NAMED},
        # One decimal, as the seed's example shows the hours ("150.5").
        total_downtime_hours=decimal_string(hours, 1),
        total_affected_users=users,
        cost_per_hour=decimal_string(total / hours if hours else 0, 2),
        cost_per_user=decimal_string(total / users if users else 0, 2),
    )
