"""``/readyz``: whether this replica can serve, for a load balancer or an orchestrator.

It checks what a request needs and the replica cannot do without: the database, and
Redis when one is configured (replicas share rate limits and live events through it). A
read replica is not among them: while it is away reads go to the primary. A
failing check answers 503 naming the check, and nothing more (no URL, no error text: the
endpoint is public); the reason goes to the log.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.redis_guard import fail_fast_client

log = logging.getLogger("gateway")

# Short enough that a balancer's own timeout (a few seconds) sees the 503, not a hang.
REDIS_TIMEOUT_SECONDS = 1.0


async def database_ready(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        log.exception("readiness check failed: database")
        return False
    return True


async def redis_ready(url: str) -> bool:
    # A connection of its own, not the live broker's: the check must not wait behind a
    # subscription, and a broker that has given up on Redis must not hide a recovery.
    client = fail_fast_client(url, REDIS_TIMEOUT_SECONDS)
    try:
        async with asyncio.timeout(REDIS_TIMEOUT_SECONDS * 2):
            await client.ping()
    except Exception:
        log.warning("readiness check failed: redis", exc_info=True)
        return False
    finally:
        client.connection_pool.disconnect()
    return True


async def readyz(request: Request) -> Response:
    runtime = request.app.state.runtime
    failed = [] if await database_ready(runtime.engine) else ["database"]
    redis_url = runtime.settings.redis_url
    if redis_url is not None and not await redis_ready(redis_url):
        failed.append("redis")
    if failed:
        return JSONResponse({"status": "unavailable", "failed": failed}, status_code=503)
    body: dict[str, Any] = {"status": "ok"}
    if runtime.replica is not None:
        # A replica that is away leaves the gateway ready (its reads go to the
        # primary); its state is reported beside.
        body["replica"] = runtime.replica.health.describe()
    return JSONResponse(body)
