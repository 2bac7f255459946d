"""The catalog through GraphQL: relations batched, pagination, filters, input errors."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import one_transaction

NESTED = """
query($first: Int!) {
  components(first: $first) {
    edges { node { name deployments(first: 5) { status version environment { name } } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def gql(client, headers, query, variables=None):
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200
    return response.json()


@pytest.fixture
@one_transaction
async def big_catalog(factory):
    org = await factory.org()
    user = await factory.user(org)
    prod = await factory.environment(org, "prod")
    staging = await factory.environment(org, "staging")
    for i in range(100):
        component = await factory.component(org, f"svc-{i:03d}")
        for hours, env in ((3, prod), (2, staging), (1, prod)):
            await factory.deployment(
                component,
                env,
                "SUCCEEDED",
                started_hours_ago=hours,
                duration_hours=0.5,
                version=f"{i}.{hours}",
            )
    return user


async def test_hundred_components_with_deployments_cost_four_statements(
    resolver_client, factory, big_catalog, statements
):
    # given 100 components x 3 deployments over 2 environments
    headers = factory.headers(big_catalog)
    # when
    statements.statements.clear()
    body = await gql(resolver_client, headers, NESTED, {"first": 100})
    # then: principal, components, deployments (all components), environments (all ids)
    assert "errors" not in body
    edges = body["data"]["components"]["edges"]
    assert len(edges) == 100
    assert edges[7]["node"] == {
        "name": "svc-007",
        "deployments": [
            {"status": "SUCCEEDED", "version": "7.1", "environment": {"name": "prod"}},
            {"status": "SUCCEEDED", "version": "7.2", "environment": {"name": "staging"}},
            {"status": "SUCCEEDED", "version": "7.3", "environment": {"name": "prod"}},
        ],
    }
    assert statements.count == 4, statements.statements


THROUGH_FRAGMENTS = """
fragment Where on Deployment { environment { name } }
query {
  components(first: 100) {
    nodes { name deployments(first: 5) { version ...Where ... on Deployment { status } } }
  }
}
"""


async def test_environments_selected_through_a_fragment_are_loaded_with_the_list(
    resolver_client, factory, big_catalog, statements
):
    # given 100 components x 3 deployments over 2 environments
    headers = factory.headers(big_catalog)
    # when the environment is asked for only inside a named fragment
    statements.statements.clear()
    body = await gql(resolver_client, headers, THROUGH_FRAGMENTS)
    # then the same answer and the same one environments statement for all 300 rows
    assert "errors" not in body
    assert body["data"]["components"]["nodes"][7] == {
        "name": "svc-007",
        "deployments": [
            {"version": "7.1", "environment": {"name": "prod"}, "status": "SUCCEEDED"},
            {"version": "7.2", "environment": {"name": "staging"}, "status": "SUCCEEDED"},
            {"version": "7.3", "environment": {"name": "prod"}, "status": "SUCCEEDED"},
        ],
    }
    assert statements.count == 4, statements.statements


async def test_deployments_without_environment_do_not_load_environments(
    resolver_client, factory, big_catalog, statements
):
    # given 100 components x 3 deployments
    headers = factory.headers(big_catalog)
    # when no environment is selected
    statements.statements.clear()
    body = await gql(
        resolver_client, headers, "{ components(first: 100) { nodes { deployments { version } } } }"
    )
    # then principal, components, deployments: no environments statement
    assert body["data"]["components"]["nodes"][0] == {
        "deployments": [{"version": "0.1"}, {"version": "0.2"}, {"version": "0.3"}]
    }
    assert statements.count == 3, statements.statements
    assert not any("FROM environments" in s for s in statements.statements)


async def test_latest_deployment_and_status_filter(client, factory):
    org = await factory.org()
    user = await factory.user(org)
    env = await factory.environment(org, "prod")
    component = await factory.component(org, "api")
    await factory.deployment(component, env, "FAILED", started_hours_ago=5, version="1")
    await factory.deployment(component, env, "SUCCEEDED", started_hours_ago=3, version="2")
    await factory.deployment(component, env, "RUNNING", started_hours_ago=1, version="3")
    body = await gql(
        client,
        factory.headers(user),
        """{ components { nodes {
        latestDeployment { version }
        deployments(status: SUCCEEDED) { version }
        failed: deployments(status: FAILED, first: 1) { version } } } }""",
    )
    assert body["data"]["components"]["nodes"] == [
        {
            "latestDeployment": {"version": "3"},
            "deployments": [{"version": "2"}],
            "failed": [{"version": "1"}],
        }
    ]


async def test_components_paginate_by_name_with_filters(client, factory):
    org = await factory.org()
    user = await factory.user(org)
    for name, kind in [
        ("delta", "api"),
        ("alpha", "service"),
        ("charlie", "service"),
        ("bravo", "service"),
        ("echo", "library"),
    ]:
        await factory.component(org, name, kind, owner="team" if name != "echo" else None)
    headers = factory.headers(user)
    query = """query($after: String, $kind: String) {
        components(first: 2, after: $after, kind: $kind) {
            nodes { name } pageInfo { hasNextPage endCursor } } }"""
    first = (await gql(client, headers, query, {"kind": "service"}))["data"]["components"]
    assert [n["name"] for n in first["nodes"]] == ["alpha", "bravo"]
    assert first["pageInfo"]["hasNextPage"] is True
    second = (
        await gql(
            client, headers, query, {"kind": "service", "after": first["pageInfo"]["endCursor"]}
        )
    )["data"]["components"]
    assert [n["name"] for n in second["nodes"]] == ["charlie"]
    assert second["pageInfo"] == {
        "hasNextPage": False,
        "endCursor": second["pageInfo"]["endCursor"],
    }
    search = await gql(client, headers, '{ components(search: "LT") { nodes { name } } }')
    assert search["data"]["components"]["nodes"] == [{"name": "delta"}]
    like = await gql(client, headers, '{ components(search: "%") { nodes { name } } }')
    assert like["data"]["components"]["nodes"] == []


async def test_deployments_page_newest_first(client, factory):
    org = await factory.org()
    user = await factory.user(org)
    env = await factory.environment(org, "prod")
    component = await factory.component(org, "api")
    for hours in range(1, 6):
        await factory.deployment(
            component, env, "SUCCEEDED", started_hours_ago=hours, version=str(hours)
        )
    headers = factory.headers(user)
    query = """query($after: String) { deployments(first: 3, after: $after) {
        nodes { version component { name } } pageInfo { hasNextPage endCursor } } }"""
    page = (await gql(client, headers, query))["data"]["deployments"]
    assert [n["version"] for n in page["nodes"]] == ["1", "2", "3"]
    assert page["nodes"][0]["component"] == {"name": "api"}
    page = await gql(client, headers, query, {"after": page["pageInfo"]["endCursor"]})
    assert [n["version"] for n in page["data"]["deployments"]["nodes"]] == ["4", "5"]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("query($id: UUID!) { component(id: $id) { name } }", {"id": "not-a-uuid"}),
        ('{ component(id: "12") { name } }', {}),
        ('{ components(after: "garbage!") { nodes { name } } }', {}),
        ('{ components(lifecycle: "retired") { nodes { name } } }', {}),
        ("{ components(first: 0) { nodes { name } } }", {}),
        ("{ dora(days: 0) { periodDays } }", {}),
        ("{ usage(days: 100000) { periodDays } }", {}),
        ('{ deployments(status: "DONE") { nodes { id } } }', {}),
    ],
)
async def test_malformed_arguments_are_bad_user_input(client, factory, query, variables):
    org = await factory.org()
    user = await factory.user(org)
    body = await gql(client, factory.headers(user), query, variables)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_unknown_component_is_null(client, factory):
    org = await factory.org()
    user = await factory.user(org)
    body = await gql(
        client,
        factory.headers(user),
        "query($id: UUID!) { component(id: $id) { name } }",
        {"id": str(uuid.uuid4())},
    )
    assert body == {"data": {"component": None}, "extensions": {"cost": 2}}


async def test_viewer_and_organization(client, factory):
    org = await factory.org("Acme", plan="enterprise")
    dept = await factory.department(org, "Platform")
    user = await factory.user(org, "jane", role="admin", department_id=dept["id"])
    body = await gql(
        client,
        factory.headers(user),
        """{ viewer { username role department { name } }
        organization { name plan subscriptionActive } }""",
    )
    assert body["data"] == {
        "viewer": {"username": "jane", "role": "admin", "department": {"name": "Platform"}},
        "organization": {"name": "Acme", "plan": "enterprise", "subscriptionActive": True},
    }


async def test_graphiql_is_served_to_browsers(client):
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
