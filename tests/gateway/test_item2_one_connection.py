"""Item 2: one connection per request, writes in a transaction on it, 503 on pool wait."""

from __future__ import annotations

import asyncio

from sqlalchemy import event, func, select

from models.audit import AuditEvent
from models.catalog import Component
from tests.gateway.pool import returned_just_now, simple_queries
from tests.gateway.safety import app_client, engine_like

CREATE = 'mutation($name: String!) { createComponent(input: {name: $name, kind: "api"}) { id } }'


async def test_item2_forty_concurrent_writes_on_a_pool_of_two(db, factory, settings):
    # given: a pool of 2 (4 connections at most), an admin of a Growth organisation
    org = await factory.org()
    admin = await factory.user(org, "ada", role="admin")
    headers = factory.headers(admin)
    small = engine_like(db, pool_size=2, pool_timeout=30)
    try:
        async with app_client(small, settings) as client:
            # when: 40 mutations and 40 staleness checks run at once
            mutations = [
                client.post(
                    "/graphql",
                    json={"query": CREATE, "variables": {"name": f"svc-{i:02d}"}},
                    headers=headers,
                )
                for i in range(40)
            ]
            checks = [
                client.post("/api/v1/analytics/staleness/check", json={"days": 30}, headers=headers)
                for _ in range(40)
            ]
            answers = await asyncio.gather(*mutations, *checks)
    finally:
        await small.dispose()
    # then: every one succeeded, and every write (with its audit event) is there
    assert [a.status_code for a in answers] == [200] * 80
    assert all("errors" not in a.json() for a in answers[:40])
    async with db.connect() as conn:
        components = await conn.scalar(select(func.count()).select_from(Component))
        created = await conn.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "CREATE")
        )
    assert (components, created) == (40, 40)


async def test_item2_no_connection_in_time_is_503_with_retry_after(db, factory, settings):
    org = await factory.org()
    admin = await factory.user(org, "ada", role="admin")
    headers = factory.headers(admin)
    tiny = engine_like(db, pool_size=1, pool_timeout=0.2)
    try:
        async with app_client(tiny, settings) as client:
            # given: both connections the pool may open are held elsewhere
            held = [await tiny.connect(), await tiny.connect()]
            try:
                rest = await client.get("/api/v1/analytics/dora", headers=headers)
                graphql = await client.post(
                    "/graphql", json={"query": "{ viewer { id } }"}, headers=headers
                )
            finally:
                for conn in held:
                    await conn.close()
            # then: once they are free again, requests go through at once
            after = await client.get("/api/v1/analytics/dora", headers=headers)
    finally:
        await tiny.dispose()
    assert rest.status_code == 503
    assert rest.headers["retry-after"] == "2"
    assert rest.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert graphql.status_code == 503
    assert graphql.headers["retry-after"] == "2"
    assert graphql.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert after.status_code == 200


async def test_item2_a_mutation_uses_the_request_connection(client, factory, statements, db):
    # One connection per request: the principal's read and the write share it, so a
    # mutation checks out exactly one connection from the pool.
    org = await factory.org()
    admin = await factory.user(org, "ada", role="admin")
    checkouts = 0

    def count(*_: object) -> None:
        nonlocal checkouts
        checkouts += 1

    event.listen(db.sync_engine.pool, "checkout", count)
    try:
        answer = await client.post(
            "/graphql",
            json={"query": 'mutation { createComponent(input: {name: "a", kind: "api"}) { id } }'},
            headers=factory.headers(admin),
        )
    finally:
        event.remove(db.sync_engine.pool, "checkout", count)
    assert "errors" not in answer.json()
    assert checkouts == 1


READ = "query { components(first: 1) { nodes { name } } }"


async def test_item2_reads_take_no_transaction_and_writes_take_one(db, factory, client):
    """On PostgreSQL a read request's statements run outside a transaction (READ
    COMMITTED gives each its own snapshot either way), and a connection back in the pool
    a moment ago is not pinged (tests/gateway/test_checkout_ping.py): no round trip
    before the request's own statements. A mutation's writes still run in one."""
    if db.dialect.name != "postgresql":
        # SQLite keeps its read transaction: there it is one snapshot for the request.
        return
    org = await factory.org()
    admin = await factory.user(org, "ada", role="admin")
    headers = factory.headers(admin)
    with simple_queries(db) as sent:
        await client.get("/graphql", headers=headers)  # any request: connections seen
        sent.clear()
        # (However slow the machine is between requests: no ping, see test_checkout_ping.)
        with returned_just_now(db):
            read = await client.post("/graphql", json={"query": READ}, headers=headers)
            reads = list(sent)
            sent.clear()
            write = await client.post(
                "/graphql", json={"query": CREATE, "variables": {"name": "svc"}}, headers=headers
            )
            writes = list(sent)
    assert read.status_code == 200 and "errors" not in read.json()
    assert write.status_code == 200 and "errors" not in write.json()
    assert reads == []
    assert writes == ["BEGIN ISOLATION LEVEL READ COMMITTED;"]
    async with db.connect() as conn:  # committed: another connection sees it
        names = (await conn.execute(select(Component.name))).scalars().all()
    assert names == ["svc"]
