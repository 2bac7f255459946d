"""The delivery log through both doors: newest first, each delivery with its attempts
(batched: the same statement count for 2 deliveries as for 12), ``status`` filtering,
DRF's page and times; on both dialects."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.factories import Factory
from tests.governance.test_guardian_graphql import codes, gql

API = "/api/analytics/webhooks"
LOG = """query ($id: UUID!) { webhookDeliveries(endpointId: $id, first: 100) {
  totalCount results { id event status attemptCount attempts { attempt statusCode error } }
} }"""


@pytest.fixture
async def data(factory: Factory) -> dict[str, Any]:
    org = await factory.org()
    endpoint = await factory.webhook_endpoint(org)
    older = await factory.webhook_delivery(
        endpoint, "cost.threshold_exceeded", {"total": "12000.00"}, status="failed", attempts=2
    )
    for n in (1, 2):
        await factory.webhook_attempt(older, n)
    newer = await factory.webhook_delivery(
        endpoint,
        data={"value": "2.00"},
        status="delivered",
        attempts=1,
        created_at=factory.now + timedelta(seconds=1),
        delivered_at=factory.now + timedelta(seconds=2),
    )
    await factory.webhook_attempt(newer, 1, status_code=200, error=None)
    return {
        "org": org,
        "user": await factory.user(org),
        "endpoint": endpoint,
        "older": older,
        "newer": newer,
    }


async def test_the_log_over_rest(client, factory, data):
    headers = factory.headers(data["user"])
    answer = await client.get(f"{API}/{data['endpoint']['id']}/deliveries/", headers=headers)
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert page["count"] == 2 and page["next"] is None
    newer, older = page["results"]
    assert newer["id"] == str(data["newer"]["id"])
    assert newer["status"] == "delivered"
    assert newer["delivered_at"].endswith("Z") and newer["next_attempt_at"] is None
    assert newer["data"] == {"value": "2.00"}
    assert newer["attempts"] == [
        {
            "attempt": 1,
            "attempted_at": newer["attempts"][0]["attempted_at"],
            "status_code": 200,
            "latency_ms": 12.5,
            "error": None,
        }
    ]
    assert newer["attempts"][0]["attempted_at"].endswith("Z")
    assert older["event"] == "cost.threshold_exceeded"
    assert [(a["attempt"], a["status_code"]) for a in older["attempts"]] == [(1, 500), (2, 500)]
    assert older["attempt_count"] == 2
    failed = await client.get(
        f"{API}/{data['endpoint']['id']}/deliveries/", params={"status": "failed"}, headers=headers
    )
    assert [row["id"] for row in failed.json()["results"]] == [str(data["older"]["id"])]
    refused = await client.get(
        f"{API}/{data['endpoint']['id']}/deliveries/", params={"status": "lost"}, headers=headers
    )
    assert refused.status_code == 400
    assert "status" in refused.json()["details"]


async def test_the_log_over_graphql_is_batched(client, factory, data, statements):
    headers = factory.headers(data["user"])
    busy = await factory.webhook_endpoint(data["org"])
    for n in range(12):
        delivery = await factory.webhook_delivery(busy, data={"n": n}, attempts=3)
        for attempt in (1, 2, 3):
            await factory.webhook_attempt(delivery, attempt)
    used = []
    for endpoint, total in ((data["endpoint"], 2), (busy, 12)):
        before = statements.count
        body = await gql(client, headers, LOG, {"id": str(endpoint["id"])})
        used.append(statements.count - before)
        page = body["data"]["webhookDeliveries"]
        assert page["totalCount"] == total
        assert all(len(row["attempts"]) == row["attemptCount"] for row in page["results"])
    assert used[0] == used[1]
    lost = await gql(client, headers, '{ webhookDeliveries(status: "lost") { totalCount } }')
    assert codes(lost) == ["BAD_USER_INPUT"]
    every = await gql(client, headers, "{ webhookDeliveries { totalCount } }")
    assert every["data"]["webhookDeliveries"]["totalCount"] == 14
