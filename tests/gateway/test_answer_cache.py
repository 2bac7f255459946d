"""The answer cache (gateway/answer_cache) through the HTTP surface, on a real Redis.

Each test has its own key prefix, so parallel runs never read each other's answers. A
cached answer is recognised by its statements: one (who is asking) instead of the
query's own. The catalog's ``components`` costs two here: the principal and the page.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from pathlib import Path
from typing import Any

import coredis
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.processes import RedisServer, free_port, redis_server, redis_unavailable
from gateway.answer_cache import AnswerCache, store
from gateway.jobs import ClaimedJob, JobRegistry, Worker
from gateway.settings import Settings
from tests.apps import app_client
from tests.cli import samples
from tests.cli.run import gateway as gateway_command

REDIS = "redis://127.0.0.1:6379/0"
COMPONENTS = "query($first: Int!) { components(first: $first) { nodes { name } } }"
CREATE = (
    'mutation($name: String!) { createComponent(input: {name: $name, kind: "service"}) { name } }'
)
VIEWER = "{ viewer { username } }"
EXECUTIVE = "{ executiveDashboard(days: 30) { __typename } }"
ONLY_WHO_ASKS = 1
COMPUTED = 2
# Computed for a caller the app has looked up before: the caller's row is read beside
# the answer, in its one statement (gateway/callers.py, "Guessed callers").
RECOMPUTED = 1


def cache_settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(
        data_dir=tmp_path,
        cache_ttl=values.pop("cache_ttl", 30),
        redis_url=values.pop("redis_url", REDIS),
        cache_prefix=f"test-answers-{uuid.uuid4().hex}",
        **values,
    )


async def ask(
    client: httpx.AsyncClient, headers: dict[str, str], query: str, **variables: Any
) -> Any:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def counted(statements: Any, call: Any) -> tuple[Any, int]:
    statements.statements.clear()
    answer = await call
    return answer, statements.count


async def lookups(client: httpx.AsyncClient) -> dict[str, float]:
    """``gateway_answer_cache_lookups_total`` by outcome, as /metrics shows it."""
    text = (await client.get("/metrics")).text
    found = re.findall(r'^gateway_answer_cache_lookups_total\{outcome="(\w+)"\} (\S+)$', text, re.M)
    return {"hit": 0.0, "miss": 0.0} | {outcome: float(value) for outcome, value in found}


def logged(caplog: Any) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "gateway.answer_cache"]


def names(body: Any) -> list[str]:
    return [node["name"] for node in body["data"]["components"]["nodes"]]


@pytest.fixture
async def two_orgs(factory: Any) -> dict[str, Any]:
    acme, globex = await factory.org("Acme"), await factory.org("Globex")
    for org, name in ((acme, "billing"), (acme, "search"), (globex, "ledger")):
        await factory.component(org, name)
    return {
        "acme": factory.headers(await factory.user(acme, "ann", role="manager")),
        "acme_bob": factory.headers(await factory.user(acme, "bob", role="manager")),
        "globex": factory.headers(await factory.user(globex, "gil", role="manager")),
    }


async def test_a_second_identical_query_is_answered_from_the_cache(
    db: AsyncEngine, tmp_path: Path, two_orgs: Any, statements: Any
) -> None:
    # given a gateway with the cache on Redis
    async with app_client(db, cache_settings(tmp_path)) as client:
        acme = two_orgs["acme"]
        before = await lookups(client)
        # when the same query is asked twice
        first, first_count = await counted(statements, ask(client, acme, COMPONENTS, first=10))
        second, second_count = await counted(statements, ask(client, acme, COMPONENTS, first=10))
        # then the second ran only the authentication
        assert names(first) == names(second) == ["billing", "search"]
        assert first_count == COMPUTED
        assert second_count == ONLY_WHO_ASKS
        # and other variables, or another organisation, are answers of their own
        other, other_count = await counted(statements, ask(client, acme, COMPONENTS, first=1))
        assert names(other) == ["billing"] and other_count == RECOMPUTED
        theirs, theirs_count = await counted(
            statements, ask(client, two_orgs["globex"], COMPONENTS, first=10)
        )
        assert names(theirs) == ["ledger"] and theirs_count == COMPUTED
        # and /metrics counted one hit and three misses
        after = await lookups(client)
        assert (after["hit"] - before["hit"], after["miss"] - before["miss"]) == (1, 3)


async def test_a_rest_path_is_answered_from_the_cache(
    db: AsyncEngine, tmp_path: Path, two_orgs: Any, statements: Any
) -> None:
    # given a REST path, whose stored operation runs on the same schema
    async with app_client(db, cache_settings(tmp_path)) as client:
        acme = two_orgs["acme"]

        async def catalog() -> Any:
            response = await client.get("/api/v1/analytics/catalog", headers=acme)
            assert response.status_code == 200, response.text
            return response.json()

        # when it is called twice
        first, first_count = await counted(statements, catalog())
        second, second_count = await counted(statements, catalog())
        # then the second answer is the first's, for the authentication alone
        assert second == first
        assert first["ownershipCoverage"]["total"] == 2
        assert first_count > ONLY_WHO_ASKS
        assert second_count == ONLY_WHO_ASKS


async def test_a_write_invalidates_its_organisation_only(
    db: AsyncEngine, tmp_path: Path, two_orgs: Any, statements: Any
) -> None:
    # given both organisations' answers cached
    async with app_client(db, cache_settings(tmp_path)) as client:
        acme, globex = two_orgs["acme"], two_orgs["globex"]
        await ask(client, acme, COMPONENTS, first=10)
        await ask(client, globex, COMPONENTS, first=10)
        # when Acme adds a component through the API
        created = await ask(client, acme, CREATE, name="checkout")
        assert created["data"]["createComponent"]["name"] == "checkout"
        # then Acme's next answer has it, computed afresh
        mine, mine_count = await counted(statements, ask(client, acme, COMPONENTS, first=10))
        assert names(mine) == ["billing", "checkout", "search"]
        assert mine_count == RECOMPUTED
        # and Globex's answer is still the cached one
        theirs, theirs_count = await counted(statements, ask(client, globex, COMPONENTS, first=10))
        assert names(theirs) == ["ledger"]
        assert theirs_count == ONLY_WHO_ASKS


async def test_a_write_through_one_replica_invalidates_the_other(
    db: AsyncEngine, tmp_path: Path, two_orgs: Any, statements: Any
) -> None:
    # given two gateways on one database and one Redis
    settings = cache_settings(tmp_path)
    acme = two_orgs["acme"]
    async with app_client(db, settings) as one, app_client(db, settings) as two:
        await ask(one, acme, COMPONENTS, first=10)
        # an answer computed by one is served by the other
        _, shared_count = await counted(statements, ask(two, acme, COMPONENTS, first=10))
        assert shared_count == ONLY_WHO_ASKS
        # when the second one takes a write
        await ask(two, acme, CREATE, name="checkout")
        # then the first one's next answer sees it
        after, after_count = await counted(statements, ask(one, acme, COMPONENTS, first=10))
        assert names(after) == ["billing", "checkout", "search"]
        assert after_count == RECOMPUTED


async def test_a_job_finishing_on_a_worker_elsewhere_invalidates(
    db: AsyncEngine, tmp_path: Path, factory: Any
) -> None:
    # given a queued job whose status is cached
    settings = cache_settings(tmp_path)
    org = await factory.org()
    headers = factory.headers(await factory.user(org))
    job = await factory.job(org, "answer")
    kinds = JobRegistry()

    @kinds.job_kind("answer")
    async def answer(engine: AsyncEngine, *, job: ClaimedJob, now: Any) -> dict[str, Any]:
        return {"value": 42}

    query = "query($id: UUID!) { job(id: $id) { status result } }"
    async with app_client(db, settings) as client:
        before = await ask(client, headers, query, id=str(job["id"]))
        assert before["data"]["job"] == {"status": "queued", "result": None}
        # when a worker with its own cache on the same Redis (`gateway worker`) runs it
        elsewhere = AnswerCache.from_settings(settings)
        try:
            assert await Worker(db, kinds=kinds, answers=elsewhere).run_until_idle() == 1
        finally:
            await elsewhere.close()
        # then the gateway answers the job's new state
        after = await ask(client, headers, query, id=str(job["id"]))
        assert after["data"]["job"] == {"status": "succeeded", "result": {"value": 42}}


async def test_gateway_import_invalidates_the_replicas_answers(
    db: AsyncEngine,
    tmp_path: Path,
    factory: Any,
    statements: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given an organisation's components cached
    settings = cache_settings(tmp_path)
    org = await factory.org()
    await factory.component(org, "billing")
    headers = factory.headers(await factory.user(org))
    async with app_client(db, settings) as client:
        await ask(client, headers, COMPONENTS, first=10)
        # when `gateway import` adds a component, with the same Redis settings
        line = {"entity": "component", "id": samples.uid(1), "org_id": str(org["id"])}
        path = samples.write(tmp_path / "more.ndjson", [{**line, "name": "ledger", "kind": "api"}])
        env = {
            "GATEWAY_DATABASE_URL": db.url.render_as_string(hide_password=False),
            "GATEWAY_DATA_DIR": str(tmp_path),
            "GATEWAY_REDIS_URL": REDIS,
            "GATEWAY_CACHE_PREFIX": settings.cache_prefix,
            "GATEWAY_CACHE_TTL": "30",
        }
        imported = await gateway_command(["import", str(path)], monkeypatch, capsys, env)
        assert imported.status == 0, imported.err
        # then the gateway's next answer has it
        after, after_count = await counted(statements, ask(client, headers, COMPONENTS, first=10))
        assert names(after) == ["billing", "ledger"]
        assert after_count == RECOMPUTED


@pytest.mark.parametrize("redis_url", [REDIS, None], ids=["redis", "memory"])
async def test_an_answer_expires_after_its_ttl(
    db: AsyncEngine,
    tmp_path: Path,
    two_orgs: Any,
    statements: Any,
    factory: Any,
    redis_url: str | None,
) -> None:
    # given a TTL of 0.3 s and an answer cached
    settings = cache_settings(tmp_path, cache_ttl=0.3, redis_url=redis_url)
    async with app_client(db, settings) as client:
        acme = two_orgs["acme"]
        await ask(client, acme, COMPONENTS, first=10)
        # and a row written behind the gateway's back (which nothing invalidates)
        org_id = (await ask(client, acme, "{ organization { id } }"))["data"]["organization"]
        await factory.component({"id": uuid.UUID(org_id["id"])}, "checkout")
        cached = await ask(client, acme, COMPONENTS, first=10)
        assert names(cached) == ["billing", "search"]
        # when the TTL has passed
        await asyncio.sleep(0.4)
        # then the answer is computed again
        fresh, fresh_count = await counted(statements, ask(client, acme, COMPONENTS, first=10))
        assert names(fresh) == ["billing", "checkout", "search"]
        assert fresh_count == RECOMPUTED


async def test_a_caller_with_fewer_rights_is_refused_as_before(
    db: AsyncEngine, tmp_path: Path, factory: Any
) -> None:
    # given an admin's answers cached: the catalog, and the admin-only executive dashboard
    org = await factory.org()
    await factory.component(org, "billing")
    admin = await factory.user(org, "ada", role="admin")
    member = await factory.user(org, "max", role="member")
    async with app_client(db, cache_settings(tmp_path)) as client:
        for _ in range(2):
            assert names(await ask(client, factory.headers(admin), COMPONENTS, first=10)) == [
                "billing"
            ]
            dashboard = await ask(client, factory.headers(admin), EXECUTIVE)
            assert dashboard["data"] == {"executiveDashboard": {"__typename": "ExecutiveDashboard"}}
        # when the same user asks with a token without catalog:read, and a member asks
        scoped = await ask(
            client, factory.scoped_headers(admin, ["incidents:read"]), COMPONENTS, first=10
        )
        refused = await ask(client, factory.headers(member), EXECUTIVE)
        # then both are refused exactly as without a cache
        assert scoped["data"] is None
        assert scoped["errors"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"
        assert refused["data"] is None
        assert refused["errors"][0]["extensions"]["code"] == "INSUFFICIENT_ROLE"


async def test_an_answer_about_the_caller_is_never_served_to_a_colleague(
    db: AsyncEngine, tmp_path: Path, two_orgs: Any
) -> None:
    # given Ann's viewer answer cached
    async with app_client(db, cache_settings(tmp_path)) as client:
        for _ in range(2):
            ann = await ask(client, two_orgs["acme"], VIEWER)
            assert ann["data"] == {"viewer": {"username": "ann"}}
        # when Bob, same organisation and role, asks the same
        bob = await ask(client, two_orgs["acme_bob"], VIEWER)
        # then he hears about himself
        assert bob["data"] == {"viewer": {"username": "bob"}}


async def test_an_unreachable_redis_costs_the_cache_and_nothing_else(
    db: AsyncEngine, tmp_path: Path, two_orgs: Any, statements: Any, caplog: Any
) -> None:
    # given a Redis URL where nothing listens
    caplog.set_level(logging.INFO, logger="gateway.answer_cache")
    settings = cache_settings(tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    async with app_client(db, settings) as client:
        acme = two_orgs["acme"]
        # when a query is asked twice and a write made
        first = await ask(client, acme, COMPONENTS, first=10)
        _, second_count = await counted(statements, ask(client, acme, COMPONENTS, first=10))
        await ask(client, acme, CREATE, name="checkout")
        after = await ask(client, acme, COMPONENTS, first=10)
    # then every answer is right and computed, and one line says why
    assert names(first) == ["billing", "search"]
    assert second_count == RECOMPUTED
    assert names(after) == ["billing", "checkout", "search"]
    lines = logged(caplog)
    assert len(lines) == 1
    assert lines[0].startswith("answer cache: Redis failed")


async def pause(redis: RedisServer, *, seconds: float) -> None:
    """Every other client's commands wait for ``seconds``; the data stays."""
    client: coredis.Redis[str] = coredis.Redis.from_url(redis.url, decode_responses=True)
    await client.client_pause(int(seconds * 1000), coredis.PureToken.ALL)
    client.connection_pool.disconnect()


