"""GATEWAY_DATABASE_READ_URL, for real: a throwaway primary and a ``pg_basebackup -R``
streaming replica of it on free ports (bench/processes.py), started once for the module.

Which server answered is told by pausing replay on the replica: a row written to the
primary after the pause is on the primary only, so an answer without it came from the
replica and an answer with it from the primary. Where the pause cannot be used (the
lag rule would bypass the replica), the statements the app sends to its read engine
are counted instead.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.processes import PostgresServer, primary_and_replica, unavailable
from gateway import migrate
from gateway.app import create_app
from gateway.db import create_engine
from gateway.settings import Settings
from tests.factories import Factory

REDIS = "redis://127.0.0.1:6379/0"
CATALOG = "/api/v1/analytics/catalog"
COMPONENTS = "{ components { nodes { name } } }"
CREATE_COMPONENT = """
mutation ($name: String!) { createComponent(input: {name: $name, kind: "service"}) { name } }
"""
START_DEPLOYMENT = """
mutation ($component: UUID!, $environment: UUID!) {
  startDeployment(componentId: $component, environmentId: $environment, version: "1.0") {
    id
    component { name latestDeployment { id } }
  }
}
"""


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[PostgresServer, PostgresServer]]:
    reason = unavailable()
    if reason is not None:
        pytest.skip(f"no throwaway PostgreSQL replica: {reason}")
    with primary_and_replica() as servers:
        yield servers


@pytest.fixture(scope="module")
async def primary(pair: tuple[PostgresServer, PostgresServer]) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(pair[0].url())
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def factory(primary: AsyncEngine, settings: Settings) -> Factory:
    """Rows written straight to the primary (this module's own ``factory``: the
    conftest's writes to the session's database)."""
    return Factory(primary, settings)


@pytest.fixture
async def replica_server(
    pair: tuple[PostgresServer, PostgresServer],
) -> AsyncIterator[PostgresServer]:
    server = pair[1]
    yield server
    # A test that failed halfway leaves the replica running and replaying.
    if not server.running:
        server.start()
    await _sql(server, "SELECT pg_wal_replay_resume()")


async def _sql(server: PostgresServer, statement: str) -> Any:
    connection = await asyncpg.connect(server.dsn())
    try:
        return await connection.fetchval(statement)
    finally:
        await connection.close()


async def until(condition: Callable[[], Awaitable[bool]], deadline: float = 10.0) -> None:
    """Polls ``condition`` until it holds, failing after ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while not await condition():
        assert time.monotonic() < end, "condition not met in time"
        await asyncio.sleep(0.1)


