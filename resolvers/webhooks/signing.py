"""What a receiver gets: the body's bytes and the headers that name and sign it.

The body is compact JSON ``{"id", "event", "occurred_at", "data"}``; ``X-Signature-256``
is ``sha256=`` and the hex HMAC-SHA256 of exactly those bytes under the endpoint's
secret, so a receiver verifies the bytes it read before parsing them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import datetime
from typing import Any

from gateway.times import rfc3339

SIGNATURE_HEADER = "X-Signature-256"
ID_HEADER = "X-Webhook-Id"
EVENT_HEADER = "X-Webhook-Event"


def body_of(event_id: uuid.UUID, event: str, occurred_at: datetime, data: Any) -> bytes:
    """The POST body: compact, so every retry of an event sends the same bytes."""
    message = {
        "id": str(event_id),
        "event": event,
        "occurred_at": rfc3339(occurred_at),
        "data": data,
    }
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256(secret, body)>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers_of(secret: str, event_id: uuid.UUID, event: str, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        ID_HEADER: str(event_id),
        EVENT_HEADER: event,
        SIGNATURE_HEADER: signature(secret, body),
    }