async def test_redis_stopping_and_pausing_mid_test(
    db: AsyncEngine,
    tmp_path: Path,
    two_orgs: Any,
    statements: Any,
    caplog: Any,
    monkeypatch: Any,
) -> None:
    # given a Redis of the test's own, an answer cached in it, and retries after 0.2 s
    if reason := redis_unavailable():
        pytest.skip(reason)
    monkeypatch.setattr(store, "RETRY", 0.2)
    caplog.set_level(logging.INFO, logger="gateway.answer_cache")
    acme = two_orgs["acme"]
    with redis_server() as redis:
        async with app_client(db, cache_settings(tmp_path, redis_url=redis.url)) as client:
            await ask(client, acme, COMPONENTS, first=10)
            # when Redis stops answering for a while (paused: it keeps its data) and a
            # write is made meanwhile
            await pause(redis, seconds=1.0)
            during = await ask(client, acme, COMPONENTS, first=10)
            await ask(client, acme, CREATE, name="checkout")
            await asyncio.sleep(1.1)
            # then, Redis back, the answer cached before the write is not served
            after, after_count = await counted(statements, ask(client, acme, COMPONENTS, first=10))
            assert names(during) == ["billing", "search"]
            assert names(after) == ["billing", "checkout", "search"]
            assert after_count == RECOMPUTED
            # and once Redis is stopped for good, answers are still right, uncached
            redis.stop()
            await asyncio.sleep(0.3)
            await ask(client, acme, CREATE, name="search-api")
            last = await ask(client, acme, COMPONENTS, first=10)
            assert names(last) == ["billing", "checkout", "search", "search-api"]
    # and each change of state said so once: away, back, away
    lines = logged(caplog)
    assert len(lines) == 3, lines
    assert lines[0].startswith("answer cache: Redis failed")
    assert lines[1] == "answer cache: Redis answers again; the cache is back"
    assert lines[2].startswith("answer cache: Redis failed")


async def test_memory_keeps_the_most_recently_used_answers_within_its_bytes() -> None:
    # given a memory store of 10 bytes holding two 4-byte answers, the older one read since
    now = [0.0]
    memory = store.MemoryBackend(max_bytes=10, clock=lambda: now[0])
    await memory.store("acme", "0.0", "a", "aaaa", ttl=30)
    await memory.store("acme", "0.0", "b", "bbbb", ttl=30)
    assert (await memory.lookup("acme", "a")).answer == "aaaa"
    # when a third answer would take it past 10 bytes
    await memory.store("acme", "0.0", "c", "cccc", ttl=30)
    # then the least recently used one went, and 8 bytes are held
    assert [(await memory.lookup("acme", key)).answer for key in "abc"] == ["aaaa", None, "cccc"]
    assert memory.size == 8
    # and an answer past its TTL is gone, a write makes the rest unreachable
    now[0] = 31.0
    assert (await memory.lookup("acme", "a")).answer is None
    now[0] = 0.0
    await memory.bump("acme")
    assert await memory.lookup("acme", "c") == store.Found("0.1", None)
