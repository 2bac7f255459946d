"""The KPI root fields (scope ``incidents:read``) and mutations (``incidents:write``).

Lists are DRF-style pages (``first``/``offset``, ``ordering``, ``search`` on name and
description). A measurement list filtered by a metric of no concern to the caller is a
BAD_USER_INPUT (DRF's filter refuses an unknown choice); the measurements *of* a metric
(``kpiMetricMeasurements``) answer NOT_FOUND for one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import strawberry
from sqlalchemy import select

from gateway.context import Info
from gateway.errors import bad_input, not_found
from gateway.permissions import requires
from gateway.validation import validated
from models.incidents import (
    AGGREGATION_TYPES,
    MAX_WINDOW_HOURS,
    METRIC_TYPES,
    KpiMetricCreate,
    KpiMetricUpdate,
)
from resolvers.common import check_choice, check_moment, given
from resolvers.incidents import kpi_reads, kpi_service
from resolvers.incidents.audit import audit
from resolvers.incidents.kpi_reads import MEASUREMENTS, METRICS
from resolvers.incidents.kpi_types import KpiCalculation, KpiMeasurement, KpiMetric, KpiSummaryRow
from resolvers.incidents.listing import (
    Listing,
    OffsetPage,
    check_search,
    compiled_or_page,
    page_of,
)
from resolvers.incidents.scopes import INCIDENTS_READ, INCIDENTS_WRITE

READ = requires(scope=INCIDENTS_READ)
WRITE = requires(scope=INCIDENTS_WRITE)

METRIC_ORDERING = {
    name: METRICS.c[name]
    for name in (
        "name",
        "metric_type",
        "aggregation_type",
        "time_window_hours",
        "is_active",
        "is_system_metric",
        "created_at",
        "updated_at",
    )
}
MEASUREMENT_ORDERING = {
    name: MEASUREMENTS.c[name]
    for name in ("value", "period_start", "period_end", "incident_count", "calculated_at")
}
METRIC_LISTING = Listing(METRIC_ORDERING, [METRICS.c.created_at.desc()], METRICS.c.id)
MEASUREMENT_LISTING = Listing(
    MEASUREMENT_ORDERING, [MEASUREMENTS.c.period_end.desc()], MEASUREMENTS.c.id
)


async def _measurement_page(
    info: Info,
    org_id: uuid.UUID,
    metric_id: uuid.UUID | None,
    start_date: datetime | None,
    end_date: datetime | None,
    first: int,
    offset: int,
    ordering: str | None,
) -> OffsetPage[KpiMeasurement]:
    statement = kpi_reads.measurements_of(org_id)
    if metric_id is not None:
        statement = statement.where(MEASUREMENTS.c.metric_id == metric_id)
    # A period overlapping [start_date, end_date]: it ends after the start, starts before
    # the end.
    start, end = check_moment(start_date, "startDate"), check_moment(end_date, "endDate")
    if start is not None:
        statement = statement.where(MEASUREMENTS.c.period_end >= start)
    if end is not None:
        statement = statement.where(MEASUREMENTS.c.period_start <= end)
    return await page_of(
        info,
        statement,
        MEASUREMENT_LISTING,
        KpiMeasurement.from_row,
        first=first,
        offset=offset,
        ordering=ordering,
    )


async def _metric_row(info: Info, metric_id: uuid.UUID):
    org_id = await info.context.org_id()
    return await info.context.one_or_none(
        kpi_reads.metrics_of(org_id).where(METRICS.c.id == metric_id)
    )


@strawberry.type
class KpiQuery:
    @strawberry.field(
        description="The organisation's KPI metrics, newest first unless `ordering` says "
        "otherwise; `search` looks in name and description.",
        extensions=READ,
    )
    async def kpi_metrics(
        self,
        info: Info,
        first: int = 20,
        offset: int = 0,
        ordering: str | None = None,
        search: str | None = None,
        metric_type: str | None = None,
        is_active: bool | None = None,
        is_system_metric: bool | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
    ) -> OffsetPage[KpiMetric]:
        org_id = await info.context.org_id()
        # Checked in the order of the arguments: the first refused one is the error.
        metric_type = check_choice(metric_type, METRIC_TYPES, "metricType")
        after = check_moment(created_after, "createdAfter")
        before = check_moment(created_before, "createdBefore")
        conditions = kpi_reads.metric_conditions(
            org_id,
            metric_type=metric_type,
            flags={"is_active": is_active, "is_system_metric": is_system_metric},
            created=(after, before),
            search=check_search(search, METRICS.c.name),
        )
        return await compiled_or_page(
            info,
            org_id,
            select(METRICS).where(*conditions),
            METRIC_LISTING,
            KpiMetric.from_row,
            first=first,
            offset=offset,
            ordering=ordering,
        )

    @strawberry.field(description="One KPI metric of the organisation, or null.", extensions=READ)
    async def kpi_metric(self, info: Info, id: uuid.UUID) -> KpiMetric | None:
        row = await _metric_row(info, id)
        return None if row is None else KpiMetric.from_row(row)

    @strawberry.field(
        description="The organisation's measurements, newest period first; `metricId` must "
        "name one of its metrics. A period matches `startDate`/`endDate` when it overlaps them.",
        extensions=READ,
    )
    async def kpi_measurements(
        self,
        info: Info,
        first: int = 20,
        offset: int = 0,
        ordering: str | None = None,
        metric_id: uuid.UUID | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
    ) -> OffsetPage[KpiMeasurement]:
        org_id = await info.context.org_id()
        if metric_id is not None and await _metric_row(info, metric_id) is None:
            raise bad_input(
                "metricId names no KPI metric of this organisation", argument="metricId"
            )
        return await _measurement_page(
            info, org_id, metric_id, start_date, end_date, first, offset, ordering
        )

    @strawberry.field(
        description="One metric's measurements, newest period first (NOT_FOUND for a "
        "metric of no concern to the caller).",
        extensions=READ,
    )
    async def kpi_metric_measurements(
        self,
        info: Info,
        id: uuid.UUID,
        first: int = 20,
        offset: int = 0,
        ordering: str | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
    ) -> OffsetPage[KpiMeasurement]:
        if await _metric_row(info, id) is None:
            raise not_found("KPI metric")
        org_id = await info.context.org_id()
        return await _measurement_page(
            info, org_id, id, start_date, end_date, first, offset, ordering
        )

    @strawberry.field(
        description="Each active metric's latest measurement, its trend against the one "
        "before and whether it meets its target; metrics never measured are left out.",
        extensions=READ,
    )
    async def kpi_summary(self, info: Info) -> list[KpiSummaryRow]:
        org_id = await info.context.org_id()
        dialect = info.context.engine.dialect.name
        rows = await info.context.all(kpi_reads.summary_statement(dialect, org_id))
        return [KpiSummaryRow(**vars(row)) for row in kpi_reads.summary(rows)]


@strawberry.input(description="A new KPI metric.")
class KpiMetricInput:
    name: str = strawberry.field(description="1 to 200 characters.")
    metric_type: str = strawberry.field(description=f"One of {', '.join(METRIC_TYPES)}.")
    description: str | None = None
    aggregation_type: str = strawberry.field(
        default="AVERAGE", description=f"One of {', '.join(AGGREGATION_TYPES)}."
    )
    incident_categories: list[str] = strawberry.field(default_factory=list)
    incident_severities: list[str] = strawberry.field(default_factory=list)
    incident_priorities: list[str] = strawberry.field(default_factory=list)
    calculation_formula: str | None = strawberry.field(
        default=None, description="CUSTOM only, e.g. MTTR * 60 / MTTA."
    )
    time_window_hours: int = strawberry.field(default=24, description=f"1 to {MAX_WINDOW_HOURS}.")
    is_active: bool = True
    target_value: Decimal | None = None


@strawberry.input(description="Changes to a KPI metric; omitted fields stay as they are.")
class KpiMetricPatch:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    aggregation_type: str | None = strawberry.UNSET
    incident_categories: list[str] | None = strawberry.UNSET
    incident_severities: list[str] | None = strawberry.UNSET
    incident_priorities: list[str] | None = strawberry.UNSET
    calculation_formula: str | None = strawberry.UNSET
    time_window_hours: int | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET
    target_value: Decimal | None = strawberry.UNSET


@strawberry.type
class KpiMutation:
    @strawberry.mutation(description="Create a KPI metric (incidents:write).", extensions=WRITE)
    async def create_kpi_metric(self, info: Info, input: KpiMetricInput) -> KpiMetric:
        ctx, principal = info.context, await info.context.principal()
        data = validated(KpiMetricCreate, given(input))
        async with ctx.writing() as conn:
            row = await kpi_service.create_metric(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, data=data
            )
        return KpiMetric.from_row(row)

    @strawberry.mutation(description="Change a KPI metric (incidents:write).", extensions=WRITE)
    async def update_kpi_metric(
        self, info: Info, id: uuid.UUID, input: KpiMetricPatch
    ) -> KpiMetric:
        ctx, principal = info.context, await info.context.principal()
        data = validated(KpiMetricUpdate, given(input))
        async with ctx.writing() as conn:
            row = await kpi_service.update_metric(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, metric_id=id, data=data
            )
        return KpiMetric.from_row(row)

    @strawberry.mutation(
        description="Delete a KPI metric and its measurements (incidents:write); a system "
        "metric cannot be deleted. Answers the deleted id.",
        extensions=WRITE,
    )
    async def delete_kpi_metric(self, info: Info, id: uuid.UUID) -> uuid.UUID:
        ctx, principal = info.context, await info.context.principal()
        async with ctx.writing() as conn:
            await kpi_service.delete_metric(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, metric_id=id
            )
        return id

    @strawberry.mutation(
        description="Measure every active metric (or `metricId`) for the period ending now, "
        "truncated to the hour; `force` replaces a period's measurement (incidents:write).",
        extensions=WRITE,
    )
    async def calculate_kpis(
        self,
        info: Info,
        metric_id: uuid.UUID | None = None,
        time_window_hours: int | None = None,
        force: bool = False,
    ) -> KpiCalculation:
        if time_window_hours is not None and not 1 <= time_window_hours <= MAX_WINDOW_HOURS:
            raise bad_input(
                f"timeWindowHours must be from 1 to {MAX_WINDOW_HOURS}", argument="timeWindowHours"
            )
        ctx, principal = info.context, await info.context.principal()
        async with ctx.writing() as conn:
            done = await kpi_service.calculate_metrics(
                conn,
                org_id=principal.org_id,
                now=ctx.now,
                metric_id=metric_id,
                hours=time_window_hours,
                force=force,
            )
            await audit(
                conn,
                principal,
                ctx.now,
                "CALCULATE",
                None,
                {"written": done.written, "skipped": done.skipped, "force": force},
            )
        return KpiCalculation(
            written=done.written, skipped=done.skipped, period_end=done.period_end
        )
