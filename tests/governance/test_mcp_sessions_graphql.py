"""MCP sessions through GraphQL: the same dataset as the REST tests, relations batched."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from tests.apps import app_client
from tests.factories import Factory
from tests.governance.test_mcp_sessions_rest import DAY, FROM, NOW, TO, Mcp, at, build_mcp

SESSIONS = """query($from: DateTime, $to: DateTime, $first: Int!, $after: String) {
  mcpSessions(from: $from, to: $to, first: $first, after: $after) {
    nodes {
      id client nhiId startedAt toolCalls
      verdicts { passed corrected blocked }
      calls { id sessionId tool verdict latencyMs createdAt }
      byTool { tool calls }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""
ONE = """query($id: UUID!) { mcpSession(id: $id) { client toolCalls calls { tool } } }"""


@pytest.fixture
async def mcp(factory: Factory) -> Mcp:
    return await build_mcp(factory)


@pytest.fixture
async def api(client_at: Any) -> Any:
    async with client_at(NOW) as client:
        yield client


@pytest.fixture
async def resolver_api(db: Any, settings: Any) -> Any:
    """``api`` with the selection compiler off: every field through its resolver."""
    async with app_client(db, settings, clock=lambda: NOW, compile_selections=False) as client:
        yield client


async def gql(api: Any, headers: dict, query: str, variables: dict) -> dict:
    response = await api.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_sessions_with_calls_and_counts(api, factory, mcp):
    body = await gql(
        api, factory.headers(mcp.user), SESSIONS, {"from": FROM, "to": TO, "first": 10}
    )
    nodes = body["data"]["mcpSessions"]["nodes"]
    newest_first = ("s5", "s4", "s3", "s2", "s1")
    assert [n["id"] for n in nodes] == [str(mcp.sessions[s]["id"]) for s in newest_first]
    s1 = nodes[4]
    assert (s1["toolCalls"], s1["verdicts"]) == (3, {"passed": 1, "corrected": 1, "blocked": 1})
    assert [(c["tool"], c["verdict"], c["latencyMs"]) for c in s1["calls"]] == [
        ("postgres.query", "passed", 100),
        ("stripe.create_refund", "blocked", 300),
        ("postgres.query", "corrected", 200),
    ]
    assert {c["sessionId"] for c in s1["calls"]} == {str(mcp.sessions["s1"]["id"])}
    assert s1["byTool"] == [
        {"tool": "postgres.query", "calls": 2},
        {"tool": "stripe.create_refund", "calls": 1},
    ]
    assert nodes[3]["nhiId"] is not None and nodes[2]["calls"] == []
    assert body["data"]["mcpSessions"]["pageInfo"]["hasNextPage"] is False


async def test_one_session_and_another_organisations_is_null(api, factory, mcp):
    headers = factory.headers(mcp.user)
    mine = await gql(api, headers, ONE, {"id": str(mcp.sessions["s2"]["id"])})
    assert mine["data"]["mcpSession"] == {
        "client": "cursor",
        "toolCalls": 1,
        "calls": [{"tool": "github.search"}],
    }
    for other in (mcp.other_session["id"], uuid.uuid4()):
        body = await gql(api, headers, ONE, {"id": str(other)})
        assert body["data"]["mcpSession"] is None


async def test_without_mcp_read_is_forbidden(api, factory, mcp):
    headers = factory.scoped_headers(mcp.user, ["logs:read"])
    body = await gql(api, headers, SESSIONS, {"first": 1})
    assert body["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"


async def test_bad_arguments(api, factory, mcp):
    headers = factory.headers(mcp.user)
    for variables, argument in (
        ({"first": 0}, "first"),
        ({"first": 1, "after": "tampered"}, "after"),
        ({"first": 1, "from": TO, "to": FROM}, "to"),
    ):
        body = await gql(api, headers, SESSIONS, variables)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", variables
        assert argument in body["errors"][0]["message"]


async def test_fifty_sessions_cost_as_few_statements_as_five(resolver_api, factory, statements):
    # given an organisation with n sessions of two calls each, for n = 5 then 50
    counts = []
    for n in (5, 50):
        org = await factory.org(f"Org{n}")
        user = await factory.user(org, f"u{n}")
        for i in range(n):
            session = await factory.mcp_session(org, DAY + timedelta(minutes=i))
            await factory.tool_call(session, at(minutes=i, seconds=1), "a.tool", "passed")
            await factory.tool_call(session, at(minutes=i, seconds=2), "b.tool", "blocked")
        statements.statements.clear()
        body = await gql(
            resolver_api, factory.headers(user), SESSIONS, {"from": FROM, "to": TO, "first": 100}
        )
        nodes = body["data"]["mcpSessions"]["nodes"]
        assert len(nodes) == n
        assert all(node["toolCalls"] == 2 and len(node["calls"]) == 2 for node in nodes)
        counts.append(statements.count)
    # principal, the page, calls, counts (toolCalls and verdicts share it), counts by tool
    assert counts == [5, 5], statements.statements
