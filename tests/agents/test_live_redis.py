"""Live events across replicas: two app instances on the same database and the Redis at
127.0.0.1:6379; a subscriber on one sees an action recorded on the other. And Redis
away: recording still answers, and the replica's own subscribers still get it."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import coredis
import pytest

from gateway.app import create_app
from gateway.settings import Settings
from tests.agents.live import GraphQLSocket, Served, eventually, nothing_within, serving
from tests.agents.test_subscriptions import ACTIONS, RECORD, listening
from tests.rate_limits import needs_redis

REDIS = "redis://127.0.0.1:6379/0"
ANN, GAIL = "agw_redis_ann", "agw_redis_gail"


@pytest.fixture
async def orgs(factory) -> dict[str, Any]:
    org = await factory.org()
    await factory.api_key(await factory.user(org, "ann"), ANN, ["agents:read", "agents:write"])
    globex = await factory.org("Globex")
    gail = await factory.user(globex, "gail")
    await factory.api_key(gail, GAIL, ["agents:read", "agents:write"])
    return {"org": org, "globex": globex}


def app_on(db: Any, tmp_path: Any, redis_url: str, channel: str) -> Any:
    settings = Settings(data_dir=tmp_path, redis_url=redis_url, live_channel=channel)
    return create_app(settings, engine=db, run_migrations=False)


async def record(served: Served, key: str, risk: str, agent: str) -> None:
    action = {"agentId": agent, "actionType": "query", "riskLevel": risk}
    async with served.http() as http:
        response = await http.post(
            "/graphql",
            json={"query": RECORD, "variables": {"input": action}},
            headers={"X-API-Key": key},
        )
    assert response.status_code == 200 and "errors" not in response.json(), response.text


@asynccontextmanager
async def disconnecting(redis: coredis.Redis[str]) -> AsyncIterator[None]:
    try:
        yield
    finally:
        redis.connection_pool.disconnect()


def agent_of(message: dict[str, Any]) -> str:
    return message["payload"]["data"]["agentActions"]["agentId"]


@needs_redis
async def test_a_subscriber_on_one_replica_sees_an_action_recorded_on_another(
    db, tmp_path, orgs
) -> None:
    # A channel of this run's own, so that parallel runs never hear each other.
    channel = f"gateway-test-{uuid.uuid4().hex}"
    redis = coredis.Redis.from_url(REDIS, decode_responses=True)
    first = app_on(db, tmp_path, REDIS, channel)
    second = app_on(db, tmp_path, REDIS, channel)
    async with serving(first) as a, serving(second) as b, disconnecting(redis):
        # Both replicas hold their one subscription.
        await eventually(
            lambda: a.hub.broker.subscribed.is_set() and b.hub.broker.subscribed.is_set()
        )
        for _ in range(150):
            if (await redis.pubsub_numsub(channel))[channel] == 2:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("Redis never saw both subscriptions")
        async with GraphQLSocket.opened(b) as on_b, GraphQLSocket.opened(a) as on_a:
            for gql in (on_b, on_a):
                await gql.init({"X-API-Key": ANN})
                await gql.subscribe("a", ACTIONS, {"minRisk": "high"})
            await listening(b, orgs["org"])
            await listening(a, orgs["org"])

            await record(b, GAIL, "critical", "globex-agent")  # another organisation
            await record(a, ANN, "low", "quiet-agent")  # below minRisk
            await record(a, ANN, "high", "db-agent")

            assert agent_of(await on_b.message()) == "db-agent"
            # The recording replica delivered it locally, and once: its own message
            # coming back from Redis is skipped.
            assert agent_of(await on_a.message()) == "db-agent"
            assert await nothing_within(on_a.ws, 0.3)
            assert await nothing_within(on_b.ws, 0.1)


async def test_without_redis_recording_works_and_local_subscribers_still_see_it(
    db, tmp_path, orgs, caplog
) -> None:
    caplog.set_level(logging.WARNING, logger="gateway.live")
    # Nothing listens on port 1: every Redis call is refused.
    app = app_on(db, tmp_path, "redis://127.0.0.1:1/0", f"gateway-test-{uuid.uuid4().hex}")
    async with serving(app) as served, GraphQLSocket.opened(served) as gql:
        await gql.init({"X-API-Key": ANN})
        await gql.subscribe("a", ACTIONS)
        await listening(served, orgs["org"])
        await record(served, ANN, "medium", "db-agent")
        assert agent_of(await gql.message()) == "db-agent"
        await eventually(lambda: "Redis did not take an event" in caplog.text)
    assert "no Redis subscription" in caplog.text
