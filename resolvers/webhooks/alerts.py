"""The two events the incident writes emit, each in the transaction of its write:

- ``kpi.threshold_breached``: a calculation wrote a measurement that misses its metric's
  target (``kpi_reads.target_met``: lower is better for MTTA, MTTR, INCIDENT_COUNT and
  ESCALATION_RATE, higher for the others; no target, no breach).
- ``cost.threshold_exceeded``: a new cost analysis took its incident's total (in the
  analysis's currency) from at most ``GATEWAY_COST_ALERT_THRESHOLD`` to above it. Only
  the crossing sends it, so later analyses of an expensive incident do not repeat it.

Figures are text with two decimals and times RFC 3339 with ``Z``, as the REST dialect
renders them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.rounding import decimal_string
from gateway.sql import MONEY_UNITS, money_units, table_of
from gateway.times import rfc3339
from gateway.webhooks import emit, emit_many
from models.incidents import CostAnalysis
from resolvers.incidents.kpi_reads import target_met

COSTS = table_of(CostAnalysis)

KPI_BREACHED = "kpi.threshold_breached"
COST_EXCEEDED = "cost.threshold_exceeded"


def _money(value: Decimal | Fraction | None) -> str | None:
    return None if value is None else decimal_string(value, 2)


async def kpi_breaches(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    now: datetime,
    measured: Sequence[tuple[Mapping[Any, Any], Mapping[Any, Any]]],
) -> list[uuid.UUID]:
    """One event per (metric, measurement) written that misses the metric's target."""
    items = [
        {
            "metric_id": str(metric["id"]),
            "name": metric["name"],
            "metric_type": metric["metric_type"],
            "value": _money(row["value"]),
            "target_value": _money(metric["target_value"]),
            "unit": row["unit"],
            "period_start": rfc3339(row["period_start"]),
            "period_end": rfc3339(row["period_end"]),
        }
        for metric, row in measured
        if not target_met(metric["metric_type"], row["value"], metric["target_value"])
    ]
    return await emit_many(conn, org_id=org_id, event=KPI_BREACHED, items=items, now=now)


async def cost_crossing(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    now: datetime,
    analysis: Mapping[Any, Any],
    threshold: Decimal,
) -> uuid.UUID | None:
    """The event of ``analysis`` (just written) taking its incident's total above
    ``threshold``, or None when it did not cross it."""
    units = select(func.coalesce(func.sum(money_units(COSTS.c.cost_amount)), 0)).where(
        COSTS.c.org_id == org_id,
        COSTS.c.incident_id == analysis["incident_id"],
        COSTS.c.currency == analysis["currency"],
    )
    # Summed in whole ten-thousandths: exact on both databases.
    total = Fraction(int((await conn.execute(units)).scalar_one()), MONEY_UNITS)
    before = total - Fraction(analysis["cost_amount"])
    if not before <= threshold < total:
        return None
    data = {
        "incident_id": str(analysis["incident_id"]),
        "cost_analysis_id": str(analysis["id"]),
        "total": _money(total),
        "threshold": _money(threshold),
        "currency": analysis["currency"],
    }
    return await emit(conn, org_id=org_id, event=COST_EXCEEDED, data=data, now=now)
