"""The incident platform (seed 001): incidents, KPI metrics and their measurements,
recurrence analyses and cost impact analyses.

Ids are plain UUIDs, as the seed shows them. Amounts are ``numeric(12,4)`` through
``gateway.sql.Money`` and two-decimal figures (KPI values, hours) ``numeric(14,2)``
through ``gateway.sql.Hundredths``: exact on both databases, rendered as DRF renders a
DecimalField (``"15.50"``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from pydantic import StringConstraints, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import JSON, CheckConstraint, Column, Float, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.sql import Hundredths, Money
from models.base import TenantRow, check_in, choice_field, not_null, timestamp_field, trimmed

Severity = Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]
Priority = Literal["P1", "P2", "P3", "P4"]
IncidentStatus = Literal["OPEN", "ACKNOWLEDGED", "IN_PROGRESS", "RESOLVED", "CLOSED"]
MetricType = Literal[
    "MTTA",
    "MTTR",
    "MTBF",
    "MTBSI",
    "AVAILABILITY",
    "INCIDENT_COUNT",
    "RESOLUTION_RATE",
    "ESCALATION_RATE",
    "CUSTOM",
]
AggregationType = Literal[
    "AVERAGE", "MEDIAN", "MIN", "MAX", "SUM", "COUNT", "PERCENTILE_95", "PERCENTILE_99"
]
RecurrenceType = Literal["SAME_SERVICE_CATEGORY", "SIMILAR_TITLE"]
CostType = Literal[
    "DOWNTIME", "LOST_REVENUE", "PENALTY", "RESOURCE_COST", "REPUTATION_COST", "COMPLIANCE_COST"
]
SEVERITIES: tuple[str, ...] = get_args(Severity)
PRIORITIES: tuple[str, ...] = get_args(Priority)
INCIDENT_STATUSES: tuple[str, ...] = get_args(IncidentStatus)
METRIC_TYPES: tuple[str, ...] = get_args(MetricType)
AGGREGATION_TYPES: tuple[str, ...] = get_args(AggregationType)
RECURRENCE_TYPES: tuple[str, ...] = get_args(RecurrenceType)
COST_TYPES: tuple[str, ...] = get_args(CostType)

# The unit each metric type's value is in (the seed's `unit`).
UNITS: dict[str, str] = {
    "MTTA": "minutes",
    "MTTR": "hours",
    "MTBF": "hours",
    "MTBSI": "hours",
    "AVAILABILITY": "percent",
    "INCIDENT_COUNT": "incidents",
    "RESOLUTION_RATE": "percent",
    "ESCALATION_RATE": "percent",
    "CUSTOM": "value",
}

MAX_TEXT = 10_000
MAX_FILTER_ITEMS = 50  # categories / severities / priorities a metric may name
MAX_WINDOW_HOURS = 8760  # a year
# numeric(12,4) and numeric(14,2): the largest values both databases hold alike.
MAX_AMOUNT = Decimal("99999999.9999")
MAX_HUNDREDTHS = Decimal("999999999999.99")
MAX_COUNT = 2_000_000_000  # an INTEGER on both


# --- incidents --------------------------------------------------------------------------

# ISO 4217: three capital letters.
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Category = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]


class IncidentBase(SQLModel):
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=MAX_TEXT, sa_type=Text)
    category: str = Field(min_length=1, max_length=100)
    severity: Severity = choice_field(10)
    priority: Priority = choice_field(2)
    status: IncidentStatus = choice_field(12, default="OPEN")
    service: str = Field(min_length=1, max_length=200)
    component_id: uuid.UUID | None = Field(
        default=None, foreign_key="components.id", ondelete="SET NULL"
    )
    escalation_count: int = Field(default=0, ge=0, le=MAX_COUNT)
    reopened_count: int = Field(default=0, ge=0, le=MAX_COUNT)
    affected_users: int = Field(default=0, ge=0, le=MAX_COUNT)
    downtime_minutes: int = Field(default=0, ge=0, le=MAX_COUNT)


class Incident(IncidentBase, TenantRow, table=True):
    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint(check_in("severity", SEVERITIES), name="ck_incidents_severity"),
        CheckConstraint(check_in("priority", PRIORITIES), name="ck_incidents_priority"),
        CheckConstraint(check_in("status", INCIDENT_STATUSES), name="ck_incidents_status"),
        CheckConstraint(
            "escalation_count >= 0 AND reopened_count >= 0 AND affected_users >= 0 "
            "AND downtime_minutes >= 0",
            name="ck_incidents_counts",
        ),
        # Indexes: every KPI window and heatmap scans (org, created_at); recurrence walks
        # one service and category in time order.
        Index("ix_incidents_org_created", "org_id", "created_at"),
        Index(
            "ix_incidents_org_service_category_created",
            "org_id",
            "service",
            "category",
            "created_at",
        ),
    )

    # Columns (id and org_id first, then IncidentBase's)
    created_at: datetime = timestamp_field(default_now=True)
    acknowledged_at: datetime | None = timestamp_field(nullable=True)
    resolved_at: datetime | None = timestamp_field(nullable=True)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class IncidentCreate(IncidentBase):
    _trim = trimmed("title", "category", "service")


class IncidentUpdate(SQLModel):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=MAX_TEXT)
    category: str | None = Field(default=None, min_length=1, max_length=100)
    severity: Severity | None = None
    priority: Priority | None = None
    service: str | None = Field(default=None, min_length=1, max_length=200)
    component_id: uuid.UUID | None = None
    affected_users: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    downtime_minutes: int | None = Field(default=None, ge=0, le=MAX_COUNT)

    _trim = trimmed("title", "category", "service")
    _not_null = not_null(
        "title",
        "category",
        "severity",
        "priority",
        "service",
        "affected_users",
        "downtime_minutes",
    )


# --- KPI metrics and measurements -------------------------------------------------------


class KpiMetricBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=MAX_TEXT, sa_type=Text)
    metric_type: MetricType = choice_field(20)
    aggregation_type: AggregationType = choice_field(20, default="AVERAGE")
    # Empty means every value (the seed's filters).
    incident_categories: list[Category] = Field(
        default_factory=list, max_length=MAX_FILTER_ITEMS, sa_type=JSON
    )
    incident_severities: list[Severity] = Field(
        default_factory=list, max_length=MAX_FILTER_ITEMS, sa_type=JSON
    )
    incident_priorities: list[Priority] = Field(
        default_factory=list, max_length=MAX_FILTER_ITEMS, sa_type=JSON
    )
    # CUSTOM only: arithmetic over the other types' names (resolvers/incidents/formula.py).
    calculation_formula: str | None = Field(default=None, max_length=500)
    time_window_hours: int = Field(default=24, ge=1, le=MAX_WINDOW_HOURS)
    is_active: bool = True
    target_value: Decimal | None = Field(
        default=None, max_digits=14, decimal_places=2, sa_type=Hundredths
    )


class KpiMetric(KpiMetricBase, TenantRow, table=True):
    __tablename__ = "kpi_metrics"
    __table_args__ = (
        CheckConstraint(check_in("metric_type", METRIC_TYPES), name="ck_kpi_metrics_type"),
        CheckConstraint(
            check_in("aggregation_type", AGGREGATION_TYPES), name="ck_kpi_metrics_aggregation"
        ),
        CheckConstraint(
            f"time_window_hours BETWEEN 1 AND {MAX_WINDOW_HOURS}", name="ck_kpi_metrics_window"
        ),
        # Indexes: the organisation's metrics, newest first (the list's default order).
        Index("ix_kpi_metrics_org_created", "org_id", "created_at"),
    )

    # Columns (id and org_id first, then KpiMetricBase's)
    is_system_metric: bool = False
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


def check_formula(metric_type: str | None, formula: str | None) -> None:
    """CUSTOM needs a formula of arithmetic over the other types; the others take none."""
    # Imported here: the parser lives with the calculation, which imports these models.
    from resolvers.incidents.kpi_formula import FormulaError, parse

    if metric_type == "CUSTOM":
        if not formula or not formula.strip():
            raise PydanticCustomError("rule", "calculation_formula is required for CUSTOM")
        try:
            parse(formula)
        except FormulaError as error:
            raise PydanticCustomError(
                "rule", "calculation_formula cannot be accepted: {reason}", {"reason": str(error)}
            ) from None
    elif formula:
        raise PydanticCustomError("rule", "calculation_formula is only for CUSTOM metrics")


class KpiMetricCreate(KpiMetricBase):
    _trim = trimmed("name")

    @model_validator(mode="after")
    def _formula(self) -> KpiMetricCreate:
        check_formula(self.metric_type, self.calculation_formula)
        return self


class KpiMetricUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=MAX_TEXT)
    aggregation_type: AggregationType | None = None
    incident_categories: list[Category] | None = Field(default=None, max_length=MAX_FILTER_ITEMS)
    incident_severities: list[Severity] | None = Field(default=None, max_length=MAX_FILTER_ITEMS)
    incident_priorities: list[Priority] | None = Field(default=None, max_length=MAX_FILTER_ITEMS)
    calculation_formula: str | None = Field(default=None, max_length=500)
    time_window_hours: int | None = Field(default=None, ge=1, le=MAX_WINDOW_HOURS)
    is_active: bool | None = None
    target_value: Decimal | None = Field(default=None, max_digits=14, decimal_places=2)

    _trim = trimmed("name")
    _not_null = not_null(
        "name",
        "aggregation_type",
        "incident_categories",
        "incident_severities",
        "incident_priorities",
        "time_window_hours",
        "is_active",
    )


class KpiMeasurement(TenantRow, table=True):
    """One metric's value over ``[period_start, period_end)``; one per metric and period
    (a recalculation with ``--force`` replaces it)."""

    __tablename__ = "kpi_measurements"
    __table_args__ = (
        UniqueConstraint(
            "metric_id", "period_start", "period_end", name="uq_kpi_measurements_period"
        ),
        # Indexes: one metric's measurements in time order (latest, history, trend), and
        # the organisation's measurements by period (the measurements list).
        Index("ix_kpi_measurements_metric_end", "metric_id", "period_end"),
        Index("ix_kpi_measurements_org_end", "org_id", "period_end"),
    )

    # Columns (id and org_id first)
    metric_id: uuid.UUID = Field(foreign_key="kpi_metrics.id", ondelete="CASCADE")
    value: Decimal = Field(max_digits=14, decimal_places=2, sa_type=Hundredths)
    unit: str = Field(max_length=20)
    period_start: datetime = timestamp_field()
    period_end: datetime = timestamp_field()
    incident_count: int = 0
    calculated_at: datetime = timestamp_field(default_now=True)
    # What went into the value (samples, breaks, the formula's operands).
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


# --- recurrence -------------------------------------------------------------------------


class RecurrenceAnalysis(TenantRow, table=True):
    """A group of incidents that recur (resolvers/incidents/recurrence.py). ``group_key``
    identifies the group across runs, so that a re-run updates it in place."""

    __tablename__ = "recurrence_analyses"
    __table_args__ = (
        CheckConstraint(
            check_in("recurrence_type", RECURRENCE_TYPES), name="ck_recurrence_analyses_type"
        ),
        UniqueConstraint("org_id", "group_key", name="uq_recurrence_analyses_group"),
        # Indexes: the list, newest occurrence first.
        Index("ix_recurrence_analyses_org_last", "org_id", "last_occurrence"),
    )

    # Columns (id and org_id first)
    group_key: str = Field(max_length=64)
    recurrence_type: RecurrenceType = choice_field(24)
    confidence_score: float = Field(sa_type=Float)
    incident_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    incident_count: int = 0
    service: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=100)
    first_occurrence: datetime = timestamp_field()
    last_occurrence: datetime = timestamp_field()
    is_resolved: bool = False
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


# --- cost impact ------------------------------------------------------------------------


class CostAnalysisBase(SQLModel):
    incident_id: uuid.UUID = Field(foreign_key="incidents.id", ondelete="CASCADE")
    cost_type: CostType = choice_field(20)
    cost_amount: Decimal = Field(ge=0, max_digits=12, decimal_places=4, sa_type=Money)
    currency: Currency = Field(default="USD", max_length=3)
    calculation_method: str | None = Field(default=None, max_length=200)
    calculation_details: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    downtime_hours: Decimal = Field(
        default=Decimal(0), ge=0, max_digits=14, decimal_places=2, sa_type=Hundredths
    )
    affected_users: int = Field(default=0, ge=0, le=MAX_COUNT)
    revenue_impact: Decimal = Field(
        default=Decimal(0), ge=0, max_digits=12, decimal_places=4, sa_type=Money
    )
    business_unit: str | None = Field(default=None, max_length=100)
    service_tier: str | None = Field(default=None, max_length=50)


class CostAnalysisCreate(CostAnalysisBase):
    _trim = trimmed("business_unit", "service_tier", "calculation_method")


class CostAnalysis(CostAnalysisBase, TenantRow, table=True):
    __tablename__ = "cost_analyses"
    __table_args__ = (
        CheckConstraint(check_in("cost_type", COST_TYPES), name="ck_cost_analyses_type"),
        CheckConstraint(
            "cost_amount >= 0 AND revenue_impact >= 0 AND downtime_hours >= 0 "
            "AND affected_users >= 0",
            name="ck_cost_analyses_amounts",
        ),
        # Indexes: the list and summary by creation time; one incident's analyses.
        Index("ix_cost_analyses_org_created", "org_id", "created_at"),
        Index("ix_cost_analyses_org_incident", "org_id", "incident_id"),
    )

    # Columns (id and org_id first, then CostAnalysisBase's)
    is_validated: bool = False
    validated_by: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    validated_at: datetime | None = timestamp_field(nullable=True)
    validation_notes: str | None = Field(default=None, max_length=MAX_TEXT, sa_type=Text)
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)
