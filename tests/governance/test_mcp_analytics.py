"""MCP summary and tools on the hand-worked dataset (tests/governance/mcp_data.py), over
REST and GraphQL, with window edges, ties, an empty window, and the refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from gateway.settings import Settings
from tests.governance.mcp_data import FROM, SUMMARY, TO, TOOLS, at, build_mcp

WINDOW = {"from": "2026-05-01T09:30:00Z", "to": "2026-05-01T12:30:00Z"}
SUMMARY_QUERY = """query($from: DateTime, $to: DateTime) { mcpSummary(from: $from, to: $to) {
    from to totals { toolCalls passed corrected blocked }
    byVerdict { passed corrected blocked } topTools { tool calls blockRate } } }"""
TOOLS_QUERY = """query($from: DateTime, $to: DateTime) { mcpTools(from: $from, to: $to) {
    from to data { tool calls passed corrected blocked blockRate avgLatencyMs
    p95LatencyMs sessions } } }"""


@pytest.fixture
def settings(tmp_path: Any) -> Settings:
    # No background worker: rollups run only when a test runs them.
    return Settings(data_dir=tmp_path, run_worker=False)


async def test_summary_answers_the_hand_worked_figures(client, factory):
    data = await build_mcp(factory)
    response = await client.get(
        "/v1/mcp/analytics/summary", params=WINDOW, headers=factory.headers(data.user)
    )
    assert response.status_code == 200
    assert response.json() == SUMMARY


async def test_tools_answers_the_hand_worked_figures(client, factory):
    data = await build_mcp(factory)
    response = await client.get(
        "/v1/mcp/analytics/tools", params=WINDOW, headers=factory.headers(data.user)
    )
    assert response.status_code == 200
    assert response.json() == TOOLS


async def test_graphql_answers_the_same_figures_in_camel_case(client, factory):
    data = await build_mcp(factory)
    headers = factory.headers(data.user)
    variables = {"from": FROM.isoformat(), "to": TO.isoformat()}
    summary = await client.post(
        "/graphql", json={"query": SUMMARY_QUERY, "variables": variables}, headers=headers
    )
    body = summary.json()["data"]["mcpSummary"]
    assert body["from"] == "2026-05-01T09:30:00+00:00"
    assert body["totals"] == {"toolCalls": 8, "passed": 4, "corrected": 1, "blocked": 3}
    assert body["byVerdict"] == SUMMARY["by_verdict"]
    assert [t["tool"] for t in body["topTools"]] == [
        "github.search",
        "stripe.create_refund",
        "postgres.query",
    ]
    tools = await client.post(
        "/graphql", json={"query": TOOLS_QUERY, "variables": variables}, headers=headers
    )
    rows = tools.json()["data"]["mcpTools"]["data"]
    assert [(r["tool"], r["avgLatencyMs"], r["p95LatencyMs"]) for r in rows] == [
        ("postgres.query", 250, 385),
        ("github.search", 100, 145),
        ("stripe.create_refund", 201, 290),
    ]


async def test_default_window_is_the_last_24_hours_of_the_clock(client_at, factory):
    # now = 12:30 exactly: the window is [11-30 12:30, 12:30), so #1..#10 are in (10
    # calls) and #11, at now, is out.
    data = await build_mcp(factory)
    async with client_at(at(12, 30)) as c:
        response = await c.get("/v1/mcp/analytics/summary", headers=factory.headers(data.user))
    body = response.json()
    assert body["from"] == "2026-04-30T12:30:00Z" and body["to"] == "2026-05-01T12:30:00Z"
    # #1 stripe passed, #2 postgres passed join: 10 calls, 6 passed.
    assert body["totals"] == {"tool_calls": 10, "passed": 6, "corrected": 1, "blocked": 3}
    # 6/10, 1/10, 3/10
    assert body["by_verdict"] == {"passed": 0.6, "corrected": 0.1, "blocked": 0.3}


async def test_an_empty_window_answers_zeros(client, factory):
    data = await build_mcp(factory)
    empty = {"from": "2026-05-02T00:00:00Z", "to": "2026-05-02T01:00:00Z"}
    headers = factory.headers(data.user)
    summary = (await client.get("/v1/mcp/analytics/summary", params=empty, headers=headers)).json()
    assert summary == {
        **empty,
        "totals": {"tool_calls": 0, "passed": 0, "corrected": 0, "blocked": 0},
        "by_verdict": {"passed": 0.0, "corrected": 0.0, "blocked": 0.0},
        "top_tools": [],
    }
    tools = (await client.get("/v1/mcp/analytics/tools", params=empty, headers=headers)).json()
    assert tools == {**empty, "data": []}


async def test_shares_round_half_up_over_exact_counts(client, factory):
    # 16 calls of one tool, 1 blocked: 1/16 = 0.0625 -> 0.063 (half even would say 0.062);
    # 15/16 = 0.9375 -> 0.938.
    acme = await factory.org("Acme")
    user = await factory.user(acme)
    session = await factory.mcp_session(acme, at(9))
    for n in range(16):
        verdict = "blocked" if n == 0 else "passed"
        await factory.tool_call(session, at(10, n), "fs.read", verdict, 10)
    response = await client.get(
        "/v1/mcp/analytics/summary", params=WINDOW, headers=factory.headers(user)
    )
    body = response.json()
    assert body["by_verdict"] == {"passed": 0.938, "corrected": 0.0, "blocked": 0.063}
    assert body["top_tools"] == [{"tool": "fs.read", "calls": 16, "block_rate": 0.063}]


async def test_top_tools_keeps_ten_by_block_rate_then_calls(client, factory):
    # Twelve tools t00..t11: tool n has n + 1 calls, the first of them blocked, so its
    # block rate is 1/(n+1): t00 1.0, t01 0.5, ... ; t10 and t11 (1/11, 1/12) drop out.
    # t02 gets a second tool with the same 1/3 and 6 calls (2 blocked): more calls first.
    acme = await factory.org("Acme")
    user = await factory.user(acme)
    session = await factory.mcp_session(acme, at(9))
    for n in range(12):
        for k in range(n + 1):
            await factory.tool_call(
                session, at(10, k), f"t{n:02}", "blocked" if k == 0 else "passed", 10
            )
    for k in range(6):
        await factory.tool_call(session, at(11, k), "u", "blocked" if k < 2 else "passed", 10)
    response = await client.get(
        "/v1/mcp/analytics/summary", params=WINDOW, headers=factory.headers(user)
    )
    top = [(t["tool"], t["calls"], t["block_rate"]) for t in response.json()["top_tools"]]
    assert top == [
        ("t00", 1, 1.0),
        ("t01", 2, 0.5),
        ("u", 6, 0.333),
        ("t02", 3, 0.333),
        ("t03", 4, 0.25),
        ("t04", 5, 0.2),
        ("t05", 6, 0.167),
        ("t06", 7, 0.143),
        ("t07", 8, 0.125),
        ("t08", 9, 0.111),
    ]


@pytest.mark.parametrize("path", ["summary", "tools"])
@pytest.mark.parametrize(
    "params",
    [
        {"from": "yesterday"},
        {"to": "2026-05-01"},
        {"from": "2026-05-01T10:00:00Z", "to": "2026-05-01T10:00:00Z"},
        {"from": "2026-05-01T11:00:00Z", "to": "2026-05-01T10:00:00Z"},
        {"from": "2026-05-01T10:00:00"},
    ],
)
async def test_bad_windows_are_400_in_the_envelope(client, factory, path, params):
    data = await build_mcp(factory)
    response = await client.get(
        f"/v1/mcp/analytics/{path}", params=params, headers=factory.headers(data.user)
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("path", ["summary", "tools"])
async def test_credentials_and_scope(client, factory, path):
    data = await build_mcp(factory)
    url = f"/v1/mcp/analytics/{path}"
    anonymous = await client.get(url)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthenticated"
    logs_only = factory.scoped_headers(data.user, ["logs:read"])
    refused = await client.get(url, headers=logs_only)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    mcp = factory.scoped_headers(data.user, ["mcp:read"])
    assert (await client.get(url, params=WINDOW, headers=mcp)).status_code == 200


async def test_another_organisation_sees_only_its_own_calls(client, factory):
    # Other's three calls at 10:30-10:50: postgres.query, all blocked, 7 ms.
    data = await build_mcp(factory)
    response = await client.get(
        "/v1/mcp/analytics/tools", params=WINDOW, headers=factory.headers(data.stranger)
    )
    assert response.json()["data"] == [
        {
            "tool": "postgres.query",
            "calls": 3,
            "passed": 0,
            "corrected": 0,
            "blocked": 3,
            "block_rate": 1.0,
            "avg_latency_ms": 7,
            "p95_latency_ms": 7,
            "sessions": 1,
        }
    ]


async def test_graphql_refuses_a_reversed_window(client, factory):
    data = await build_mcp(factory)
    variables = {"from": TO.isoformat(), "to": (TO - timedelta(hours=1)).isoformat()}
    body = (
        await client.post(
            "/graphql",
            json={"query": SUMMARY_QUERY, "variables": variables},
            headers=factory.headers(data.user),
        )
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
