"""Dashboard configurations in GraphQL: the list (the dashboards the caller may open),
one, its data, and creation. The rules are in ``dashboards.py``; the data is read with
the same statements as the individual fields (KPI, anomaly, cost and insight
summaries, the newest anomalies and insights, a heatmap)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry.scalars import JSON

from gateway.answer_cache.extension import PER_USER
from gateway.compiler.spec import Node, compilable
from gateway.context import Info
from gateway.permissions import requires
from models.predictive import DASHBOARD_TYPES
from resolvers.common import check_choice, given
from resolvers.incidents import cost_reads, dashboards, heatmaps, kpi_reads, predictive_reads
from resolvers.incidents.cost_types import CostSummary
from resolvers.incidents.dashboards import DASHBOARDS
from resolvers.incidents.heatmap_schema import Heatmap, HeatmapCell
from resolvers.incidents.kpi_types import KpiSummaryRow
from resolvers.incidents.listing import Listing, OffsetPage, columns_named, compiled_or_page
from resolvers.incidents.predictive_reads import ANOMALIES, INSIGHTS
from resolvers.incidents.predictive_types import (
    AnomalyDetection,
    AnomalySummary,
    InsightSummary,
    PredictiveInsight,
    built,
)
from resolvers.incidents.scopes import INCIDENTS_READ, INCIDENTS_WRITE

READ = requires(scope=INCIDENTS_READ)
WRITE = requires(scope=INCIDENTS_WRITE)
RECENT = 10
HEATMAP_DAYS = 30
DASHBOARD_LISTING = Listing(
    {n: DASHBOARDS.c[n] for n in ("name", "dashboard_type", "created_at", "updated_at")},
    [DASHBOARDS.c.created_at.desc()],
    DASHBOARDS.c.id,
)


@strawberry.type(description="What a dashboard shows, read when asked.")
class DashboardData:
    org_id: strawberry.Private[uuid.UUID]
    widgets: strawberry.Private[list[dict[str, Any]]]
    last_updated: datetime

    @strawberry.field(description="As kpiSummary.")
    async def kpi_summary(self, info: Info) -> list[KpiSummaryRow]:
        dialect = info.context.engine.dialect.name
        rows = await info.context.all(kpi_reads.summary_statement(dialect, self.org_id))
        return [KpiSummaryRow(**vars(row)) for row in kpi_reads.summary(rows)]

    @strawberry.field(description="As anomalySummary.")
    async def anomaly_summary(self, info: Info) -> AnomalySummary:
        row = await info.context.one_or_none(
            predictive_reads.anomaly_summary_statement(self.org_id)
        )
        return predictive_reads.anomaly_summary(row)

    @strawberry.field(description="As costSummary, in USD.")
    async def cost_summary(self, info: Info) -> CostSummary:
        statement = cost_reads.summary_statement(self.org_id, "USD", cost_reads.CostFilter())
        row = await info.context.one_or_none(statement)
        return CostSummary(**vars(cost_reads.summary(row, "USD")))

    @strawberry.field(description="As insightSummary.")
    async def insight_summary(self, info: Info) -> InsightSummary:
        statement = predictive_reads.insight_summary_statement(self.org_id, info.context.now)
        return predictive_reads.insight_summary(await info.context.one_or_none(statement))

    @strawberry.field(description=f"The {RECENT} newest anomalies.")
    async def recent_anomalies(self, info: Info) -> list[AnomalyDetection]:
        statement = (
            predictive_reads.anomalies_of(self.org_id)
            .order_by(ANOMALIES.c.detected_at.desc(), ANOMALIES.c.id)
            .limit(RECENT)
        )
        return [AnomalyDetection.from_row(row) for row in await info.context.all(statement)]

    @strawberry.field(description=f"The {RECENT} newest insights still valid.")
    async def recent_insights(self, info: Info) -> list[PredictiveInsight]:
        statement = (
            predictive_reads.insights_of(self.org_id)
            .where(INSIGHTS.c.valid_until > info.context.now)
            .order_by(INSIGHTS.c.created_at.desc(), INSIGHTS.c.id)
            .limit(RECENT)
        )
        return [PredictiveInsight.from_row(row) for row in await info.context.all(statement)]

    @strawberry.field(
        description="The configured heatmap (its first heatmap widget's), else "
        f"INCIDENT_FREQUENCY by HOUR, over the last {HEATMAP_DAYS} days: a list of one, "
        "as the seed shows it."
    )
    async def heatmap_data(self, info: Info) -> list[Heatmap]:
        kind, granularity = dashboards.heatmap_choice(self.widgets)
        start, end = heatmaps.window(info.context.now, HEATMAP_DAYS)
        rows = await info.context.all(
            heatmaps.statement(self.org_id, kind, granularity, start, end)
        )
        drawn = heatmaps.heatmap(kind, granularity, start, end, rows)
        heatmap = Heatmap(
            heatmap_type=drawn.heatmap_type,
            time_granularity=drawn.time_granularity,
            period_start=drawn.period_start,
            period_end=drawn.period_end,
            cells=[HeatmapCell(x=c.x, y=c.y, value=c.value) for c in drawn.cells],
            max_value=drawn.max_value,
        )
        return [heatmap]


@strawberry.type(description="A dashboard configuration (seed 001).")
class DashboardConfiguration:
    id: uuid.UUID
    name: str
    description: str | None
    dashboard_type: str
    layout_config: JSON
    widget_configs: JSON
    is_public: bool
    allowed_roles: list[str]
    auto_refresh_enabled: bool
    refresh_interval_seconds: int
    is_active: bool
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> DashboardConfiguration:
        return built(cls, row, **DASHBOARD.values(row))

    @strawberry.field(description="What it shows, read now.")
    async def data(self, info: Info) -> DashboardData:
        return DashboardData(
            org_id=await info.context.org_id(),
            widgets=self.widget_configs,  # type: ignore[arg-type]
            last_updated=info.context.now,
        )


# What the selection compiler may build (gateway/compiler/spec.py); from_row reads it.
# Left to the resolvers: data (read from the summaries when asked), non-null, so
# selecting it sends the root field to the resolver path.
DASHBOARD = compilable(
    Node(
        "DashboardConfiguration",
        DASHBOARDS,
        columns_named(
            "id",
            "name",
            "description",
            "dashboard_type",
            "layout_config",
            "widget_configs",
            "is_public",
            "allowed_roles",
            "auto_refresh_enabled",
            "refresh_interval_seconds",
            "is_active",
            "created_by",
            "created_at",
            "updated_at",
        ),
    ),
    lambda row: DashboardConfiguration.from_row(row),
)


@strawberry.type
class DashboardQuery:
    # Which dashboards a caller may open depends on their department and authorship.
    @strawberry.field(
        description="The dashboards the caller may open, newest first.",
        extensions=READ,
        metadata=PER_USER,
    )
    async def dashboard_configurations(
        self,
        info: Info,
        first: int = 20,
        offset: int = 0,
        ordering: str | None = None,
        dashboard_type: str | None = None,
        is_active: bool | None = None,
    ) -> OffsetPage[DashboardConfiguration]:
        principal = await info.context.principal()
        async with info.context.reading() as conn:
            access = await dashboards.open_to(conn, principal)
        conditions = dashboards.list_conditions(
            principal.org_id,
            access,
            dashboard_type=check_choice(dashboard_type, DASHBOARD_TYPES, "dashboardType"),
            is_active=is_active,
        )
        return await compiled_or_page(
            info,
            principal.org_id,
            select(DASHBOARDS).where(*conditions),
            DASHBOARD_LISTING,
            DashboardConfiguration.from_row,
            first=first,
            offset=offset,
            ordering=ordering,
        )

    @strawberry.field(
        description="One dashboard: NOT_FOUND for an unknown id, INSUFFICIENT_ROLE when "
        "it is not open to the caller.",
        extensions=READ,
        metadata=PER_USER,
    )
    async def dashboard_configuration(self, info: Info, id: uuid.UUID) -> DashboardConfiguration:
        principal = await info.context.principal()
        async with info.context.reading() as conn:
            row = await dashboards.opened(conn, principal, id)
        return DashboardConfiguration.from_row(row)


@strawberry.input(description="A new dashboard configuration (seed 001's fields).")
class DashboardConfigurationInput:
    name: str
    dashboard_type: str = strawberry.field(description=", ".join(DASHBOARD_TYPES) + ".")
    description: str | None = None
    layout_config: JSON | None = strawberry.field(
        default=None, description='{"rows", "columns"}; null: 3 x 3.'
    )
    widget_configs: JSON | None = strawberry.field(default=None, description="null: none.")
    is_public: bool = False
    allowed_roles: list[str] = strawberry.field(default_factory=list)
    auto_refresh_enabled: bool = True
    refresh_interval_seconds: int = 300
    is_active: bool = True


@strawberry.type
class DashboardMutation:
    @strawberry.mutation(
        description="Create a dashboard configuration (incidents:write).", extensions=WRITE
    )
    async def create_dashboard_configuration(
        self, info: Info, input: DashboardConfigurationInput
    ) -> DashboardConfiguration:
        ctx, principal = info.context, await info.context.principal()
        # A JSON field left null takes its default (dashboards.py).
        values = {k: v for k, v in given(input).items() if v is not None or k == "description"}
        async with ctx.writing() as conn:
            row = await dashboards.create(conn, actor=principal, now=ctx.now, values=values)
        return DashboardConfiguration.from_row(row)
