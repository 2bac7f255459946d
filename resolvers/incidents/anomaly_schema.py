"""Anomaly and insight root fields (``incidents:read``) and mutations
(``incidents:write``): lists, summaries, acknowledge and resolve, and the jobs that
detect anomalies and derive insights."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from sqlalchemy import select

from gateway import jobs
from gateway.context import Info
from gateway.permissions import requires
from models.predictive import (
    ANOMALY_SEVERITIES,
    ANOMALY_STATUSES,
    ANOMALY_TYPES,
    CONFIDENCE_LEVELS,
    INSIGHT_TYPES,
)
from resolvers.common import check_choice, check_moment
from resolvers.incidents import anomaly_service, predictive_reads
from resolvers.incidents.audit import audit
from resolvers.incidents.listing import Listing, OffsetPage, check_search, compiled_or_page
from resolvers.incidents.ml import detection, insights, schedule  # noqa: F401 (its hook)
from resolvers.incidents.predictive_reads import ANOMALIES, INSIGHTS
from resolvers.incidents.predictive_types import (
    AnomalyDetection,
    AnomalySummary,
    InsightSummary,
    PredictiveInsight,
)
from resolvers.incidents.scopes import INCIDENTS_READ, INCIDENTS_WRITE
from resolvers.jobs.types import Job

READ = requires(scope=INCIDENTS_READ)
WRITE = requires(scope=INCIDENTS_WRITE)


def _listing(table, names: tuple[str, ...], default: str) -> Listing:  # type: ignore[no-untyped-def]
    return Listing({n: table.c[n] for n in names}, [table.c[default].desc()], table.c.id)


ANOMALY_LISTING = _listing(
    ANOMALIES,
    ("detected_at", "severity", "status", "anomaly_type", "anomaly_score", "confidence_score"),
    "detected_at",
)
INSIGHT_LISTING = _listing(
    INSIGHTS,
    ("created_at", "valid_until", "confidence_score", "insight_type", "confidence_level"),
    "created_at",
)


@strawberry.type
class AnomalyQuery:
    @strawberry.field(
        description="The organisation's anomalies, newest first; `startDate`/`endDate` "
        "bound `detected_at` (inclusive); `search` looks in the description.",
        extensions=READ,
    )
    async def anomaly_detections(
        self,
        info: Info,
        first: int = 20,
        offset: int = 0,
        ordering: str | None = None,
        search: str | None = None,
        anomaly_type: str | None = None,
        severity: str | None = None,
        status: str | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
    ) -> OffsetPage[AnomalyDetection]:
        org_id = await info.context.org_id()
        # Checked in the order of the arguments: the first refused one is the error.
        choices = {
            "anomaly_type": check_choice(anomaly_type, ANOMALY_TYPES, "anomalyType"),
            "severity": check_choice(severity, ANOMALY_SEVERITIES, "severity"),
            "status": check_choice(status, ANOMALY_STATUSES, "status"),
        }
        conditions = predictive_reads.anomaly_conditions(
            org_id,
            choices=choices,
            start=check_moment(start_date, "startDate"),
            end=check_moment(end_date, "endDate"),
            search=check_search(search, ANOMALIES.c.description),
        )
        return await compiled_or_page(
            info,
            org_id,
            select(ANOMALIES).where(*conditions),
            ANOMALY_LISTING,
            AnomalyDetection.from_row,
            first=first,
            offset=offset,
            ordering=ordering,
        )

    @strawberry.field(description="One anomaly, or null.", extensions=READ)
    async def anomaly_detection(self, info: Info, id: uuid.UUID) -> AnomalyDetection | None:
        org_id = await info.context.org_id()
        row = await info.context.one_or_none(
            predictive_reads.anomalies_of(org_id).where(ANOMALIES.c.id == id)
        )
        return None if row is None else AnomalyDetection.from_row(row)

    @strawberry.field(description="The organisation's anomalies in figures.", extensions=READ)
    async def anomaly_summary(self, info: Info) -> AnomalySummary:
        org_id = await info.context.org_id()
        row = await info.context.one_or_none(predictive_reads.anomaly_summary_statement(org_id))
        return predictive_reads.anomaly_summary(row)

    @strawberry.field(
        description="The organisation's insights, newest first. Insights whose period has "
        "ended are left out unless `includeExpired`.",
        extensions=READ,
    )
    async def predictive_insights(
        self,
        info: Info,
        first: int = 20,
        offset: int = 0,
        ordering: str | None = None,
        insight_type: str | None = None,
        confidence_level: str | None = None,
        is_acknowledged: bool | None = None,
        is_validated: bool | None = None,
        include_expired: bool = False,
    ) -> OffsetPage[PredictiveInsight]:
        ctx = info.context
        org_id = await ctx.org_id()
        choices = {
            "insight_type": check_choice(insight_type, INSIGHT_TYPES, "insightType"),
            "confidence_level": check_choice(
                confidence_level, CONFIDENCE_LEVELS, "confidenceLevel"
            ),
        }
        conditions = predictive_reads.insight_conditions(
            org_id,
            ctx.now,
            choices=choices,
            flags={"is_acknowledged": is_acknowledged, "is_validated": is_validated},
            include_expired=include_expired,
        )
        return await compiled_or_page(
            info,
            org_id,
            select(INSIGHTS).where(*conditions),
            INSIGHT_LISTING,
            PredictiveInsight.from_row,
            first=first,
            offset=offset,
            ordering=ordering,
        )

    @strawberry.field(description="The organisation's insights in figures.", extensions=READ)
    async def insight_summary(self, info: Info) -> InsightSummary:
        ctx = info.context
        row = await ctx.one_or_none(
            predictive_reads.insight_summary_statement(await ctx.org_id(), ctx.now)
        )
        return predictive_reads.insight_summary(row)


@strawberry.type
class AnomalyMutation:
    @strawberry.mutation(
        description="DETECTED -> INVESTIGATING (CONFLICT from any other state).",
        extensions=WRITE,
    )
    async def acknowledge_anomaly(self, info: Info, id: uuid.UUID) -> AnomalyDetection:
        ctx, principal = info.context, await info.context.principal()
        async with ctx.writing() as conn:
            row = await anomaly_service.acknowledge_anomaly(
                conn, actor=principal, now=ctx.now, anomaly_id=id
            )
        return AnomalyDetection.from_row(row)

    @strawberry.mutation(
        description="Close an anomaly as RESOLVED, CONFIRMED or FALSE_POSITIVE, with notes "
        "(CONFLICT once closed).",
        extensions=WRITE,
    )
    async def resolve_anomaly(
        self, info: Info, id: uuid.UUID, resolution: str, notes: str | None = None
    ) -> AnomalyDetection:
        ctx, principal = info.context, await info.context.principal()
        async with ctx.writing() as conn:
            row = await anomaly_service.resolve_anomaly(
                conn,
                actor=principal,
                now=ctx.now,
                anomaly_id=id,
                resolution=resolution,
                notes=notes,
            )
        return AnomalyDetection.from_row(row)

    @strawberry.mutation(
        description="Detect anomalies over the last `timeWindowHours` whole hours (default "
        "24) in the background: the job.",
        extensions=WRITE,
    )
    async def detect_anomalies(
        self, info: Info, time_window_hours: int = 24, model_id: uuid.UUID | None = None
    ) -> Job:
        ctx, principal = info.context, await info.context.principal()
        detection.check_window(time_window_hours)
        payload = {
            "time_window_hours": time_window_hours,
            "model_id": None if model_id is None else str(model_id),
        }
        async with ctx.writing() as conn:
            if model_id is not None:
                await detection.check_model(conn, principal.org_id, model_id)
            job = await jobs.enqueue(
                conn, org_id=principal.org_id, kind=detection.KIND, payload=payload, now=ctx.now
            )
            await audit(conn, principal, ctx.now, "DETECT", None, {"job_id": str(job["id"])})
        return Job.from_row(job)

    @strawberry.mutation(
        description="Validate ended insights and derive new ones from the ACTIVE models, in "
        "the background: the job.",
        extensions=WRITE,
    )
    async def generate_insights(self, info: Info) -> Job:
        ctx, principal = info.context, await info.context.principal()
        async with ctx.writing() as conn:
            job = await jobs.enqueue(
                conn, org_id=principal.org_id, kind=insights.KIND, payload={}, now=ctx.now
            )
            await audit(conn, principal, ctx.now, "GENERATE", None, {"job_id": str(job["id"])})
        return Job.from_row(job)

    @strawberry.mutation(description="Acknowledge an insight.", extensions=WRITE)
    async def acknowledge_insight(self, info: Info, id: uuid.UUID) -> PredictiveInsight:
        ctx, principal = info.context, await info.context.principal()
        async with ctx.writing() as conn:
            row = await anomaly_service.acknowledge_insight(
                conn, actor=principal, now=ctx.now, insight_id=id
            )
        return PredictiveInsight.from_row(row)
