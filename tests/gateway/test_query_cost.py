"""Issue 6 item 3: a query's cost is estimated before it runs and refused above the
budget; every list is bounded."""

from __future__ import annotations

import pytest
from graphql import parse

from gateway.cost import estimate_cost
from gateway.schema import schema
from rest_compat.registry import ROUTES

# The 153-byte query (52 s and 55 MB on main). Fields resolve this many times:
#   components 1, nodes 500, deployments 500        (components(first: 500))
#   component 500 x 500 = 250,000, deployments 250,000
#   component 250,000 x 100 = 25,000,000, deployments 25,000,000
#   id 25,000,000 x 3 = 75,000,000
# 1 + 500 + 500 + 250,000 + 250,000 + 25,000,000 + 25,000,000 + 75,000,000 = 125,501,001
EXPENSIVE = (
    "{components(first:500){nodes{deployments(first:500){component{deployments(first:100)"
    "{component{deployments(first:3){id}}}}}}}}"
)
# components 1; nodes, id and name once per component: 1 + 5 x 3 = 16.
CHEAP = "{ components(first: 5) { nodes { id name } } }"


async def gql(client, headers, query, variables=None) -> dict:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200
    return response.json()


@pytest.fixture
async def member(factory):
    return await factory.user(await factory.org(), "mia", role="member")


async def test_item3_costly_query_refused_with_the_estimate(client, factory, member):
    body = await gql(client, factory.headers(member), EXPENSIVE)
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "query too costly: estimated 125501001, the limit is 50000",
                "extensions": {
                    "code": "QUERY_TOO_COSTLY",
                    "details": {"cost": 125_501_001, "limit": 50_000},
                },
            }
        ],
        "extensions": {"cost": 125_501_001},
    }


async def test_item3_cheap_query_reports_its_cost(client, factory, member):
    await factory.component({"id": member["org_id"]}, "api")
    body = await gql(client, factory.headers(member), CHEAP)
    assert body["data"]["components"]["nodes"][0]["name"] == "api"
    assert body["extensions"] == {"cost": 16}


async def test_item3_budget_comes_from_the_setting(client, factory, member, settings):
    headers = factory.headers(member)
    assert "errors" not in await gql(client, headers, CHEAP)
    settings.max_query_cost = 15
    body = await gql(client, headers, CHEAP)
    assert body["errors"][0]["extensions"] == {
        "code": "QUERY_TOO_COSTLY",
        "details": {"cost": 16, "limit": 15},
    }
    assert body["data"] is None


@pytest.mark.parametrize(
    ("query", "variables", "cost"),
    [
        ("query($n: Int!) { components(first: $n) { nodes { id name } } }", {"n": 5}, 16),
        ("query($n: Int = 5) { components(first: $n) { nodes { id name } } }", {}, 16),
        ("fragment C on Component { id name } { components(first: 5) { nodes { ...C } } }", {}, 16),
        ("{ components(first: 5) { ... on ComponentConnection { nodes { id name } } } }", {}, 16),
        # no `first`: the argument's default, 20 -> 1 + 20 x 3
        ("{ components { nodes { id name } } }", {}, 61),
        # a fragment spread twice counts twice; introspection counts nothing
        (
            "fragment C on Component { id name } "
            "{ components(first: 5) { nodes { ...C ...C __typename } } __schema { __typename } }",
            {},
            26,
        ),
        # Component.deployments(first: 4) inside 5 components: 1 + 5 x (1 + 1 + 4 x 1)
        ("{ components(first: 5) { nodes { deployments(first: 4) { id } } } }", {}, 31),
    ],
)
async def test_item3_variables_and_fragments_cost_the_same_as_inline(
    client, factory, member, query, variables, cost
):
    body = await gql(client, factory.headers(member), query, variables)
    assert "errors" not in body
    assert body["extensions"] == {"cost": cost}


