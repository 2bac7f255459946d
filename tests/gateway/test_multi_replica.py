"""Two gateway processes (`gateway serve`, each with its job worker) on one database and
one Redis, as `docker/compose.yaml` runs them behind a proxy: rate limits are counted
once for both, a job is run by one of them only, a subscriber on one replica hears an
action recorded through the other, and a write through one invalidates the answers the
other has cached.

The processes are real (``python -m gateway.cli serve`` on free ports), started once per
database dialect; the Redis is a throwaway ``redis-server`` (bench/processes.py), so
that counters and channels start empty. SQLite runs it too: two processes on one file.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from bench.processes import RedisServer, free_port, redis_unavailable
from gateway.settings import Settings
from models.jobs import Job
from tests.agents.test_subscriptions import ACTIONS, RECORD
from tests.factories import Factory

ROOT = Path(__file__).resolve().parents[2]
# What replicas must agree on to accept one another's tokens (compose sets one for both).
SECRET = "multi-replica-secret-long-enough-for-hs256"
LIMIT = 4  # the incidents family's requests per user and minute, for both replicas
KPIS = "/api/analytics/kpi-metrics/"
COMPONENTS = "{ components(first: 10) { nodes { name } } }"
CREATE = 'mutation { createComponent(input: {name: "checkout", kind: "service"}) { name } }'


@dataclass
class Replica:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base, timeout=10)


@dataclass
class Pair:
    replicas: tuple[Replica, Replica]
    data_dir: Path


def _environment(url: str, data_dir: Path, redis: RedisServer, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "GATEWAY_DATABASE_URL": url,
        "GATEWAY_DATA_DIR": str(data_dir),
        "GATEWAY_REDIS_URL": redis.url,
        "GATEWAY_JWT_SECRET": SECRET,
        # The suite's default is no worker per app; replicas run one each, as served.
        "GATEWAY_RUN_WORKER": "true",
        "GATEWAY_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(port),
        "GATEWAY_INCIDENTS_RATE_LIMITS": f"{LIMIT}/minute",
        "GATEWAY_JOB_POLL_INTERVAL": "0.1",
        # The suite turns the answer cache off; replicas share it through Redis.
        "GATEWAY_CACHE_TTL": "30",
        "GATEWAY_LOG_LEVEL": "warning",
    }


def _start(url: str, data_dir: Path, redis: RedisServer, name: str) -> Replica:
    port = free_port()
    log = data_dir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve"],
            cwd=ROOT,
            env=_environment(url, data_dir, redis, port),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Replica(process, port, log)


def _ready(replica: Replica, deadline: float) -> None:
    while time.monotonic() < deadline:
        if replica.process.poll() is not None:
            raise AssertionError(f"the replica exited: {replica.log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{replica.base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the replica did not get ready: {replica.log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def pair(engine: AsyncEngine, tmp_path_factory: Any) -> Iterator[Pair]:
    reason = redis_unavailable()
    if reason:
        pytest.skip(reason)
    url = engine.url.render_as_string(hide_password=False)
    data_dir = tmp_path_factory.mktemp("replicas")
    redis = RedisServer()
    redis.start()
    started = [_start(url, data_dir, redis, f"replica-{n}") for n in (1, 2)]
    try:
        deadline = time.monotonic() + 60
        for replica in started:
            _ready(replica, deadline)
        yield Pair((started[0], started[1]), data_dir)
    finally:
        for replica in started:
            replica.process.terminate()
        for replica in started:
            try:
                replica.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                replica.process.kill()
        redis.stop()


@pytest.fixture
def factory(db: AsyncEngine, pair: Pair) -> Factory:
    return Factory(db, Settings(data_dir=pair.data_dir, jwt_secret=SECRET))


async def test_a_users_rate_limit_is_counted_once_for_both_replicas(pair, factory) -> None:
    # given: a user who alternates between the replicas
    org = await factory.org()
    headers = factory.headers(await factory.user(org, "ana"))
    one, two = pair.replicas

    # when
    statuses = []
    async with one.http() as first, two.http() as second:
        for n in range(LIMIT + 1):
            client = first if n % 2 == 0 else second
            statuses.append((await client.get(KPIS, headers=headers)).status_code)

    # then: the fifth request is refused, though each replica has seen at most three
    assert statuses == [200] * LIMIT + [429]


async def test_each_job_runs_once_though_both_replicas_run_workers(pair, factory, db) -> None:
    # given: ten rollups requested, half through each replica
    org = await factory.org()
    headers = factory.headers(await factory.user(org, "ana"))
    body = {"from": "2026-05-01T08:00:00Z", "to": "2026-05-01T13:00:00Z"}
    async with pair.replicas[0].http() as first, pair.replicas[1].http() as second:
        for n in range(10):
            client = first if n % 2 == 0 else second
            response = await client.post("/v1/mcp/analytics/rollup", json=body, headers=headers)
            assert response.status_code == 202, response.text

    # when: the two workers take them
    query = select(Job.status, Job.attempts).where(Job.org_id == org["id"])
    deadline = time.monotonic() + 30
    while True:
        async with db.connect() as conn:
            jobs = [tuple(row) for row in await conn.execute(query)]
        if all(status == "succeeded" for status, _ in jobs) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)

    # then: every job succeeded on its first and only claim
    assert jobs == [("succeeded", 1)] * 10


async def _subscriber(replica: Replica, key: str) -> AsyncIterator[dict[str, Any]]:
    async with connect(
        f"ws://127.0.0.1:{replica.port}/graphql",
        subprotocols=[Subprotocol("graphql-transport-ws")],
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"X-API-Key": key}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        payload = {"query": ACTIONS, "variables": {"minRisk": "high"}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        while True:
            yield json.loads(await ws.recv())


async def test_a_subscriber_on_one_replica_hears_an_action_recorded_on_the_other(
    pair, factory
) -> None:
    # given: a subscriber to high-risk actions on the first replica
    org = await factory.org()
    key = f"agw_{uuid.uuid4().hex[:12]}"
    await factory.api_key(await factory.user(org, "ann"), key, ["agents:read", "agents:write"])
    messages = _subscriber(pair.replicas[0], key)
    first = asyncio.ensure_future(anext(messages))

    # when: actions are recorded through the second until one is heard (the protocol
    # has no acknowledgement of a subscribe, so the first may go out before it listens)
    async with pair.replicas[1].http() as second:
        for attempt in range(50):
            action = {"agentId": f"agent-{attempt}", "actionType": "query", "riskLevel": "high"}
            response = await second.post(
                "/graphql",
                json={"query": RECORD, "variables": {"input": action}},
                headers={"X-API-Key": key},
            )
            assert "errors" not in response.json(), response.text
            done, _ = await asyncio.wait({first}, timeout=0.2)
            if done:
                break

    # then
    message = await asyncio.wait_for(first, 5)
    await messages.aclose()
    assert message["type"] == "next"
    heard = message["payload"]["data"]["agentActions"]
    assert heard["agentId"].startswith("agent-") and heard["riskLevel"] == "high"


async def names(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    response = await client.post("/graphql", json={"query": COMPONENTS}, headers=headers)
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    return sorted(node["name"] for node in response.json()["data"]["components"]["nodes"])


async def test_a_write_through_one_replica_invalidates_the_others_cached_answers(
    pair, factory
) -> None:
    # given: an answer the first replica has cached (a row written straight into the
    # database, which no cache hears of, is not in its next answer)
    org = await factory.org()
    headers = factory.headers(await factory.user(org, "ana", role="admin"))
    await factory.component(org, "billing")
    one, two = pair.replicas
    async with one.http() as first, two.http() as second:
        cached = await names(first, headers)
        await factory.component(org, "search")
        still_cached = await names(first, headers)

        # when: a component is created through the second replica
        created = await second.post("/graphql", json={"query": CREATE}, headers=headers)
        assert "errors" not in created.json(), created.text

        # then: the first replica computes its next answer afresh
        after = await names(first, headers)
    assert cached == still_cached == ["billing"]
    assert after == ["billing", "checkout", "search"]
