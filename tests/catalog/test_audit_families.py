"""Item 8: audit events carry their family, and the portal reads and counts only its own.

Usage on a hand-worked audit log of organisation A (hours ago), catalog events:
    alice CREATE billing 1h, alice UPDATE billing 2h, bob DEPLOY billing 3h
and knowledge events (never the portal's): alice CREATE entry 1h, alice UPDATE entry 2h,
    bob REVIEW entry 3h, carol ARCHIVE entry 4h, bob STALENESS_CHECK 5h.
30 days: 3 events. Components: billing 3. Users: alice 2, bob 1 (carol wrote only
knowledge). Actions: CREATE 1, DEPLOY 1, UPDATE 1 (ties by name).
Counting the knowledge events too would give 8 events, alice 4, bob 3, carol 1.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from models.audit import AuditEvent
from tests.catalog.test_graphql import gql

USAGE = "/api/v1/analytics/usage"
EXPORT = "/api/v1/analytics/export"
AUDIT = """{ auditEvents(first: 50) { nodes {
    family action subjectType subjectId details actor { username } } } }"""


@pytest.fixture
async def log(factory):
    org = await factory.org("A")
    alice = await factory.user(org, "alice")
    bob = await factory.user(org, "bob")
    carol = await factory.user(org, "carol")
    billing = await factory.component(org, "billing")
    deployment = uuid.uuid4()
    entry = ("knowledge_entry", uuid.uuid4())
    secret = {"entity": "knowledge_entry", "id": str(entry[1]), "title": "Payroll secrets"}
    a = factory.audit
    await a(alice, "CREATE", component=billing, hours_ago=1)
    await a(alice, "UPDATE", component=billing, hours_ago=2)
    await a(bob, "DEPLOY", component=billing, subject=("deployment", deployment), hours_ago=3)
    k = {"family": "knowledge", "details": secret}
    await a(alice, "CREATE", subject=entry, hours_ago=1, **k)
    await a(alice, "UPDATE", subject=entry, hours_ago=2, **k)
    await a(bob, "REVIEW", subject=entry, hours_ago=3, **k)
    await a(carol, "ARCHIVE", subject=entry, hours_ago=4, **k)
    await a(bob, "STALENESS_CHECK", family="knowledge", hours_ago=5, details={"flagged": 1})
    return locals()


async def test_item8_catalog_reader_sees_only_catalog_events(client, factory, log):
    # given: a member whose token holds catalog:read only
    headers = factory.headers(log["carol"], scopes=["catalog:read"])

    # when
    body = await gql(client, headers, AUDIT)

    # then: the three catalog events, newest first, and nothing of the knowledge base
    assert "errors" not in body
    assert body["data"]["auditEvents"]["nodes"] == [
        {
            "family": "catalog",
            "action": "CREATE",
            "subjectType": "component",
            "subjectId": str(log["billing"]["id"]),
            "details": {},
            "actor": {"username": "alice"},
        },
        {
            "family": "catalog",
            "action": "UPDATE",
            "subjectType": "component",
            "subjectId": str(log["billing"]["id"]),
            "details": {},
            "actor": {"username": "alice"},
        },
        {
            "family": "catalog",
            "action": "DEPLOY",
            "subjectType": "deployment",
            "subjectId": str(log["deployment"]),
            "details": {},
            "actor": {"username": "bob"},
        },
    ]


async def test_item8_action_filter_cannot_reach_knowledge_events(client, factory, log):
    headers = factory.headers(log["carol"], scopes=["catalog:read"])
    for action in ("REVIEW", "ARCHIVE", "STALENESS_CHECK"):
        body = await gql(
            client,
            headers,
            "query($a: String) { auditEvents(action: $a) { nodes { id } } }",
            {"a": action},
        )
        assert body["data"]["auditEvents"]["nodes"] == [], action


async def test_item8_usage_counts_only_catalog_events(client, factory, log):
    # when
    response = await client.get(USAGE, headers=factory.headers(log["alice"]))

    # then
    assert response.status_code == 200
    assert response.json() == {
        "periodDays": 30,
        "totalAuditEvents": 3,
        "topComponents": [
            {
                "componentId": str(log["billing"]["id"]),
                "componentName": "billing",
                "accessCount": 3,
            },
        ],
        "activeUsers": [
            {"actorId": str(log["alice"]["id"]), "actorUsername": "alice", "actionCount": 2},
            {"actorId": str(log["bob"]["id"]), "actorUsername": "bob", "actionCount": 1},
        ],
        "actionBreakdown": [
            {"action": "CREATE", "count": 1},
            {"action": "DEPLOY", "count": 1},
            {"action": "UPDATE", "count": 1},
        ],
    }


async def test_item8_usage_csv_counts_only_catalog_events(client, factory, log):
    response = await client.get(
        EXPORT, params={"report": "usage"}, headers=factory.headers(log["alice"])
    )
    assert response.status_code == 200
    assert response.text.splitlines() == [
        "Section,Name,Count",
        "Total,Audit events (last 30 days),3",
        "Component,billing,3",
        "User,alice,2",
        "User,bob,1",
        "Action,CREATE,1",
        "Action,DEPLOY,1",
        "Action,UPDATE,1",
    ]


async def test_item8_mutations_record_their_family_and_subject(client, factory, db):
    # given: a manager on the Growth plan, with every scope
    org = await factory.org("A", plan="growth")
    maria = await factory.user(org, "maria", role="manager")
    admin = await factory.user(org, "ada", role="admin")
    headers = factory.headers(maria)

    # when: catalog writes and knowledge writes
    component = (
        await gql(
            client,
            headers,
            'mutation { createComponent(input: {name: "billing", kind: "service"}) { id } }',
        )
    )["data"]["createComponent"]["id"]
    environment = (
        await gql(client, headers, 'mutation { createEnvironment(name: "prod") { id } }')
    )["data"]["createEnvironment"]["id"]
    deployment = (
        await gql(
            client,
            headers,
            "mutation($c: UUID!, $e: UUID!) { startDeployment("
            'componentId: $c, environmentId: $e, version: "1") { id } }',
            {"c": component, "e": environment},
        )
    )["data"]["startDeployment"]["id"]
    entry = (
        await gql(
            client,
            headers,
            'mutation { createKnowledgeEntry(input: {title: "Payroll secrets"}) { id } }',
        )
    )["data"]["createKnowledgeEntry"]["id"]
    archived = await gql(
        client,
        headers,
        "mutation($id: UUID!) { archiveKnowledgeEntry(id: $id) { id } }",
        {"id": entry},
    )
    assert "errors" not in archived
    checked = await gql(
        client, factory.headers(admin), "mutation { runStalenessCheck { checked } }"
    )
    assert "errors" not in checked

    # then
    async with db.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    AuditEvent.family,
                    AuditEvent.action,
                    AuditEvent.subject_type,
                    AuditEvent.subject_id,
                    AuditEvent.component_id,
                )
                .where(AuditEvent.org_id == org["id"])
                .order_by(AuditEvent.family, AuditEvent.action, AuditEvent.subject_type)
            )
        ).all()
    c, e, d, k = (uuid.UUID(x) for x in (component, environment, deployment, entry))
    assert [tuple(r) for r in rows] == [
        ("catalog", "CREATE", "component", c, c),
        ("catalog", "CREATE", "environment", e, None),
        ("catalog", "DEPLOY", "deployment", d, c),
        ("knowledge", "ARCHIVE", "knowledge_entry", k, None),
        ("knowledge", "CREATE", "knowledge_entry", k, None),
        ("knowledge", "STALENESS_CHECK", None, None, None),
    ]

    # and the portal's audit log shows only the first three
    body = await gql(client, factory.headers(maria, scopes=["catalog:read"]), AUDIT)
    assert sorted(n["action"] for n in body["data"]["auditEvents"]["nodes"]) == [
        "CREATE",
        "CREATE",
        "DEPLOY",
    ]
    assert "Payroll" not in str(body)
