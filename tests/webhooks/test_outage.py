"""At least once through an outage: a real receiver on 127.0.0.1 answers 500 to its
first three calls, then stops listening (connections refused) until the test has seen
the worker's POSTs refused, then listens again. Every event arrives, accepted exactly
once by id, and the attempts log shows the 500s and the refusals; on both dialects.

The worker runs its real loop (real clock) with a 50 ms backoff base, so the whole
outage takes well under a second; the test polls with deadlines, never sleeps a fixed time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy import func, select

from gateway.app import create_app
from gateway.sql import table_of, utcnow
from gateway.webhooks import emit
from models.webhooks import WebhookAttempt, WebhookDelivery, WebhookOutboxEvent
from resolvers.webhooks.delivery import DeliveryWorker
from tests.governance.test_guardian_graphql import gql
from tests.webhooks.receiver import FlakyReceiver

ATTEMPTS = table_of(WebhookAttempt)
DELIVERIES = table_of(WebhookDelivery)
EVENTS = table_of(WebhookOutboxEvent)
SECRET = "outage-secret"
HOW_MANY = 5
COST = "mutation ($input: CostAnalysisInput!) { createCostAnalysis(input: $input) { id } }"


async def until(check: Callable[[], Awaitable[bool]], what: str, deadline: float = 20.0) -> None:
    """Polls ``check`` until it holds, failing after ``deadline`` seconds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while not await check():
        assert loop.time() < end, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def test_every_event_arrives_exactly_once_through_an_outage(db, factory):
    receiver = FlakyReceiver(SECRET, failures=3)
    await receiver.start()
    try:
        await _outage(db, factory, receiver)
    finally:
        await receiver.close()


async def _outage(db: Any, factory: Any, receiver: FlakyReceiver) -> None:
    # given: an endpoint on the receiver, and five events for it
    org = await factory.org()
    await factory.webhook_endpoint(org, receiver.url, secret=SECRET, events=["anomaly.detected"])
    event_ids = []
    async with db.begin() as conn:
        for n in range(HOW_MANY):
            data = {"n": n}
            event_ids.append(
                str(
                    await emit(
                        conn, org_id=org["id"], event="anomaly.detected", data=data, now=utcnow()
                    )
                )
            )
    worker = DeliveryWorker(db, retry_base=0.05, poll_interval=0.01, timeout=2.0)

    async def refused() -> bool:
        statement = select(func.count()).where(ATTEMPTS.c.status_code.is_(None))
        async with db.connect() as conn:
            return int(await conn.scalar(statement)) >= 2

    async def settled() -> bool:
        statement = select(func.count()).where(DELIVERIES.c.status != "delivered")
        async with db.connect() as conn:
            return int(await conn.scalar(statement)) == 0

    async with worker.running():
        # when: three 500s, then down until two POSTs were refused, then up again
        await asyncio.wait_for(receiver.went_down.wait(), 20)
        await until(refused, "refused connections")
        await receiver.start()
        await until(settled, "every delivery delivered")

    # then: each event accepted exactly once, none with a bad signature
    assert sorted(receiver.accepted) == sorted(event_ids)
    assert len(set(receiver.accepted)) == len(receiver.accepted) == HOW_MANY
    assert receiver.bad_signatures == 0
    async with db.connect() as conn:
        attempts = list((await conn.execute(select(ATTEMPTS))).mappings())
        deliveries = list((await conn.execute(select(DELIVERIES))).mappings())
    assert [a["status_code"] for a in attempts].count(500) == 3
    refusals = [a for a in attempts if a["status_code"] is None]
    assert len(refusals) >= 2
    assert all(a["error"].startswith("ConnectError") for a in refusals), refusals
    assert [a["status_code"] for a in attempts].count(200) == HOW_MANY
    assert all(d["status"] == "delivered" and d["attempts"] <= 8 for d in deliveries)
    # every attempt of a delivery is logged, numbered 1..n
    for delivery in deliveries:
        numbers = sorted(a["attempt"] for a in attempts if a["delivery_id"] == delivery["id"])
        assert numbers == list(range(1, delivery["attempts"] + 1))


async def test_the_apps_lifespan_delivers_end_to_end(db, settings, factory):
    """Registered over REST, emitted by a cost analysis over GraphQL, sent by the worker
    the app runs in its lifespan: the receiver gets the event, signed with the secret
    the registration showed."""
    org = await factory.org()
    headers = factory.headers(await factory.user(org))
    incident = await factory.incident(org)
    running = settings.model_copy(update={"run_worker": True, "job_poll_interval": 0.01})
    app = create_app(running, engine=db, run_migrations=False)
    receiver = FlakyReceiver("unknown until registered", failures=0)
    await receiver.start()
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw.test") as c:
                made = await c.post(
                    "/api/analytics/webhooks/",
                    json={"url": receiver.url, "events": ["cost.threshold_exceeded"]},
                    headers=headers,
                )
                assert made.status_code == 201, made.text
                receiver.secret = made.json()["secret"].encode()
                given = {
                    "incidentId": str(incident["id"]),
                    "costType": "DOWNTIME",
                    "costAmount": "10000.01",
                }
                body = await gql(c, headers, COST, {"input": given})
                assert "errors" not in body, body

                async def arrived() -> bool:
                    return bool(receiver.accepted)

                await until(arrived, "the event at the receiver")
    finally:
        await receiver.close()
    async with db.connect() as conn:
        event_id = await conn.scalar(select(EVENTS.c.id))
    assert receiver.accepted == [str(event_id)]
    assert receiver.bad_signatures == 0
