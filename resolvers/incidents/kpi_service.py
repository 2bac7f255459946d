"""KPI writes: metrics (create, update, delete) and calculations, in the caller's
transaction, each with the family's audit event.

- A system metric (``is_system_metric``) cannot be deleted: PERMISSION_DENIED (403).
- Updating a metric's type is not offered (its measurements would change meaning); a
  CUSTOM metric's formula is checked against the type it keeps.
- A calculation writes one measurement per active metric (or the one named) for the
  period ending at the calculation time truncated to the hour. A period that already has
  a measurement is skipped, unless ``force``, which replaces it. It runs from the
  ``calculateKpis`` mutation, `gateway kpis calculate` and the ``kpis.calculate`` job.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic_core import PydanticCustomError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.audit import Subject
from gateway.auth import Principal
from gateway.errors import GatewayError, bad_input, not_found
from gateway.jobs import ClaimedJob, job_kind
from gateway.sql import table_of, upsert
from gateway.validation import changes
from models.incidents import (
    UNITS,
    KpiMeasurement,
    KpiMetric,
    KpiMetricCreate,
    KpiMetricUpdate,
    check_formula,
)
from resolvers.incidents.audit import audit
from resolvers.incidents.kpi_calc import MetricSpec, calculate, period_end_of
from resolvers.webhooks.alerts import kpi_breaches

METRICS = table_of(KpiMetric)
MEASUREMENTS = table_of(KpiMeasurement)


async def metric_of(conn: AsyncConnection, org_id: uuid.UUID, metric_id: uuid.UUID) -> RowMapping:
    statement = select(METRICS).where(METRICS.c.org_id == org_id, METRICS.c.id == metric_id)
    row = (await conn.execute(statement)).mappings().first()
    if row is None:
        raise not_found("KPI metric")
    return row


async def create_metric(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    data: KpiMetricCreate,
) -> RowMapping:
    """A new metric of the organisation, created by ``actor`` (never a system metric)."""
    values = {
        "id": uuid.uuid4(),
        "org_id": org_id,
        **data.model_dump(),
        "is_system_metric": False,
        "created_by": actor.user_id,
        "created_at": now,
        "updated_at": now,
    }
    row = (await conn.execute(insert(METRICS).values(**values).returning(*METRICS.c))).mappings()
    created = row.one()
    details = {"name": created["name"], "metric_type": created["metric_type"]}
    await audit(conn, actor, now, "CREATE", Subject("kpi_metric", created["id"]), details)
    return created


async def update_metric(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    metric_id: uuid.UUID,
    data: KpiMetricUpdate,
) -> RowMapping:
    """The metric with the given fields changed."""
    current = await metric_of(conn, org_id, metric_id)
    given = changes(data)
    formula = given.get("calculation_formula", current["calculation_formula"])
    try:
        check_formula(current["metric_type"], formula)
    except PydanticCustomError as error:
        raise bad_input(error.message(), argument="calculationFormula") from None
    statement = (
        update(METRICS)
        .where(METRICS.c.id == metric_id)
        .values(**given, updated_at=now)
        .returning(*METRICS.c)
    )
    row = (await conn.execute(statement)).mappings().one()
    await audit(
        conn, actor, now, "UPDATE", Subject("kpi_metric", metric_id), {"fields": sorted(given)}
    )
    return row


async def delete_metric(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    metric_id: uuid.UUID,
) -> None:
    """Deletes a metric and its measurements; a system metric is refused."""
    current = await metric_of(conn, org_id, metric_id)
    if current["is_system_metric"]:
        raise GatewayError("INSUFFICIENT_ROLE", "a system metric cannot be deleted")
    await conn.execute(delete(METRICS).where(METRICS.c.id == metric_id))
    details = {"name": current["name"], "metric_type": current["metric_type"]}
    await audit(conn, actor, now, "DELETE", Subject("kpi_metric", metric_id), details)


@dataclass(frozen=True)
class Calculated:
    written: int
    skipped: int
    period_end: datetime


async def calculate_metrics(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    now: datetime,
    metric_id: uuid.UUID | None = None,
    hours: int | None = None,
    force: bool = False,
) -> Calculated:
    """One measurement per active metric (or the one named, active or not) for the
    period ending at ``now`` truncated to the hour; ``hours`` overrides every metric's
    window for this run."""
    statement = select(METRICS).where(METRICS.c.org_id == org_id)
    if metric_id is not None:
        await metric_of(conn, org_id, metric_id)
        statement = statement.where(METRICS.c.id == metric_id)
    else:
        statement = statement.where(METRICS.c.is_active.is_(True))
    metrics = list((await conn.execute(statement.order_by(METRICS.c.id))).mappings())
    end = period_end_of(now)
    measured = set() if force else await _measured(conn, [m["id"] for m in metrics], end)
    written = skipped = 0
    rows: list[tuple[RowMapping, dict[str, Any]]] = []
    for metric in metrics:
        spec = MetricSpec.of(metric, hours)
        start = end - timedelta(hours=spec.hours)
        if (metric["id"], start) in measured:
            skipped += 1
            continue
        value = await calculate(conn, org_id=org_id, spec=spec, end=end)
        row = {
            "id": uuid.uuid4(),
            "org_id": org_id,
            "metric_id": metric["id"],
            "value": value.value,
            "unit": UNITS[spec.metric_type],
            "period_start": start,
            "period_end": end,
            "incident_count": value.incident_count,
            "calculated_at": now,
            "details": value.details,
        }
        # With force, the period's measurement is replaced (its id kept).
        await conn.execute(upsert(conn.dialect.name, MEASUREMENTS, row, PERIOD, keep=("id",)))
        rows.append((metric, row))
        written += 1
    # kpi.threshold_breached for each measurement missing its target, in this transaction.
    await kpi_breaches(conn, org_id=org_id, now=now, measured=rows)
    return Calculated(written=written, skipped=skipped, period_end=end)


PERIOD = ["metric_id", "period_start", "period_end"]


async def _measured(
    conn: AsyncConnection, metric_ids: list[uuid.UUID], end: datetime
) -> set[tuple[uuid.UUID, datetime]]:
    """(metric, period start) of the measurements already ending at ``end``: one
    statement for every metric of the run."""
    statement = select(MEASUREMENTS.c.metric_id, MEASUREMENTS.c.period_start).where(
        MEASUREMENTS.c.metric_id.in_(metric_ids), MEASUREMENTS.c.period_end == end
    )
    return {(row.metric_id, row.period_start) for row in await conn.execute(statement)}


# --- the calculation as a job -------------------------------------------------------

KIND = "kpis.calculate"


@job_kind(KIND)
async def kpis_calculate(engine: AsyncEngine, *, job: ClaimedJob, now: datetime) -> dict[str, Any]:
    """The job: ``calculate_metrics`` with the payload's ``metric_id``,
    ``time_window_hours`` and ``force``, in one transaction."""
    payload = job.payload
    metric_id = payload.get("metric_id")
    async with engine.begin() as conn:
        done = await calculate_metrics(
            conn,
            org_id=job.org_id,
            now=now,
            metric_id=uuid.UUID(metric_id) if metric_id else None,
            hours=payload.get("time_window_hours"),
            force=bool(payload.get("force", False)),
        )
    return {
        "written": done.written,
        "skipped": done.skipped,
        "period_end": done.period_end.isoformat(),
    }
