"""The KPI GraphQL types. Decimals are text with their places ("15.50"), as the REST
dialect renders them; a metric's relations are batched per request (``kpi_loaders``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from gateway.compiler.spec import Node, compilable
from gateway.context import Info
from gateway.errors import bad_input
from gateway.rounding import decimal_string
from gateway.sql import table_of
from models.incidents import KpiMetric as MetricRow
from resolvers.incidents.kpi_loaders import (
    measurement_count_by_metric,
    measurements_by_metric,
    username_by_user,
)
from resolvers.incidents.listing import columns_named

MAX_MEASUREMENTS = 100


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else decimal_string(value, 2)


@strawberry.type(description="A KPI's value over one period.")
class KpiMeasurement:
    id: uuid.UUID
    metric_id: uuid.UUID
    value: str = strawberry.field(description='Two decimals, as text ("15.50").')
    unit: str = strawberry.field(description="minutes, hours, percent, incidents or value.")
    period_start: datetime
    period_end: datetime
    incident_count: int = strawberry.field(description="Incidents created in the period.")
    calculated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> KpiMeasurement:
        return cls(
            id=row["id"],
            metric_id=row["metric_id"],
            value=decimal_string(row["value"], 2),
            unit=row["unit"],
            period_start=row["period_start"],
            period_end=row["period_end"],
            incident_count=row["incident_count"],
            calculated_at=row["calculated_at"],
        )


@strawberry.type(description="A KPI definition: what is measured, over which incidents.")
class KpiMetric:
    id: uuid.UUID
    name: str
    description: str | None
    metric_type: str = strawberry.field(
        description="MTTA, MTTR, MTBF, MTBSI, AVAILABILITY, INCIDENT_COUNT, RESOLUTION_RATE, "
        "ESCALATION_RATE or CUSTOM."
    )
    aggregation_type: str = strawberry.field(
        description="How MTTA/MTTR samples combine: AVERAGE, MEDIAN, MIN, MAX, SUM, COUNT, "
        "PERCENTILE_95 or PERCENTILE_99."
    )
    incident_categories: list[str] = strawberry.field(description="Empty: every category.")
    incident_severities: list[str] = strawberry.field(description="Empty: every severity.")
    incident_priorities: list[str] = strawberry.field(description="Empty: every priority.")
    calculation_formula: str | None = strawberry.field(
        description="CUSTOM only: arithmetic over the other types, e.g. MTTR * 60 / MTTA."
    )
    time_window_hours: int
    is_active: bool
    is_system_metric: bool
    target_value: str | None = strawberry.field(description="Two decimals, as text.")
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> KpiMetric:
        return cls(
            **METRIC.values(row),
            incident_categories=list(row["incident_categories"] or []),
            incident_severities=list(row["incident_severities"] or []),
            incident_priorities=list(row["incident_priorities"] or []),
            target_value=_decimal(row["target_value"]),
        )

    @strawberry.field(description="The creator's username (null for a system metric).")
    async def created_by_username(self, info: Info) -> str | None:
        if self.created_by is None:
            return None
        return await info.context.loaders.get(username_by_user).load(self.created_by)  # type: ignore[no-any-return]

    @strawberry.field(description="How many measurements it has.")
    async def measurement_count(self, info: Info) -> int:
        return await info.context.loaders.get(measurement_count_by_metric).load(self.id)  # type: ignore[no-any-return]

    @strawberry.field(description="Its newest measurement (by period end), or null.")
    async def latest_measurement(self, info: Info) -> KpiMeasurement | None:
        rows = await info.context.loaders.get(measurements_by_metric, 1).load(self.id)
        return KpiMeasurement.from_row(rows[0]) if rows else None

    @strawberry.field(description="Its newest measurements, newest first (1 to 100).")
    async def measurements(self, info: Info, first: int = 20) -> list[KpiMeasurement]:
        if not 1 <= first <= MAX_MEASUREMENTS:
            raise bad_input(f"first must be from 1 to {MAX_MEASUREMENTS}", argument="first")
        rows = await info.context.loaders.get(measurements_by_metric, first).load(self.id)
        return [KpiMeasurement.from_row(row) for row in rows]


# What the selection compiler may build (gateway/compiler/spec.py); from_row reads it.
# Left to the resolvers: the three incident lists (each writes [] for a stored JSON null)
# and measurementCount and measurements (batched), all non-null, so selecting one sends
# the root field to the resolver path; targetValue (a decimal written as text; nullable,
# but a fallback's row does not carry it) likewise. createdByUsername and
# latestMeasurement fall back: their loaders read the id and creator the row carries.
METRIC = compilable(
    Node(
        "KpiMetric",
        table_of(MetricRow),
        columns_named(
            "id",
            "name",
            "description",
            "metric_type",
            "aggregation_type",
            "calculation_formula",
            "time_window_hours",
            "is_active",
            "is_system_metric",
            "created_by",
            "created_at",
            "updated_at",
        ),
        to_resolvers=frozenset(("targetValue",)),
    ),
    lambda row: KpiMetric.from_row(row),
)


@strawberry.type(description="One active metric's latest value against its previous one.")
class KpiSummaryRow:
    metric_type: str
    metric_name: str
    current_value: str = strawberry.field(description="Two decimals, as text.")
    unit: str
    trend: str = strawberry.field(description="up (above +1.0 %), down (below -1.0 %), stable.")
    trend_percentage: str = strawberry.field(
        description="(current - previous) / previous x 100, one decimal; 0.0 without one."
    )
    period_start: datetime
    period_end: datetime
    incident_count: int
    target_value: str | None
    target_met: bool = strawberry.field(
        description="Lower is better for MTTA, MTTR, INCIDENT_COUNT and ESCALATION_RATE, "
        "higher for the others; true without a target."
    )


@strawberry.type(description="What a KPI calculation wrote.")
class KpiCalculation:
    written: int
    skipped: int = strawberry.field(description="Periods already measured (without force).")
    period_end: datetime
