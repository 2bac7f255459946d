"""Anomaly and insight writes, each in the caller's transaction with an audit event.

- Acknowledging an anomaly moves it DETECTED -> INVESTIGATING; from any other state it
  is a CONFLICT (409).
- Resolving takes RESOLVED, CONFIRMED or FALSE_POSITIVE and sets ``resolved_at/by``,
  from DETECTED or INVESTIGATING; an anomaly already resolved is a CONFLICT.
- Acknowledging an insight sets ``is_acknowledged``; a second time changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit import Subject
from gateway.auth import Principal
from gateway.errors import GatewayError, bad_input, not_found
from models.predictive import MAX_TEXT, RESOLUTIONS
from resolvers.incidents.audit import audit
from resolvers.incidents.predictive_reads import ANOMALIES, INSIGHTS, UNRESOLVED


async def _anomaly(conn: AsyncConnection, org_id: uuid.UUID, anomaly_id: uuid.UUID) -> RowMapping:
    statement = select(ANOMALIES).where(ANOMALIES.c.org_id == org_id, ANOMALIES.c.id == anomaly_id)
    row = (await conn.execute(statement)).mappings().first()
    if row is None:
        raise not_found("anomaly detection")
    return row


async def _changed(conn: AsyncConnection, anomaly_id: uuid.UUID, **values: object) -> RowMapping:
    statement = (
        update(ANOMALIES)
        .where(ANOMALIES.c.id == anomaly_id)
        .values(**values)
        .returning(*ANOMALIES.c)
    )
    return (await conn.execute(statement)).mappings().one()


async def acknowledge_anomaly(
    conn: AsyncConnection, *, actor: Principal, now: datetime, anomaly_id: uuid.UUID
) -> RowMapping:
    row = await _anomaly(conn, actor.org_id, anomaly_id)
    if row["status"] != "DETECTED":
        raise GatewayError(
            "CONFLICT", f"only a DETECTED anomaly can be acknowledged; this one is {row['status']}"
        )
    changed = await _changed(
        conn, anomaly_id, status="INVESTIGATING", acknowledged_at=now, acknowledged_by=actor.user_id
    )
    await audit(conn, actor, now, "ACKNOWLEDGE", Subject("anomaly_detection", anomaly_id), {})
    return changed


async def resolve_anomaly(
    conn: AsyncConnection,
    *,
    actor: Principal,
    now: datetime,
    anomaly_id: uuid.UUID,
    resolution: str,
    notes: str | None,
) -> RowMapping:
    if resolution not in RESOLUTIONS:
        raise bad_input(
            "resolution must be one of: " + ", ".join(RESOLUTIONS), argument="resolution"
        )
    if notes is not None and len(notes) > MAX_TEXT:
        raise bad_input(
            f"notes cannot be accepted: text longer than {MAX_TEXT} characters", argument="notes"
        )
    row = await _anomaly(conn, actor.org_id, anomaly_id)
    if row["status"] not in UNRESOLVED:
        raise GatewayError("CONFLICT", f"the anomaly is already {row['status']}")
    changed = await _changed(
        conn,
        anomaly_id,
        status=resolution,
        resolved_at=now,
        resolved_by=actor.user_id,
        resolution_notes=notes,
    )
    await audit(
        conn,
        actor,
        now,
        "RESOLVE",
        Subject("anomaly_detection", anomaly_id),
        {"resolution": resolution},
    )
    return changed


async def acknowledge_insight(
    conn: AsyncConnection, *, actor: Principal, now: datetime, insight_id: uuid.UUID
) -> RowMapping:
    statement = select(INSIGHTS).where(
        INSIGHTS.c.org_id == actor.org_id, INSIGHTS.c.id == insight_id
    )
    row = (await conn.execute(statement)).mappings().first()
    if row is None:
        raise not_found("predictive insight")
    if row["is_acknowledged"]:
        return row
    changed = (
        (
            await conn.execute(
                update(INSIGHTS)
                .where(INSIGHTS.c.id == insight_id)
                .values(
                    is_acknowledged=True,
                    acknowledged_by=actor.user_id,
                    acknowledged_at=now,
                    updated_at=now,
                )
                .returning(*INSIGHTS.c)
            )
        )
        .mappings()
        .one()
    )
    await audit(conn, actor, now, "ACKNOWLEDGE", Subject("predictive_insight", insight_id), {})
    return changed
