"""GraphQL subscriptions over graphql-transport-ws on ``/graphql``, on uvicorn:
``realtimeMetrics`` from the organisation's shared ticker, ``agentActions(minRisk)`` as
``recordAgentAction`` records them, and who may subscribe."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from gateway.app import create_app
from gateway.settings import Settings
from tests.agents.live import GraphQLSocket, Served, close_code, eventually, receive, serving

NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
ANN = "agw_subs_ann"
WRITER = "agw_subs_writer"  # agents:write only
GAIL = "agw_subs_gail"

METRICS = """subscription { realtimeMetrics { timestamp
  realTimeOverview { totalActionsLastHour recentHighRiskActions activeAgents }
  dataQuality { dataStatus hasRecentActivity } } }"""
ACTIONS = """subscription ($minRisk: String) { agentActions(minRisk: $minRisk) {
  displayId agentId riskLevel status timestamp reviewedBy { username } } }"""
RECORD = """mutation ($input: AgentActionInput!) { recordAgentAction(input: $input) { id } }"""


@pytest.fixture
async def orgs(factory) -> dict[str, Any]:
    org = await factory.org()
    ann = await factory.user(org, "ann")
    await factory.api_key(ann, ANN, ["agents:read"])
    await factory.api_key(ann, WRITER, ["agents:write"])
    # The last hour: 2 actions by one agent, 1 of them critical.
    await factory.agent_action(org, NOW - timedelta(minutes=30), risk_level="critical")
    await factory.agent_action(org, NOW - timedelta(minutes=10), risk_level="low")
    globex = await factory.org("Globex")
    gail = await factory.user(globex, "gail")
    await factory.api_key(gail, GAIL, ["agents:read", "agents:write"])
    return {"org": org, "ann": ann, "globex": globex, "gail": gail}


@pytest.fixture
def live(db, tmp_path) -> Any:
    @asynccontextmanager
    async def make() -> AsyncIterator[Served]:
        settings = Settings(data_dir=tmp_path, ws_interval=0.1)
        app = create_app(settings, engine=db, run_migrations=False, clock=lambda: NOW)
        async with serving(app) as served:
            yield served

    return make


async def record(served: Served, headers: dict[str, str], risk: str, agent: str) -> None:
    action = {"agentId": agent, "actionType": "query", "riskLevel": risk}
    async with served.http() as http:
        response = await http.post(
            "/graphql", json={"query": RECORD, "variables": {"input": action}}, headers=headers
        )
    assert response.status_code == 200 and "errors" not in response.json(), response.text


async def listening(served: Served, org: dict[str, Any], count: int = 1) -> None:
    """Waits until ``count`` subscriptions listen for the organisation's actions (the
    protocol has no acknowledgement for a subscribe)."""
    key = ("agents.actions", str(org["id"]))
    await eventually(lambda: len(served.hub.broker.listeners.get(key, ())) == count)


async def test_realtime_metrics_are_typed_and_share_the_websockets_ticker(live, orgs) -> None:
    async with live() as served:
        async with (
            GraphQLSocket.opened(served) as gql,
            connect(
                served.realtime("ann@example.com"), additional_headers={"X-API-Key": ANN}
            ) as ws,
        ):
            assert await gql.init({"X-API-Key": ANN}) == {"type": "connection_ack"}
            await gql.subscribe("m", METRICS)
            payloads = [await gql.message(), await gql.message()]
            await receive(ws)
            update = await receive(ws)
            assert list(served.hub.tickers) == [("agents.realtime", orgs["org"]["id"])]
            await gql.complete("m")

    for payload in payloads:
        assert (payload["id"], payload["type"]) == ("m", "next")
        assert payload["payload"]["data"] == {
            "realtimeMetrics": {
                "timestamp": "2026-03-11T15:00:00+00:00",
                "realTimeOverview": {
                    "totalActionsLastHour": 2,
                    "recentHighRiskActions": 1,
                    "activeAgents": 1,
                },
                "dataQuality": {"dataStatus": "live", "hasRecentActivity": True},
            }
        }
    # The subscription shares the ticker but is not a socket of the documented path.
    assert update["metrics"]["active_websocket_connections"] == 1


async def test_agent_actions_stream_the_recorded_ones_at_the_risk_asked(
    live, orgs, factory, db
) -> None:
    async with live() as served:
        # The credential on the upgrade request this time; connection_init carries none.
        async with GraphQLSocket.opened(served, {"X-API-Key": ANN}) as gql:
            assert (await gql.init())["type"] == "connection_ack"
            await gql.subscribe("a", ACTIONS, {"minRisk": "high"})
            await listening(served, orgs["org"])
            # Waiting for events, the subscription holds no database connection.
            assert db.pool.checkedout() == 0
            writer = {"X-API-Key": WRITER}
            await record(served, writer, "low", "quiet-agent")
            await record(served, writer, "critical", "db-agent")
            received = await gql.message()
            await record(served, writer, "medium", "quiet-agent")
            await record(served, writer, "high", "mail-agent")
            second = await gql.message()

    assert (received["id"], received["type"]) == ("a", "next")
    assert received["payload"]["data"] == {
        "agentActions": {
            "displayId": 4,  # after the fixture's two and the low one
            "agentId": "db-agent",
            "riskLevel": "critical",
            "status": "pending",
            "timestamp": "2026-03-11T15:00:00+00:00",
            "reviewedBy": None,
        }
    }
    # The medium one never came: the next is the high one.
    assert second["payload"]["data"]["agentActions"]["agentId"] == "mail-agent"


async def test_another_organisations_actions_never_arrive(live, orgs) -> None:
    async with live() as served:
        async with GraphQLSocket.opened(served) as ann, GraphQLSocket.opened(served) as gail:
            await ann.init({"X-API-Key": ANN})
            await gail.init({"Authorization": f"Bearer {GAIL}"})
            await ann.subscribe("a", ACTIONS)
            await gail.subscribe("g", ACTIONS)
            await listening(served, orgs["org"])
            await listening(served, orgs["globex"])
            await record(served, {"X-API-Key": GAIL}, "critical", "globex-agent")
            await record(served, {"X-API-Key": WRITER}, "low", "acme-agent")
            # Each sees its own organisation's action, and only that one.
            assert (await ann.message())["payload"]["data"]["agentActions"]["agentId"] == (
                "acme-agent"
            )
            assert (await gail.message())["payload"]["data"]["agentActions"]["agentId"] == (
                "globex-agent"
            )


async def test_who_may_subscribe(live, orgs, factory) -> None:
    async with live() as served:
        # No credential, or one that is not valid: the connection is refused (4403).
        for payload in ({}, {"X-API-Key": "agw_nope"}, {"Authorization": "Bearer x.y.z"}):
            async with GraphQLSocket.opened(served) as gql:
                await gql.ws.send(json.dumps({"type": "connection_init", "payload": payload}))
                assert await close_code(gql.ws) == 4403, payload
        # A page on another origin cannot open one with the user's cookie (Strawberry
        # refuses the handshake itself: 403).
        cookie = {"Cookie": f"access_token={factory.token(orgs['ann'])}"}
        with pytest.raises(InvalidStatus) as refused_handshake:
            async with GraphQLSocket.opened(served, {**cookie, "Origin": "https://evil.example"}):
                pass
        assert refused_handshake.value.response.status_code == 403
        async with GraphQLSocket.opened(served, cookie) as gql:
            assert (await gql.init())["type"] == "connection_ack"
        async with GraphQLSocket.opened(served) as gql:
            # A session JWT in the payload; a key without agents:read is refused per field.
            assert (await gql.init(factory.headers(orgs["ann"])))["type"] == "connection_ack"
        async with GraphQLSocket.opened(served) as gql:
            await gql.init({"X-API-Key": WRITER})
            await gql.subscribe("m", METRICS)
            refused = await gql.message()
            await gql.subscribe("r", ACTIONS, {"minRisk": "severe"})
            bad = await gql.message()
        async with GraphQLSocket.opened(served) as gql:
            await gql.init({"X-API-Key": ANN})
            await gql.subscribe("r", ACTIONS, {"minRisk": "severe"})
            wrong = await gql.message()

    assert refused["type"] == "error"
    assert [e["extensions"]["code"] for e in refused["payload"]] == ["INSUFFICIENT_SCOPE"]
    assert [e["extensions"]["code"] for e in bad["payload"]] == ["INSUFFICIENT_SCOPE"]
    assert wrong["type"] == "error"
    assert [e["extensions"]["code"] for e in wrong["payload"]] == ["BAD_USER_INPUT"]
