"""The two events the incident writes emit, in their own transaction:

- KPI calculation at 2026-03-10 12:30 measures 2026-03-09 12:00 to 2026-03-10 12:00, where
  two incidents were created. INCIDENT_COUNT (lower is better) with target 1: 2 > 1, a
  breach; with target 5: met; with no target: met. So one kpi.threshold_breached.
- Cost analyses of one incident, threshold 10000.00: 6000 USD (total 6000, no), 5000 USD
  (11000: crosses, one event), 1000 USD (12000: already above, none), 20000 EUR (EUR
  total 20000: crosses in EUR, one event). A second incident's 9000 USD: none.

An endpoint that does not want an event gets no delivery of it. On both dialects.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from gateway.sql import table_of
from models.webhooks import WebhookDelivery, WebhookOutboxEvent
from tests.governance.test_guardian_graphql import gql

NOW = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)
EVENTS = table_of(WebhookOutboxEvent)
DELIVERIES = table_of(WebhookDelivery)

CALCULATE = "mutation { calculateKpis { written } }"
COST = """mutation ($input: CostAnalysisInput!) { createCostAnalysis(input: $input) { id } }"""


async def outbox(db: Any) -> list[Any]:
    async with db.connect() as conn:
        statement = select(EVENTS).order_by(EVENTS.c.occurred_at, EVENTS.c.id)
        return list((await conn.execute(statement)).mappings())


async def deliveries_to(db: Any, endpoint: dict[str, Any]) -> list[Any]:
    async with db.connect() as conn:
        statement = select(DELIVERIES).where(DELIVERIES.c.endpoint_id == endpoint["id"])
        return list((await conn.execute(statement)).mappings())


async def test_a_calculation_that_misses_a_target_emits_a_breach(db, factory, client_at):
    # given
    org = await factory.org()
    user = await factory.user(org)
    wants = await factory.webhook_endpoint(org, events=["kpi.threshold_breached"])
    other = await factory.webhook_endpoint(org, events=["cost.threshold_exceeded"])
    for hours in (3, 9):
        await factory.incident(org, NOW - timedelta(hours=hours))
    missed = await factory.kpi_metric(org, "INCIDENT_COUNT", name="too many", target_value=1)
    await factory.kpi_metric(org, "INCIDENT_COUNT", name="fine", target_value=5)
    await factory.kpi_metric(org, "INCIDENT_COUNT", name="untargeted")
    # when
    async with client_at(NOW) as client:
        body = await gql(client, factory.headers(user), CALCULATE)
    assert body["data"]["calculateKpis"]["written"] == 3, body
    # then
    (event,) = await outbox(db)
    assert event["event"] == "kpi.threshold_breached"
    assert event["occurred_at"] == NOW
    assert event["data"] == {
        "metric_id": str(missed["id"]),
        "name": "too many",
        "metric_type": "INCIDENT_COUNT",
        "value": "2.00",
        "target_value": "1.00",
        "unit": "incidents",
        "period_start": "2026-03-09T12:00:00Z",
        "period_end": "2026-03-10T12:00:00Z",
    }
    (delivery,) = await deliveries_to(db, wants)
    assert (delivery["event_id"], delivery["status"]) == (event["id"], "pending")
    assert await deliveries_to(db, other) == []


async def test_a_cost_analysis_crossing_the_threshold_emits_once(db, factory, client):
    # given
    org = await factory.org()
    user = await factory.user(org)
    endpoint = await factory.webhook_endpoint(org, events=["cost.threshold_exceeded"])
    incident = await factory.incident(org)
    cheap = await factory.incident(org, title="cheap")
    headers = factory.headers(user)

    async def cost(of: dict[str, Any], amount: str, currency: str = "USD") -> str:
        given = {"incidentId": str(of["id"]), "costType": "DOWNTIME", "costAmount": amount}
        body = await gql(client, headers, COST, {"input": {**given, "currency": currency}})
        return str(body["data"]["createCostAnalysis"]["id"])

    # when
    await cost(incident, "6000")
    crossing = await cost(incident, "5000")
    await cost(incident, "1000")
    in_euros = await cost(incident, "20000", "EUR")
    await cost(cheap, "9000")
    # then
    events = await outbox(db)
    assert [e["event"] for e in events] == ["cost.threshold_exceeded"] * 2
    assert sorted((e["data"] for e in events), key=lambda d: d["currency"]) == [
        {
            "incident_id": str(incident["id"]),
            "cost_analysis_id": in_euros,
            "total": "20000.00",
            "threshold": "10000.00",
            "currency": "EUR",
        },
        {
            "incident_id": str(incident["id"]),
            "cost_analysis_id": crossing,
            "total": "11000.00",
            "threshold": "10000.00",
            "currency": "USD",
        },
    ]
    assert len(await deliveries_to(db, endpoint)) == 2


async def test_no_endpoint_no_event(db, factory, client):
    org = await factory.org()
    headers = factory.headers(await factory.user(org))
    incident = await factory.incident(org)
    given = {"incidentId": str(incident["id"]), "costType": "DOWNTIME", "costAmount": "50000"}
    assert "errors" not in await gql(client, headers, COST, {"input": given})
    assert await outbox(db) == []
