"""Cost impact writes: creating an analysis of one of the organisation's incidents, and
validating one (``is_validated``, who, when, notes). Each writes the family's audit
event. Another organisation's incident or analysis is NOT_FOUND, as an unknown id is.
Validating an analysis again records the new notes and validator (it is a review, and
the latest review is the one that stands)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit import Subject
from gateway.auth import Principal
from gateway.errors import not_found
from gateway.sql import table_of
from models.incidents import CostAnalysis, CostAnalysisCreate, Incident
from resolvers.incidents.audit import audit
from resolvers.webhooks.alerts import cost_crossing

COSTS = table_of(CostAnalysis)
INCIDENTS = table_of(Incident)


async def create_cost(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    data: CostAnalysisCreate,
    alert_threshold: Decimal | None = None,
) -> RowMapping:
    """A cost analysis of one of the organisation's incidents; taking the incident's total
    above ``alert_threshold`` emits cost.threshold_exceeded (None: no alert)."""
    owned = select(INCIDENTS.c.id).where(
        INCIDENTS.c.org_id == org_id, INCIDENTS.c.id == data.incident_id
    )
    if (await conn.execute(owned)).first() is None:
        raise not_found("incident")
    values = {
        "id": uuid.uuid4(),
        "org_id": org_id,
        **data.model_dump(),
        "is_validated": False,
        "created_at": now,
        "updated_at": now,
    }
    row = (await conn.execute(insert(COSTS).values(**values).returning(*COSTS.c))).mappings().one()
    details = {"incident_id": row["incident_id"], "cost_type": row["cost_type"]}
    await audit(conn, actor, now, "CREATE", Subject("cost_analysis", row["id"]), details)
    if alert_threshold is not None:
        await cost_crossing(conn, org_id=org_id, now=now, analysis=row, threshold=alert_threshold)
    return row


async def validate_cost(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    cost_id: uuid.UUID,
    notes: str | None,
) -> RowMapping:
    """Marks an analysis validated by ``actor``."""
    statement = (
        update(COSTS)
        .where(COSTS.c.org_id == org_id, COSTS.c.id == cost_id)
        .values(
            is_validated=True,
            validated_by=actor.user_id,
            validated_at=now,
            validation_notes=notes,
            updated_at=now,
        )
        .returning(*COSTS.c)
    )
    row = (await conn.execute(statement)).mappings().first()
    if row is None:
        raise not_found("cost analysis")
    await audit(conn, actor, now, "VALIDATE", Subject("cost_analysis", cost_id), {})
    return row
