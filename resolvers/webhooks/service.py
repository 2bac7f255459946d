"""Webhook endpoint writes: registering one (with a secret made here, returned once)
and deleting one (its deliveries and their attempts go with it). Each writes the
incident family's audit event in its transaction. Another organisation's endpoint is
NOT_FOUND, as an unknown id is.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from sqlalchemy import delete, insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit import Subject
from gateway.auth import Principal
from gateway.errors import bad_input, not_found
from models.webhooks import WebhookEndpointCreate
from resolvers.incidents.audit import audit
from resolvers.webhooks.reads import ENDPOINTS, endpoint_count, endpoints_of


async def endpoint_of(
    conn: AsyncConnection, org_id: uuid.UUID, endpoint_id: uuid.UUID
) -> RowMapping:
    """One endpoint of the organisation (without its secret), else NOT_FOUND."""
    statement = endpoints_of(org_id).where(ENDPOINTS.c.id == endpoint_id)
    row = (await conn.execute(statement)).mappings().first()
    if row is None:
        raise not_found("webhook endpoint")
    return row


async def create_endpoint(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    data: WebhookEndpointCreate,
    limit: int,
) -> RowMapping:
    """A new endpoint of the organisation, with its secret (the caller shows it once).
    Its URL's destination is checked by the caller, before the transaction
    (``destinations.check_destination`` may wait on DNS). An organisation has at most
    ``limit`` endpoints (``GATEWAY_WEBHOOK_MAX_ENDPOINTS``), which bounds every event's
    fan-out."""
    count = (await conn.execute(endpoint_count(org_id))).scalar_one()
    if count >= limit:
        raise bad_input(f"an organisation has at most {limit} webhook endpoints; delete one first")
    values = {
        "id": uuid.uuid4(),
        "org_id": org_id,
        **data.model_dump(),
        # 32 random bytes, URL-safe: easy to paste into a receiver's configuration.
        "secret": secrets.token_urlsafe(32),
        "is_active": True,
        "created_by": actor.user_id,
        "created_at": now,
    }
    statement = insert(ENDPOINTS).values(**values).returning(*ENDPOINTS.c)
    row = (await conn.execute(statement)).mappings().one()
    details = {"url": row["url"], "events": list(row["events"])}
    await audit(conn, actor, now, "CREATE", Subject("webhook_endpoint", row["id"]), details)
    return row


async def delete_endpoint(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    endpoint_id: uuid.UUID,
) -> None:
    """Deletes an endpoint; its deliveries and attempts cascade (the events stay, other
    endpoints may have them)."""
    current = await endpoint_of(conn, org_id, endpoint_id)
    await conn.execute(
        delete(ENDPOINTS).where(ENDPOINTS.c.org_id == org_id, ENDPOINTS.c.id == endpoint_id)
    )
    details = {"url": current["url"], "events": list(current["events"])}
    await audit(conn, actor, now, "DELETE", Subject("webhook_endpoint", endpoint_id), details)
