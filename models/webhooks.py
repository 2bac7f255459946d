"""Webhooks (seed 001's four events): endpoints an organisation registers, the outbox of
events, and one delivery per endpoint and event with its attempts.

An event is written in the transaction of the change that causes it (``gateway.webhooks.
emit``), with a delivery row for each endpoint that wants it; the delivery worker POSTs
it until it is accepted or its attempts run out.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import JSON, CheckConstraint, Column, Float, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import TenantRow, check_in, choice_field, timestamp_field

WebhookEvent = Literal[
    "anomaly.detected",
    "kpi.threshold_breached",
    "model.training_completed",
    "cost.threshold_exceeded",
]
DeliveryStatus = Literal["pending", "delivered", "failed"]
WEBHOOK_EVENTS: tuple[str, ...] = get_args(WebhookEvent)
DELIVERY_STATUSES: tuple[str, ...] = get_args(DeliveryStatus)
MAX_URL = 2000
MAX_ATTEMPTS = 8
MAX_DESCRIPTION = 500


def check_url(url: str) -> str:
    """An absolute http(s) URL with a host and no credentials (they would be stored and
    shown in clear; a receiver authenticates the gateway by the signature instead)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise PydanticCustomError("rule", "url is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise PydanticCustomError("rule", "url must start with http:// or https://")
    if not parts.hostname:
        raise PydanticCustomError("rule", "url must name a host")
    if parts.username is not None or parts.password is not None:
        raise PydanticCustomError("rule", "url must not contain credentials")
    if port == 0:
        raise PydanticCustomError("rule", "url names port 0")
    if any(ch.isspace() for ch in url):
        raise PydanticCustomError("rule", "url must not contain spaces")
    return url


def check_events(events: list[str]) -> list[str]:
    """At least one event, each named once (the choices are the Literal's)."""
    if not events:
        raise PydanticCustomError("rule", "events must name at least one event")
    if len(set(events)) != len(events):
        raise PydanticCustomError("rule", "events must not repeat an event")
    return events


class WebhookEndpoint(TenantRow, table=True):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("ix_webhook_endpoints_org_created", "org_id", "created_at"),)

    # Columns (id and org_id first)
    url: str = Field(max_length=MAX_URL)
    events: list[str] = Field(default_factory=list, sa_type=JSON)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    # The HMAC key: shown once, when the endpoint is made; needed in clear to sign.
    secret: str = Field(max_length=100)
    is_active: bool = True
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = timestamp_field(default_now=True)


class WebhookEndpointCreate(SQLModel):
    """What a caller gives to register an endpoint (the secret is the gateway's)."""

    url: str = Field(min_length=1, max_length=MAX_URL)
    events: list[WebhookEvent] = Field(max_length=len(WEBHOOK_EVENTS) * 2)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_url(value)

    @field_validator("events")
    @classmethod
    def _events(cls, value: list[str]) -> list[str]:
        return check_events(value)


class WebhookOutboxEvent(TenantRow, table=True):
    """An event as it happened: the body every endpoint is sent."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        CheckConstraint(check_in("event", WEBHOOK_EVENTS), name="ck_webhook_events_event"),
        Index("ix_webhook_events_org_occurred", "org_id", "occurred_at"),
    )

    # Columns (id and org_id first)
    event: WebhookEvent = choice_field(40)
    occurred_at: datetime = timestamp_field()
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class WebhookDelivery(TenantRow, table=True):
    """One event to one endpoint: pending until accepted (delivered) or given up (failed)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(check_in("status", DELIVERY_STATUSES), name="ck_webhook_deliveries_status"),
        UniqueConstraint("event_id", "endpoint_id", name="uq_webhook_deliveries_event_endpoint"),
        # Indexes: the due deliveries, oldest first (the worker's claim).
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at"),
    )

    # Columns (id and org_id first)
    event_id: uuid.UUID = Field(foreign_key="webhook_events.id", ondelete="CASCADE")
    endpoint_id: uuid.UUID = Field(foreign_key="webhook_endpoints.id", ondelete="CASCADE")
    status: DeliveryStatus = choice_field(10, default="pending")
    attempts: int = 0
    next_attempt_at: datetime = timestamp_field()
    # The claim of the attempt in hand: another worker leaves it alone until it expires.
    locked_until: datetime | None = timestamp_field(nullable=True)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    delivered_at: datetime | None = timestamp_field(nullable=True)
    created_at: datetime = timestamp_field(default_now=True)


class WebhookAttempt(TenantRow, table=True):
    """One POST of a delivery: what the receiver answered and how long it took."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "attempted_at"),)

    # Columns (id and org_id first)
    delivery_id: uuid.UUID = Field(foreign_key="webhook_deliveries.id", ondelete="CASCADE")
    attempt: int
    attempted_at: datetime = timestamp_field()
    status_code: int | None = None
    latency_ms: float = Field(default=0.0, sa_type=Float)
    error: str | None = Field(default=None, sa_type=Text)
