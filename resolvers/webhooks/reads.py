"""Webhook reads: statements over the organisation's endpoints, deliveries and attempts.

The secret is never selected here: it is shown once, when an endpoint is made, and read
again only by the delivery worker, to sign.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from gateway.sql import table_of
from models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookOutboxEvent
from resolvers.incidents.listing import search_condition

ENDPOINTS = table_of(WebhookEndpoint)
EVENTS = table_of(WebhookOutboxEvent)
DELIVERIES = table_of(WebhookDelivery)
ATTEMPTS = table_of(WebhookAttempt)

PUBLIC_ENDPOINT_COLUMNS = [c for c in ENDPOINTS.c if c.name != "secret"]


def endpoints_of(org_id: uuid.UUID) -> Select[Any]:
    return select(*PUBLIC_ENDPOINT_COLUMNS).where(ENDPOINTS.c.org_id == org_id)


def endpoint_conditions(org_id: uuid.UUID, search: str | None) -> list[ColumnElement[bool]]:
    """Which endpoints the list holds: its resolver's statement and the compiled one
    (gateway/compiler) both read these."""
    conditions = [ENDPOINTS.c.org_id == org_id]
    found = search_condition(search, (ENDPOINTS.c.url, ENDPOINTS.c.description))
    return conditions if found is None else [*conditions, found]


def endpoint_count(org_id: uuid.UUID) -> Select[Any]:
    return select(func.count()).select_from(ENDPOINTS).where(ENDPOINTS.c.org_id == org_id)


def deliveries_of(org_id: uuid.UUID) -> Select[Any]:
    """Deliveries with their event's name and time (one join: an event per delivery)."""
    return (
        select(
            DELIVERIES,
            EVENTS.c.event,
            EVENTS.c.occurred_at,
            EVENTS.c.data,
        )
        .join(EVENTS, EVENTS.c.id == DELIVERIES.c.event_id)
        .where(DELIVERIES.c.org_id == org_id)
    )


def attempts_of(org_id: uuid.UUID, delivery_ids: Sequence[uuid.UUID]) -> Select[Any]:
    """The attempts of ``delivery_ids`` in order: at most MAX_ATTEMPTS each, so no
    per-delivery limit is needed."""
    return (
        select(ATTEMPTS)
        .where(ATTEMPTS.c.org_id == org_id, ATTEMPTS.c.delivery_id.in_(delivery_ids))
        .order_by(ATTEMPTS.c.delivery_id, ATTEMPTS.c.attempt)
    )
