"""Two organisations with the same shape of data: nothing of B ever reaches A."""

from __future__ import annotations

import pytest

from tests.catalog.test_graphql import gql


@pytest.fixture
async def two_orgs(factory):
    orgs = {}
    for name in ("A", "B"):
        org = await factory.org(name)
        admin = await factory.user(org, f"admin-{name.lower()}", role="admin")
        env = await factory.environment(org, "prod")
        component = await factory.component(org, f"svc-{name.lower()}", owner=None)
        deployment = await factory.deployment(
            component, env, "FAILED", started_hours_ago=3, duration_hours=1
        )
        await factory.deployment(
            component, env, "SUCCEEDED", started_hours_ago=1, duration_hours=0.5
        )
        await factory.audit(admin, "UPDATE", component=component)
        orgs[name] = {
            "org": org,
            "admin": admin,
            "env": env,
            "component": component,
            "deployment": deployment,
        }
    return orgs


async def test_rest_paths_see_only_their_organisation(client, factory, two_orgs):
    a = two_orgs["A"]
    headers = factory.headers(a["admin"])
    catalog = (await client.get("/api/v1/analytics/catalog", headers=headers)).json()
    assert catalog["ownershipCoverage"]["total"] == 1
    assert [c["name"] for c in catalog["unownedComponents"]] == ["svc-a"]
    dora = (await client.get("/api/v1/analytics/dora", headers=headers)).json()
    assert dora["changeFailureRate"] == {"rate": 50.0, "failed": 1, "total": 2}
    usage = (await client.get("/api/v1/analytics/usage", headers=headers)).json()
    assert usage["totalAuditEvents"] == 1
    assert usage["activeUsers"][0]["actorUsername"] == "admin-a"
    for report in ("catalog", "dora", "usage"):
        text = (
            await client.get("/api/v1/analytics/export", params={"report": report}, headers=headers)
        ).text
        assert "svc-b" not in text and "admin-b" not in text
    foreign = {"componentId": str(two_orgs["B"]["component"]["id"])}
    response = await client.get("/api/v1/analytics/dora", params=foreign, headers=headers)
    assert response.status_code == 404


async def test_graphql_fields_see_only_their_organisation(client, factory, two_orgs):
    a, b = two_orgs["A"], two_orgs["B"]
    headers = factory.headers(a["admin"])
    body = await gql(
        client,
        headers,
        """query($b: UUID!) {
        foreign: component(id: $b) { name }
        components { nodes { name deployments { status } } }
        deployments { nodes { component { name } environment { name } } }
        environments { name }
        auditEvents { nodes { actor { username } component { name } } }
        organization { name }
        viewer { username }
    }""",
        {"b": str(b["component"]["id"])},
    )
    assert body["data"] == {
        "foreign": None,
        "components": {
            "nodes": [
                {"name": "svc-a", "deployments": [{"status": "SUCCEEDED"}, {"status": "FAILED"}]}
            ]
        },
        "deployments": {
            "nodes": [
                {"component": {"name": "svc-a"}, "environment": {"name": "prod"}},
                {"component": {"name": "svc-a"}, "environment": {"name": "prod"}},
            ]
        },
        "environments": [{"name": "prod"}],
        "auditEvents": {
            "nodes": [{"actor": {"username": "admin-a"}, "component": {"name": "svc-a"}}]
        },
        "organization": {"name": "A"},
        "viewer": {"username": "admin-a"},
    }


@pytest.mark.parametrize(
    "mutation",
    [
        'mutation($id: UUID!) { updateComponent(id: $id, input: {owner: "me"}) { id } }',
        "mutation($id: UUID!) { deleteComponent(id: $id) }",
        'mutation($id: UUID!) { updateEnvironment(id: $id, name: "x") { id } }',
        "mutation($id: UUID!) { deleteEnvironment(id: $id) }",
        "mutation($id: UUID!) { finishDeployment(id: $id, status: SUCCEEDED) { id } }",
    ],
)
async def test_mutations_cannot_touch_another_organisation(client, factory, two_orgs, mutation):
    a, b = two_orgs["A"], two_orgs["B"]
    target = {"Component": b["component"], "Environment": b["env"], "Deployment": b["deployment"]}
    kind = next(k for k in target if k in mutation)
    body = await gql(client, factory.headers(a["admin"]), mutation, {"id": str(target[kind]["id"])})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # B's data is untouched.
    check = await gql(
        client,
        factory.headers(b["admin"]),
        "{ components { nodes { owner deployments { status } } } environments { name } }",
    )
    assert check["data"] == {
        "components": {
            "nodes": [
                {"owner": None, "deployments": [{"status": "SUCCEEDED"}, {"status": "FAILED"}]}
            ]
        },
        "environments": [{"name": "prod"}],
    }


async def test_cannot_deploy_another_organisations_component(client, factory, two_orgs):
    a, b = two_orgs["A"], two_orgs["B"]
    body = await gql(
        client,
        factory.headers(a["admin"]),
        """mutation($c: UUID!, $e: UUID!) {
        startDeployment(componentId: $c, environmentId: $e, version: "9") { id } }""",
        {"c": str(b["component"]["id"]), "e": str(a["env"]["id"])},
    )
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
