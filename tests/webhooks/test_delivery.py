"""The delivery worker against an in-process receiver (httpx.MockTransport), with an
injected clock and random source: the body and its signature, the backoff schedule,
giving up after 8 attempts, failures without an answer, and claims that never hand one
delivery to two workers; on both dialects.

Backoff, base 10 s, cap 3600 s, jitter j in [0.5, 1.5]: the wait after failed attempt n
is min(3600, 10 x 2^(n-1) x j). With j = 0.5, 1.5, 1.0, 0.5, 1.5, 1.0, 0.5:
  5, 30, 40, 40, 240, 320, 320 seconds; the 8th failure settles it as failed.
With base 1000: after attempt 3, 1000 x 4 x 1.5 = 6000 -> capped at 3600.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.sql import table_of
from gateway.webhooks import emit
from models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from resolvers.webhooks.delivery import DeliveryWorker, retry_delay
from tests.factories import Factory

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
DELIVERIES = table_of(WebhookDelivery)
ENDPOINTS = table_of(WebhookEndpoint)
ATTEMPTS = table_of(WebhookAttempt)
SECRET = "s3cret-for-signing"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Jitters:
    """A random source answering the given jitters in turn."""

    def __init__(self, values: list[float]) -> None:
        self._values: Iterator[float] = iter(values)

    def uniform(self, a: float, b: float) -> float:
        assert (a, b) == (0.5, 1.5)
        return next(self._values)


class Receiver:
    """Records each request and answers with the status it is told (or raises)."""

    def __init__(self, answer: int | Exception = 200) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if isinstance(self.answer, Exception):
            raise self.answer
        return httpx.Response(self.answer, text="ok")

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


async def emitted(db: AsyncEngine, org: dict[str, Any], data: dict[str, Any]) -> Any:
    async with db.begin() as conn:
        return await emit(conn, org_id=org["id"], event="kpi.threshold_breached", data=data, now=T0)


async def delivery_rows(db: AsyncEngine) -> list[Any]:
    async with db.connect() as conn:
        return list((await conn.execute(select(DELIVERIES))).mappings())


async def attempt_rows(db: AsyncEngine) -> list[Any]:
    async with db.connect() as conn:
        statement = select(ATTEMPTS).order_by(ATTEMPTS.c.attempt)
        return list((await conn.execute(statement)).mappings())


@pytest.fixture
async def org(factory: Factory) -> dict[str, Any]:
    org = await factory.org()
    await factory.webhook_endpoint(org, "https://hooks.example.com/in", secret=SECRET)
    return org


async def test_the_body_and_its_signature(db, org):
    event_id = await emitted(db, org, {"metric_id": "m1", "value": "15.50"})
    receiver = Receiver(204)
    worker = DeliveryWorker(db, clock=Clock(T0), transport=receiver.transport())
    assert await worker.run_until_idle() == 1
    await worker.aclose()
    (request,) = receiver.requests
    assert request.method == "POST"
    assert str(request.url) == "https://hooks.example.com/in"
    body = request.content
    assert json.loads(body) == {
        "id": str(event_id),
        "event": "kpi.threshold_breached",
        "occurred_at": "2026-05-01T12:00:00Z",
        "data": {"metric_id": "m1", "value": "15.50"},
    }
    assert b": " not in body and b", " not in body  # compact
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert request.headers["X-Signature-256"] == f"sha256={expected}"
    assert request.headers["X-Webhook-Id"] == str(event_id)
    assert request.headers["X-Webhook-Event"] == "kpi.threshold_breached"
    assert request.headers["Content-Type"] == "application/json"
    (delivery,) = await delivery_rows(db)
    assert (delivery["status"], delivery["attempts"], delivery["delivered_at"]) == (
        "delivered",
        1,
        T0,
    )
    assert delivery["locked_until"] is None
    (attempt,) = await attempt_rows(db)
    assert (attempt["attempt"], attempt["status_code"], attempt["error"]) == (1, 204, None)
    assert attempt["latency_ms"] >= 0


def test_the_schedule():
    assert [retry_delay(n, base=10, cap=3600, jitter=1.0) for n in range(1, 8)] == [
        10,
        20,
        40,
        80,
        160,
        320,
        640,
    ]
    assert retry_delay(3, base=1000, cap=3600, jitter=1.5) == 3600
    assert retry_delay(1, base=10, cap=3600, jitter=0.5) == 5


async def test_backoff_with_jitter_then_failed_after_eight_attempts(db, org):
    await emitted(db, org, {})
    clock = Clock(T0)
    receiver = Receiver(503)
    jitters = [0.5, 1.5, 1.0, 0.5, 1.5, 1.0, 0.5]
    worker = DeliveryWorker(
        db,
        clock=clock,
        retry_base=10,
        retry_cap=3600,
        rng=Jitters(jitters),
        transport=receiver.transport(),
    )
    waits = []
    for attempt in range(1, 9):
        assert await worker.run_once() == 1, attempt
        (delivery,) = await delivery_rows(db)
        assert delivery["attempts"] == attempt
        if attempt == 8:
            assert delivery["status"] == "failed"
            break
        assert delivery["status"] == "pending"
        wait = delivery["next_attempt_at"] - clock.now
        waits.append(wait.total_seconds())
        # not due a moment before its time
        clock.now = delivery["next_attempt_at"] - timedelta(milliseconds=1)
        assert await worker.run_once() == 0
        clock.now = delivery["next_attempt_at"]
    await worker.aclose()
    assert waits == [5, 30, 40, 40, 240, 320, 320]
    assert len(receiver.requests) == 8
    # the failed delivery is never claimed again
    clock.now += timedelta(days=1)
    assert await worker.run_once() == 0
    attempts = await attempt_rows(db)
    assert [a["attempt"] for a in attempts] == list(range(1, 9))
    assert {(a["status_code"], a["error"]) for a in attempts} == {
        (503, "HTTP 503 Service Unavailable")
    }
    assert delivery["last_status_code"] == 503


@pytest.mark.parametrize(
    ("answer", "code", "error"),
    [
        (httpx.ConnectError("Connection refused"), None, "ConnectError: Connection refused"),
        (httpx.ReadTimeout("slow"), None, "timed out after 10s"),
        (302, 302, "HTTP 302 Found"),
    ],
)
async def test_no_answer_or_a_redirect_is_a_failed_attempt(db, org, answer, code, error):
    await emitted(db, org, {})
    worker = DeliveryWorker(db, clock=Clock(T0), transport=Receiver(answer).transport())
    assert await worker.run_once() == 1
    await worker.aclose()
    (attempt,) = await attempt_rows(db)
    assert (attempt["status_code"], attempt["error"]) == (code, error)
    (delivery,) = await delivery_rows(db)
    assert delivery["status"] == "pending" and delivery["last_error"] == error


async def test_a_claim_is_one_workers_until_it_expires(db, factory, org):
    for n in range(6):
        await emitted(db, org, {"n": n})
    clock = Clock(T0)
    first = DeliveryWorker(db, clock=clock, batch=4)
    second = DeliveryWorker(db, clock=clock, batch=4)
    # given: claims made concurrently
    got = await asyncio.gather(first.claim(), second.claim())
    ids = [c.id for batch in got for c in batch]
    # then: every delivery claimed once
    assert sorted(map(str, ids)) == sorted({str(i) for i in ids})
    assert len(ids) == 6
    # nothing is claimable while the claims stand; all are once they expire
    assert await first.claim() == []
    clock.now = T0 + first.lock_for + timedelta(seconds=1)
    again = await second.claim()
    assert len(again) == 4 and {c.attempt for c in again} == {2}


async def test_a_deleted_endpoint_drops_its_delivery_in_hand(db, factory, org):
    await emitted(db, org, {})
    worker = DeliveryWorker(db, clock=Clock(T0), transport=Receiver(200).transport())
    (claimed,) = await worker.claim()
    async with db.begin() as conn:
        await conn.execute(ENDPOINTS.delete())
    outcome = await worker.deliver(claimed)
    await worker.aclose()
    assert outcome.status_code == 200
    assert await attempt_rows(db) == []