async def caught_up(pair: tuple[PostgresServer, PostgresServer]) -> None:
    """Waits until the replica has replayed everything the primary has written."""
    target = await _sql(pair[0], "SELECT pg_current_wal_insert_lsn()::text")

    async def replayed() -> bool:
        return bool(await _sql(pair[1], f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"))

    await until(replayed)


class ReadStatements:
    """The statements the app sent to its read engine (the replica's health checks
    have a connection of their own)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def take(self) -> list[str]:
        taken, self.statements = self.statements, []
        return taken


@asynccontextmanager
async def gateway(
    pair: tuple[PostgresServer, PostgresServer],
    primary: AsyncEngine,
    tmp_path: Path,
    **settings: Any,
) -> AsyncIterator[tuple[httpx.AsyncClient, ReadStatements]]:
    configured = Settings(
        data_dir=tmp_path,
        database_url=pair[0].url(),
        **{"database_read_url": pair[1].url(), **settings},
    )
    app = create_app(configured, engine=primary, run_migrations=False)
    async with app.router.lifespan_context(app):
        reads = ReadStatements(app.state.runtime.read_engine)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            yield c, reads


def replica_log(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    """The replica's log lines of ``level`` (other parts, the live broker, log too)."""
    return [
        r.getMessage() for r in caplog.records if r.name == "gateway.replica" and r.levelno == level
    ]


async def names(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    answer = await client.post("/graphql", json={"query": COMPONENTS}, headers=headers)
    assert answer.status_code == 200, answer.text
    return sorted(node["name"] for node in answer.json()["data"]["components"]["nodes"])


async def test_a_query_is_served_by_the_replica(pair, primary, factory, replica_server, tmp_path):
    # given: alpha on both servers, then beta written to the primary while replay is paused
    org = await factory.org("Replica Reads")
    headers = factory.headers(await factory.user(org, "ria", role="admin"))
    await factory.component(org, "alpha")
    await caught_up(pair)
    async with gateway(pair, primary, tmp_path) as (client, reads):
        await _sql(replica_server, "SELECT pg_wal_replay_pause()")
        await factory.component(org, "beta")

        # when: GraphQL and a REST analytics read, during the pause and after it
        paused = await names(client, headers)
        paused_rest = await client.get(CATALOG, headers=headers)
        await _sql(replica_server, "SELECT pg_wal_replay_resume()")
        await caught_up(pair)
        resumed = await names(client, headers)
        resumed_rest = await client.get(CATALOG, headers=headers)

    # then: the replica answered without beta while paused, with it once replayed
    assert paused == ["alpha"]
    assert resumed == ["alpha", "beta"]
    assert paused_rest.json()["ownershipCoverage"]["total"] == 1
    assert resumed_rest.json()["ownershipCoverage"]["total"] == 2
    assert any("components" in statement for statement in reads.take())


async def test_a_mutation_runs_on_the_primary_and_its_org_reads_its_writes(
    pair, primary, factory, replica_server, tmp_path
):
    # given: two organisations on both servers; replay paused; then, on the primary only,
    # a component of the first and one of the second
    org = await factory.org("Writers")
    headers = factory.headers(await factory.user(org, "wes", role="admin"))
    environment = await factory.environment(org, "production")
    other = await factory.org("Readers")
    other_headers = factory.headers(await factory.user(other, "rob", role="admin"))
    await factory.component(other, "theirs")
    await caught_up(pair)
    async with gateway(pair, primary, tmp_path) as (client, reads):
        await _sql(replica_server, "SELECT pg_wal_replay_pause()")
        component = await factory.component(org, "unreplicated")
        await factory.component(other, "theirs-too")
        reads.take()

        # when: a deployment of the component only the primary has
        started = await client.post(
            "/graphql",
            json={
                "query": START_DEPLOYMENT,
                "variables": {
                    "component": str(component["id"]),
                    "environment": str(environment["id"]),
                },
            },
            headers=headers,
        )
        during_mutation = reads.take()
        own = await names(client, headers)
        theirs = await names(client, other_headers)
        await _sql(replica_server, "SELECT pg_wal_replay_resume()")

    # then: the mutation found the component and read back its own deployment, sending
    # nothing to the replica (the caller's lookup included)
    assert started.status_code == 200, started.text
    deployment = started.json()["data"]["startDeployment"]
    assert deployment["component"] == {
        "name": "unreplicated",
        "latestDeployment": {"id": deployment["id"]},
    }
    assert during_mutation == []
    # the next request of the writer's organisation sees its write though replay is
    # paused (the primary served it); the other organisation is still served by the
    # replica, which has not replayed "theirs-too"
    assert own == ["unreplicated"]
    assert theirs == ["theirs"]


async def test_gateways_sharing_redis_read_each_others_writes(
    pair, primary, factory, replica_server, tmp_path
):
    # given: two gateways on one Redis; replay paused
    org = await factory.org("Two Doors")
    headers = factory.headers(await factory.user(org, "tia", role="admin"))
    await caught_up(pair)
    shared = {"redis_url": REDIS}
    async with (
        gateway(pair, primary, tmp_path / "one", **shared) as (one, _),
        gateway(pair, primary, tmp_path / "two", **shared) as (two, reads_two),
    ):
        await _sql(replica_server, "SELECT pg_wal_replay_pause()")

        # when: a component is created through the first, then listed through the second
        created = await one.post(
            "/graphql",
            json={"query": CREATE_COMPONENT, "variables": {"name": "shared"}},
            headers=headers,
        )
        reads_two.take()
        listed = await names(two, headers)
        second_reads = reads_two.take()
        await _sql(replica_server, "SELECT pg_wal_replay_resume()")

    # then: the second gateway read the primary (the replica has not replayed it)
    assert created.json()["data"]["createComponent"] == {"name": "shared"}
    assert listed == ["shared"]
    assert not any("components" in statement for statement in second_reads)


async def test_a_replica_lagging_past_the_maximum_is_bypassed(
    pair, primary, factory, replica_server, tmp_path
):
    # given: a maximum lag of 1 s; alpha on both servers
    org = await factory.org("Lagging")
    headers = factory.headers(await factory.user(org, "lou", role="admin"))
    await factory.component(org, "alpha")
    await caught_up(pair)
    async with gateway(pair, primary, tmp_path, max_replica_lag=1.0) as (client, reads):
        await until(lambda: ready_replica(client, in_use=True))

        # when: replay pauses and beta is written; later replay resumes
        await _sql(replica_server, "SELECT pg_wal_replay_pause()")
        await factory.component(org, "beta")
        started = time.monotonic()
        await until(lambda: ready_replica(client, in_use=False))
        bypassed_after = time.monotonic() - started
        reads.take()
        while_lagging = await names(client, headers)
        lagging_reads = reads.take()
        await _sql(replica_server, "SELECT pg_wal_replay_resume()")
        await until(lambda: ready_replica(client, in_use=True))
        again = await names(client, headers)
        replica_reads = reads.take()

    # then: past 1 s of lag (checked once a second) reads went to the primary, which has
    # beta; once replayed, the replica served again
    assert bypassed_after < 4
    assert while_lagging == ["alpha", "beta"]
    assert lagging_reads == []
    assert again == ["alpha", "beta"]
    assert any("components" in statement for statement in replica_reads)


async def ready_replica(client: httpx.AsyncClient, *, in_use: bool) -> bool:
    answer = await client.get("/readyz")
    assert answer.status_code == 200
    return bool(answer.json()["replica"]["in_use"] is in_use)


async def test_a_stopped_replica_is_bypassed_until_it_is_back(
    pair, primary, factory, replica_server, tmp_path, caplog
):
    # given: alpha on both servers
    org = await factory.org("Stopping")
    headers = factory.headers(await factory.user(org, "sam", role="admin"))
    await factory.component(org, "alpha")
    await caught_up(pair)
    caplog.set_level(logging.INFO, logger="gateway.replica")
    async with gateway(pair, primary, tmp_path) as (client, reads):
        caplog.clear()

        # when: the replica stops; reads go on for two health checks; it starts again
        replica_server.stop()
        answers = []
        for _ in range(8):
            answer = await client.post("/graphql", json={"query": COMPONENTS}, headers=headers)
            answers.append(answer)
            await asyncio.sleep(0.25)
        ready = await client.get("/readyz")
        stopped_metrics = (await client.get("/metrics")).text
        stopped_reads = reads.take()
        bypassed = replica_log(caplog, logging.WARNING)
        replica_server.start()
        await until(lambda: ready_replica(client, in_use=True))
        again = await names(client, headers)
        replica_reads = reads.take()
        back_metrics = (await client.get("/metrics")).text
        back = replica_log(caplog, logging.INFO)

    # then: every read answered 200 from the primary; one log line when it went, one
    # when it came back; /readyz stayed ready and said why the replica is bypassed
    assert [answer.status_code for answer in answers] == [200] * 8
    assert [a.json()["data"]["components"]["nodes"] for a in answers] == [[{"name": "alpha"}]] * 8
    assert len(bypassed) == 1
    assert bypassed[0].startswith("read replica bypassed, reads go to the primary: unreachable")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"
    assert ready.json()["replica"]["in_use"] is False
    assert ready.json()["replica"]["reason"].startswith("unreachable")
    assert "\ngateway_replica_in_use 0.0\n" in stopped_metrics
    assert "\ngateway_replica_in_use 1.0\n" in back_metrics
    assert "\ngateway_replica_lag_seconds 0.0\n" in back_metrics
    assert not any("components" in statement for statement in stopped_reads)
    assert again == ["alpha"]
    assert any("components" in statement for statement in replica_reads)
    assert len(back) == 1 and back[0].startswith("read replica in use")


async def test_without_redis_a_gateway_still_reads_its_own_writes(
    pair, primary, factory, replica_server, tmp_path, caplog
):
    # given: a Redis URL on which nothing listens; replay paused
    org = await factory.org("No Redis")
    headers = factory.headers(await factory.user(org, "nia", role="admin"))
    await caught_up(pair)
    caplog.set_level(logging.INFO, logger="gateway.replica")
    nowhere = {"redis_url": "redis://127.0.0.1:1/0"}
    async with gateway(pair, primary, tmp_path, **nowhere) as (client, _):
        await _sql(replica_server, "SELECT pg_wal_replay_pause()")

        # when: a component is created, then listed, by the same gateway
        created = await client.post(
            "/graphql",
            json={"query": CREATE_COMPONENT, "variables": {"name": "local"}},
            headers=headers,
        )
        listed = await names(client, headers)
        await _sql(replica_server, "SELECT pg_wal_replay_resume()")

    # then: the write position was kept in memory, and Redis's absence logged once
    assert created.status_code == 200
    assert created.json()["data"]["createComponent"] == {"name": "local"}
    assert listed == ["local"]
    assert replica_log(caplog, logging.WARNING) == [
        "Redis unreachable (ConnectionError): write positions are this process's only"
    ]


async def test_a_gateway_started_without_its_replica_reads_the_primary(
    pair, primary, factory, tmp_path, caplog
):
    # given: a read URL on which nothing listens
    org = await factory.org("Never There")
    headers = factory.headers(await factory.user(org, "nell", role="admin"))
    await factory.component(org, "alpha")
    caplog.set_level(logging.INFO, logger="gateway.replica")
    nowhere = "postgresql+asyncpg://postgres@127.0.0.1:1/postgres"

    # when
    async with gateway(pair, primary, tmp_path, database_read_url=nowhere) as (client, _):
        listed = await names(client, headers)
        ready = await client.get("/readyz")

    # then: the primary answered, /readyz is ready, and the start said why once
    assert listed == ["alpha"]
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ok",
        "replica": {
            "in_use": False,
            "lag_seconds": None,
            "reason": "unreachable (ConnectionRefusedError)",
        },
    }
    assert replica_log(caplog, logging.WARNING) == [
        "read replica bypassed, reads go to the primary: unreachable (ConnectionRefusedError)"
    ]
