"""Incident writes over GraphQL: each transition sets its timestamp or counter, refuses
what does not follow (409), writes an audit event; another organisation's incident is
unknown; and Incident.component and Incident.costAnalyses are batched (the same
statement count for 2 incidents as for 20)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from models.audit import AuditEvent
from tests.factories import Factory
from tests.governance.test_guardian_graphql import codes, gql

FIELDS = "id status acknowledgedAt resolvedAt escalationCount reopenedCount createdBy"
CREATE = f"""mutation ($input: IncidentInput!) {{ createIncident(input: $input) {{ {FIELDS} }} }}"""


def act(name: str) -> str:
    return f"mutation ($id: UUID!) {{ {name}(id: $id) {{ {FIELDS} }} }}"


@pytest.fixture
async def data(factory: Factory) -> dict[str, Any]:
    org = await factory.org()
    return {"org": org, "user": await factory.user(org)}


async def test_the_life_of_an_incident(client_at, factory, data, db):
    headers = factory.headers(data["user"])
    now = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    async with client_at(now) as client:
        made = (
            await gql(
                client,
                headers,
                CREATE,
                {
                    "input": {
                        "title": "API down",
                        "category": "Application",
                        "severity": "CRITICAL",
                        "priority": "P1",
                        "service": "api",
                    }
                },
            )
        )["data"]["createIncident"]
        assert (made["status"], made["createdBy"]) == ("OPEN", str(data["user"]["id"]))
        one = {"id": made["id"]}
        acked = (await gql(client, headers, act("acknowledgeIncident"), one))["data"]
        assert acked["acknowledgeIncident"]["acknowledgedAt"] == "2026-05-01T09:00:00+00:00"
        # Acknowledged already: unchanged.
        again = (await gql(client, headers, act("acknowledgeIncident"), one))["data"]
        assert again == acked
        escalated = (await gql(client, headers, act("escalateIncident"), one))["data"]
        assert escalated["escalateIncident"]["escalationCount"] == 1
        resolved = (await gql(client, headers, act("resolveIncident"), one))["data"]
        assert resolved["resolveIncident"]["status"] == "RESOLVED"
        assert codes(await gql(client, headers, act("escalateIncident"), one)) == ["CONFLICT"]
        assert codes(await gql(client, headers, act("acknowledgeIncident"), one)) == ["CONFLICT"]
        twice = (await gql(client, headers, act("resolveIncident"), one))["data"]
        assert twice["resolveIncident"] == resolved["resolveIncident"]
        reopened = (await gql(client, headers, act("reopenIncident"), one))["data"]
        assert reopened["reopenIncident"] == {
            **made,
            "status": "OPEN",
            "acknowledgedAt": "2026-05-01T09:00:00+00:00",
            "escalationCount": 1,
            "reopenedCount": 1,
        }
        reopened_again = (await gql(client, headers, act("reopenIncident"), one))["data"]
        assert reopened_again == reopened
    async with db.connect() as conn:
        actions = (
            (
                await conn.execute(
                    select(AuditEvent.action)
                    .where(AuditEvent.org_id == data["org"]["id"], AuditEvent.family == "incidents")
                    .order_by(AuditEvent.created_at, AuditEvent.action)
                )
            )
            .scalars()
            .all()
        )
    assert sorted(actions) == sorted(
        [
            "CREATE",
            "ACKNOWLEDGE",
            "ACKNOWLEDGE",
            "ESCALATE",
            "RESOLVE",
            "RESOLVE",
            "REOPEN",
            "REOPEN",
        ]
    )


async def test_another_organisations_incident_is_unknown(client, factory, data):
    stranger = await factory.incident(await factory.org("Globex"))
    headers = factory.headers(data["user"])
    for name in ("acknowledgeIncident", "resolveIncident", "escalateIncident", "reopenIncident"):
        assert codes(await gql(client, headers, act(name), {"id": str(stranger["id"])})) == [
            "NOT_FOUND"
        ]
    bad = await gql(
        client,
        headers,
        CREATE,
        {
            "input": {
                "title": "",
                "category": "A",
                "severity": "HIGH",
                "priority": "P1",
                "service": "s",
            }
        },
    )
    assert codes(bad) == ["BAD_USER_INPUT"]
    foreign = await factory.component(await factory.org("Initech"), "theirs")
    refused = await gql(
        client,
        headers,
        CREATE,
        {
            "input": {
                "title": "t",
                "category": "A",
                "severity": "HIGH",
                "priority": "P1",
                "service": "s",
                "componentId": str(foreign["id"]),
            }
        },
    )
    assert codes(refused) == ["BAD_USER_INPUT"]


RELATIONS = """{ incidents(first: 100) { results { title component { name }
  costAnalyses { costType costAmount } } } }"""


async def test_component_and_costs_are_batched(client, factory, data, statements):
    headers = factory.headers(data["user"])
    used = []
    for total in (2, 20):
        org = await factory.org(f"Org {total}")
        user = await factory.user(org, f"u{total}")
        component = await factory.component(org, f"svc-{total}")
        for n in range(total):
            incident = await factory.incident(org, title=f"i{n}", component_id=component["id"])
            await factory.cost(incident, "DOWNTIME", f"{n}.50")
        headers = factory.headers(user)
        before = statements.count
        body = await gql(client, headers, RELATIONS)
        used.append(statements.count - before)
        results = body["data"]["incidents"]["results"]
        assert len(results) == total
        assert {r["component"]["name"] for r in results} == {f"svc-{total}"}
        assert sorted(r["costAnalyses"][0]["costAmount"] for r in results)[0] == "0.50"
    assert used[0] == used[1]