async def test_item3_every_stored_rest_operation_is_well_under_the_budget():
    for route in ROUTES:
        document = parse(route.document)
        # Every @include flag on: the most a route can ask for.
        flags = {
            d.variable.name.value: True
            for op in document.definitions
            for d in getattr(op, "variable_definitions", None) or ()
            if getattr(d.type, "type", d.type).name.value == "Boolean"
        }
        cost = estimate_cost(schema._schema, document, None, flags)
        assert 0 < cost <= 10_000, (route.path, cost)  # a fifth of the default budget


async def test_item3_stale_entries_take_first(client, factory):
    org = await factory.org()
    manager = await factory.user(org, "max", role="manager")
    for days, title in ((300, "a"), (200, "b"), (100, "c")):
        await factory.entry(org, manager, title, created_days_ago=days)
    query = "query($n: Int!) { staleEntries(first: $n) { entries { title } total } }"
    body = await gql(client, factory.headers(manager), query, {"n": 2})
    assert body["data"]["staleEntries"] == {
        "entries": [{"title": "a"}, {"title": "b"}],
        "total": 3,  # every stale entry, beyond the page too
    }
    for bad in (0, 501):
        body = await gql(client, factory.headers(manager), query, {"n": bad})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # The REST answer still lists them all (the operation asks for the most a page holds).
    rest = await client.get("/api/v1/analytics/staleness/", headers=factory.headers(manager))
    assert rest.status_code == 200
    assert [e["title"] for e in rest.json()["entries"]] == ["a", "b", "c"]
    assert rest.json()["total"] == 3


async def test_item3_user_knowledge_entries_take_first(client, factory):
    org = await factory.org()
    manager = await factory.user(org, "max", role="manager")
    other = await factory.user(org, "ola", role="member")
    for days, title in ((30, "old"), (20, "mid"), (10, "new")):
        await factory.entry(org, manager, title, created_days_ago=days)
        await factory.entry(org, other, f"{title}-ola", created_days_ago=days)
    query = """query($n: Int!) { knowledgeEntries(first: 10) { nodes { creator {
        username knowledgeEntries(first: $n) { title } } } } }"""
    body = await gql(client, factory.headers(manager), query, {"n": 2})
    newest = {
        node["creator"]["username"]: node["creator"]["knowledgeEntries"]
        for node in body["data"]["knowledgeEntries"]["nodes"]
    }
    assert newest == {
        "max": [{"title": "new"}, {"title": "mid"}],
        "ola": [{"title": "new-ola"}, {"title": "mid-ola"}],
    }
    body = await gql(client, factory.headers(manager), query, {"n": 501})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_item3_deployments_take_each_components_newest_n(
    resolver_client, factory, db, statements
):
    # The loader's statement (the resolver path; the compiler's is tests/compiler's).
    org = await factory.org()
    user = await factory.user(org)
    prod = await factory.environment(org, "prod")
    for name in ("api", "web"):
        component = await factory.component(org, name)
        for hours in (5, 4, 3, 2, 1):
            await factory.deployment(
                component, prod, "SUCCEEDED", started_hours_ago=hours, version=f"{name}-{hours}"
            )
    query = "{ components(first: 5) { nodes { name deployments(first: 2) { version } } } }"
    statements.statements.clear()
    body = await gql(resolver_client, factory.headers(user), query)
    assert body["data"]["components"]["nodes"] == [
        {"name": "api", "deployments": [{"version": "api-1"}, {"version": "api-2"}]},
        {"name": "web", "deployments": [{"version": "web-1"}, {"version": "web-2"}]},
    ]
    [deployments] = [s for s in statements.statements if "FROM deployments" in s]
    # PostgreSQL reads only each component's newest rows; SQLite has no LATERAL.
    if db.dialect.name == "postgresql":
        assert "JOIN LATERAL" in deployments and "LIMIT" in deployments
    else:
        assert "row_number() OVER (PARTITION BY deployments.component_id" in deployments
