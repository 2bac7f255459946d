"""``/readyz`` checks the database and, when GATEWAY_REDIS_URL is set, Redis (the Redis
on 127.0.0.1:6379 that CI runs), and names the check that failed."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app import create_app
from gateway.settings import Settings
from tests.rate_limits import REDIS, needs_redis


@asynccontextmanager
async def client_with(db: AsyncEngine, settings: Settings, **changes: Any) -> AsyncIterator[Any]:
    app = create_app(settings.model_copy(update=changes), engine=db, run_migrations=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            yield c


def closed_port() -> int:
    """A port nothing listens on: taken from the system, then let go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@needs_redis
async def test_ready_when_the_database_and_the_configured_redis_answer(
    db: AsyncEngine, settings: Settings
) -> None:
    # given: an app configured with the Redis that runs here
    async with client_with(db, settings, redis_url=REDIS) as client:
        # when
        answer = await client.get("/readyz")
    # then
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


async def test_unavailable_naming_redis_when_the_configured_redis_is_away(
    db: AsyncEngine, settings: Settings
) -> None:
    # given: an app configured with a Redis on a port nothing listens on
    async with client_with(db, settings, redis_url=f"redis://127.0.0.1:{closed_port()}/0") as c:
        # when
        answer = await c.get("/readyz")
    # then: the database is fine; the body names only the failed check (no URL)
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "failed": ["redis"]}


async def test_without_redis_configured_only_the_database_is_checked(
    client: httpx.AsyncClient,
) -> None:
    # when: the test environment sets no GATEWAY_REDIS_URL
    answer = await client.get("/readyz")
    # then
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}
