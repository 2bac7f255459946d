"""A pooled connection is pinged at checkout only when it sat idle (gateway/db.py); one
the server closed the instant before its checkout is found by the request's first
statement, the caller's lookup, which is then tried once more on a new connection."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from gateway.db import FRESH_SECONDS, RETURNED
from tests.gateway.pool import returned_just_now, simple_queries

READ = "query { components(first: 1) { nodes { name } } }"


async def test_a_connection_back_a_moment_ago_is_not_pinged_and_an_idle_one_is(db, factory, client):
    if db.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's checkout rule: SQLite has no server to lose a connection to")
    org = await factory.org()
    headers = factory.headers(await factory.user(org, "ada", role="admin"))

    def idle(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # Runs before the ping: the connection looks as if it came back long ago.
        record.info[RETURNED] -= 2 * FRESH_SECONDS

    with simple_queries(db) as sent:
        await client.post("/graphql", json={"query": READ}, headers=headers)
        sent.clear()
        with returned_just_now(db):  # however slow the machine is between requests
            fresh = await client.post("/graphql", json={"query": READ}, headers=headers)
        after_fresh = list(sent)
        sent.clear()
        event.listen(db.sync_engine, "checkout", idle, insert=True)
        try:
            stale = await client.post("/graphql", json={"query": READ}, headers=headers)
        finally:
            event.remove(db.sync_engine, "checkout", idle)
        after_idle = list(sent)
    assert fresh.status_code == stale.status_code == 200
    assert after_fresh == []  # no round trip before the caller's lookup
    assert after_idle == [";"]  # one bare statement, no BEGIN/ROLLBACK around it


async def _terminate(url: str, pid: int) -> None:
    killer = create_async_engine(url, poolclass=NullPool)
    try:
        async with killer.connect() as conn:
            # With a timeout, pg_terminate_backend returns once the backend has exited.
            await conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    finally:
        await killer.dispose()


async def test_a_connection_closed_just_before_its_checkout_costs_the_caller_nothing(
    db, factory, client, caplog
):
    if db.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's; SQLite has no server to lose")
    org = await factory.org()
    headers = factory.headers(await factory.user(org, "ada", role="admin"))
    assert (await client.post("/graphql", json={"query": READ}, headers=headers)).is_success
    # The pool hands out the connection returned last: this one, next.
    async with db.connect() as conn:
        pid = await conn.scalar(text("SELECT pg_backend_pid()"))
    # given: its backend is terminated while this event loop is blocked (from a thread
    # of its own, joined), so nothing here has seen the socket close at the checkout
    url = db.url.render_as_string(hide_password=False)
    killer = threading.Thread(target=lambda: asyncio.run(_terminate(url, pid)))
    killer.start()
    killer.join()
    # when: the next request takes that connection, back in the pool a moment ago
    with returned_just_now(db), caplog.at_level(logging.WARNING, logger="gateway.db"):
        answer = await client.post("/graphql", json={"query": READ}, headers=headers)
    # then: the caller's lookup found it closed, and ran again on a new one
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"] == {"components": {"nodes": []}}
    assert "the caller's lookup found its connection closed; retrying" in caplog.text
    async with db.connect() as conn:
        assert await conn.scalar(text("SELECT pg_backend_pid()")) != pid
