"""The webhook outbox: ``emit`` writes an event, and one pending delivery for each of the
organisation's active endpoints that wants it, in the caller's transaction. So an event
exists exactly when the change that caused it does; the delivery worker
(``resolvers/webhooks/delivery.py``) sends it afterwards, at least once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.ids import new_id
from gateway.sql import table_of
from models.webhooks import (
    WEBHOOK_EVENTS,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookOutboxEvent,
)

ENDPOINTS = table_of(WebhookEndpoint)
EVENTS = table_of(WebhookOutboxEvent)
DELIVERIES = table_of(WebhookDelivery)


async def emit(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    event: str,
    data: dict[str, Any],
    now: datetime,
) -> uuid.UUID | None:
    """Records ``event`` for the endpoints that want it: the event's id, or None when no
    endpoint does (nothing is written then)."""
    ids = await emit_many(conn, org_id=org_id, event=event, items=[data], now=now)
    return ids[0] if ids else None


async def emit_many(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    event: str,
    items: Sequence[dict[str, Any]],
    now: datetime,
) -> list[uuid.UUID]:
    """One ``event`` per item of ``items`` (a calculation's breaches, say) in three
    statements whatever their number: the events' ids, or [] when no endpoint wants it."""
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    if not items:
        return []
    endpoints = await conn.execute(
        select(ENDPOINTS.c.id, ENDPOINTS.c.events).where(
            ENDPOINTS.c.org_id == org_id, ENDPOINTS.c.is_active.is_(True)
        )
    )
    wanted = [row.id for row in endpoints if event in (row.events or [])]
    if not wanted:
        return []
    event_ids = [new_id(now) for _ in items]
    await conn.execute(
        insert(EVENTS),
        [
            {"id": event_id, "org_id": org_id, "event": event, "occurred_at": now, "data": data}
            for event_id, data in zip(event_ids, items, strict=True)
        ],
    )
    await conn.execute(
        insert(DELIVERIES),
        [
            {
                "id": uuid.uuid4(),
                "org_id": org_id,
                "event_id": event_id,
                "endpoint_id": endpoint_id,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for event_id in event_ids
            for endpoint_id in wanted
        ],
    )
    return event_ids
