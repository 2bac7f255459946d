"""The webhook GraphQL types. An endpoint's secret appears once, on the answer of
``createWebhookEndpoint``; a delivery's attempts are batched per request."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import Column, MetaData, Table
from strawberry.scalars import JSON

from gateway.compiler import spec
from gateway.compiler.spec import Node, compilable
from gateway.context import Info
from models.webhooks import DELIVERY_STATUSES, WEBHOOK_EVENTS
from resolvers.webhooks.loaders import attempts_by_delivery
from resolvers.webhooks.reads import ENDPOINTS, PUBLIC_ENDPOINT_COLUMNS

EVENTS_TEXT = ", ".join(WEBHOOK_EVENTS)


@strawberry.type(description="A URL the organisation's events are POSTed to, signed.")
class WebhookEndpoint:
    id: uuid.UUID
    url: str
    events: list[str] = strawberry.field(description=f"Which it wants, of: {EVENTS_TEXT}.")
    description: str | None
    is_active: bool
    created_by: uuid.UUID | None
    created_at: datetime

    @classmethod
    def fields_of(cls, row: Any) -> dict[str, Any]:
        return {**ENDPOINT.values(row), "events": list(row["events"] or [])}

    @classmethod
    def from_row(cls, row: Any) -> WebhookEndpoint:
        return cls(**cls.fields_of(row))


# The endpoints' table as the compiler reads it: without the secret, which no read but
# the delivery worker's selects (resolvers/webhooks/reads.py).
PUBLIC_ENDPOINTS = Table(
    ENDPOINTS.name,
    MetaData(),
    *(Column(c.name, c.type, primary_key=c.primary_key) for c in PUBLIC_ENDPOINT_COLUMNS),
)
# What the selection compiler may build (gateway/compiler/spec.py); fields_of reads it.
# Left to the resolvers: events, which writes [] for a stored JSON null; non-null, so
# selecting it sends the root field to the resolver path.
ENDPOINT = compilable(
    Node(
        "WebhookEndpoint",
        PUBLIC_ENDPOINTS,
        {
            "id": spec.Column("id"),
            "url": spec.Column("url"),
            "description": spec.Column("description"),
            "isActive": spec.Column("is_active"),
            "createdBy": spec.Column("created_by"),
            "createdAt": spec.Column("created_at"),
        },
    ),
    lambda row: WebhookEndpoint.from_row(row),
)


@strawberry.type(description="A new endpoint, with its secret: shown this once only.")
class CreatedWebhookEndpoint(WebhookEndpoint):
    secret: str = strawberry.field(
        description="The HMAC-SHA256 key of `X-Signature-256`; keep it, it is not shown again."
    )

    @classmethod
    def created(cls, row: Any) -> CreatedWebhookEndpoint:
        return cls(**cls.fields_of(row), secret=row["secret"])


@strawberry.type(description="One POST of a delivery.")
class WebhookAttempt:
    attempt: int = strawberry.field(description="1 for the first try, up to 8.")
    attempted_at: datetime
    status_code: int | None = strawberry.field(description="Null when no answer came.")
    latency_ms: float
    error: str | None = strawberry.field(
        description="Why it failed (a status, a timeout, a refused connection); null if not."
    )

    @classmethod
    def from_row(cls, row: Any) -> WebhookAttempt:
        return cls(
            attempt=row["attempt"],
            attempted_at=row["attempted_at"],
            status_code=row["status_code"],
            latency_ms=row["latency_ms"],
            error=row["error"],
        )


@strawberry.type(description="One event sent to one endpoint, and how that went.")
class WebhookDelivery:
    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID = strawberry.field(description="The body's `id` and `X-Webhook-Id`.")
    event: str = strawberry.field(description=f"One of {EVENTS_TEXT}.")
    occurred_at: datetime
    data: JSON
    status: str = strawberry.field(description=f"One of {', '.join(DELIVERY_STATUSES)}.")
    attempt_count: int
    next_attempt_at: datetime | None = strawberry.field(description="Null once it is settled.")
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> WebhookDelivery:
        return cls(
            id=row["id"],
            endpoint_id=row["endpoint_id"],
            event_id=row["event_id"],
            event=row["event"],
            occurred_at=row["occurred_at"],
            data=row["data"],
            status=row["status"],
            attempt_count=row["attempts"],
            next_attempt_at=row["next_attempt_at"] if row["status"] == "pending" else None,
            last_status_code=row["last_status_code"],
            last_error=row["last_error"],
            delivered_at=row["delivered_at"],
            created_at=row["created_at"],
        )

    @strawberry.field(description="Its attempts, first to last (at most 8).")
    async def attempts(self, info: Info) -> list[WebhookAttempt]:
        rows = await info.context.loaders.get(attempts_by_delivery).load(self.id)
        return [WebhookAttempt.from_row(row) for row in rows]
