"""Catalog mutations: what they change, and the audit event each writes with it."""

from __future__ import annotations

import pytest

from tests.catalog.test_graphql import gql

AUDIT = "{ auditEvents { nodes { action actor { username } component { name } details } } }"


@pytest.fixture
async def manager(factory):
    org = await factory.org()
    return await factory.user(org, "maria", role="manager")


async def test_component_lifecycle_writes_audit_events(client, factory, manager):
    headers = factory.headers(manager)
    created = await gql(
        client,
        headers,
        """mutation { createComponent(input: {
        name: " billing ", kind: "service", owner: "payments"}) { id name lifecycle owner } }""",
    )
    component = created["data"]["createComponent"]
    assert {k: component[k] for k in ("name", "lifecycle", "owner")} == {
        "name": "billing",
        "lifecycle": "experimental",
        "owner": "payments",
    }
    updated = await gql(
        client,
        headers,
        """mutation($id: UUID!) {
        updateComponent(id: $id, input: {lifecycle: "production", owner: null}) {
            lifecycle owner name } }""",
        {"id": component["id"]},
    )
    assert updated["data"]["updateComponent"] == {
        "lifecycle": "production",
        "owner": None,
        "name": "billing",
    }
    audit = await gql(client, headers, AUDIT)
    assert [
        (e["action"], e["actor"]["username"], e["component"]["name"])
        for e in audit["data"]["auditEvents"]["nodes"]
    ] == [("UPDATE", "maria", "billing"), ("CREATE", "maria", "billing")]
    assert audit["data"]["auditEvents"]["nodes"][0]["details"]["changes"] == {
        "lifecycle": "production",
        "owner": None,
    }
    deleted = await gql(
        client,
        headers,
        "mutation($id: UUID!) { deleteComponent(id: $id) }",
        {"id": component["id"]},
    )
    assert deleted["data"]["deleteComponent"] == component["id"]
    audit = await gql(client, headers, AUDIT)
    actions = [e["action"] for e in audit["data"]["auditEvents"]["nodes"]]
    assert actions == ["DELETE", "UPDATE", "CREATE"]
    # The component is gone but its history is kept.
    assert audit["data"]["auditEvents"]["nodes"][0]["component"] is None


async def test_duplicate_name_is_conflict_and_writes_nothing(client, factory, manager):
    headers = factory.headers(manager)
    mutation = 'mutation { createComponent(input: {name: "api", kind: "api"}) { id } }'
    await gql(client, headers, mutation)
    body = await gql(client, headers, mutation)
    assert body["errors"][0]["extensions"]["code"] == "CONFLICT"
    audit = await gql(client, headers, AUDIT)
    assert len(audit["data"]["auditEvents"]["nodes"]) == 1


@pytest.mark.parametrize(
    "input_",
    [
        '{name: "", kind: "api"}',
        '{name: "x", kind: "api", lifecycle: "retired"}',
        '{name: "x", kind: "   "}',
    ],
)
async def test_invalid_component_input(client, factory, manager, input_):
    body = await gql(
        client,
        factory.headers(manager),
        f"mutation {{ createComponent(input: {input_}) {{ id }} }}",
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_deployment_start_and_finish_feed_dora(client, factory, manager):
    org = {"id": manager["org_id"]}
    component = await factory.component(org, "api")
    env = await factory.environment(org, "prod")
    member = await factory.user(org, "ci-bot", role="member")
    headers = factory.headers(member)
    started = await gql(
        client,
        headers,
        """mutation($c: UUID!, $e: UUID!) {
        startDeployment(componentId: $c, environmentId: $e, version: "1.2.3") { id status } }""",
        {"c": str(component["id"]), "e": str(env["id"])},
    )
    deployment = started["data"]["startDeployment"]
    assert deployment["status"] == "RUNNING"
    finish = """mutation($id: UUID!, $s: DeploymentStatus!) {
        finishDeployment(id: $id, status: $s) { status finishedAt } }"""
    finished = await gql(client, headers, finish, {"id": deployment["id"], "s": "SUCCEEDED"})
    assert finished["data"]["finishDeployment"]["status"] == "SUCCEEDED"
    assert finished["data"]["finishDeployment"]["finishedAt"] is not None
    again = await gql(client, headers, finish, {"id": deployment["id"], "s": "FAILED"})
    assert again["errors"][0]["extensions"]["code"] == "CONFLICT"
    not_final = await gql(client, headers, finish, {"id": deployment["id"], "s": "RUNNING"})
    assert not_final["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    dora = (await client.get("/api/v1/analytics/dora", headers=headers)).json()
    assert dora["deploymentFrequency"]["total"] == 1
    assert dora["changeFailureRate"] == {"rate": 0.0, "failed": 0, "total": 1}
    audit = await gql(client, headers, AUDIT)
    assert [e["action"] for e in audit["data"]["auditEvents"]["nodes"]] == [
        "DEPLOY_FINISH",
        "DEPLOY",
    ]


async def test_write_scope_is_required(client, factory, manager):
    headers = factory.headers(manager, scopes=["catalog:read"])
    body = await gql(client, headers, 'mutation { createEnvironment(name: "x") { id } }')
    assert body["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"
