"""Redis stopped mid-traffic (issue 13: "rate limits fall back to memory"): the limits
go on holding, counted in this process's memory, with no 5xx and one warning; when
Redis answers again the counters are Redis's once more."""

from __future__ import annotations

import asyncio
import logging
import time

from tests.apps import app_client
from tests.rate_limits import RedisServer, redis_server

__all__ = ["redis_server"]  # the fixture, used by name

PATH = "/v1/analytics/governance/summary"
RETRY = 0.3  # rate_limit_redis_retry: seconds in memory before Redis is asked again


async def test_a_stopped_redis_falls_back_to_memory_and_back(
    db, settings, factory, redis_server: RedisServer, caplog
):
    # given: an organisation limited to 3 a minute, counted in a Redis of the test's own
    headers = factory.headers(await factory.user(await factory.org(), "ana"))
    changes = {
        "governance_rate_limits": "3/minute",
        "redis_url": redis_server.url,
        "rate_limit_redis_retry": RETRY,
    }
    caplog.set_level(logging.INFO, logger="gateway.rate_limits")
    async with app_client(db, settings, **changes) as client:

        async def statuses(count: int) -> list[int]:
            return [(await client.get(PATH, headers=headers)).status_code for _ in range(count)]

        in_redis = await statuses(2)  # Redis counts 2
        # when: Redis stops
        redis_server.stop()
        started = time.monotonic()
        # Memory counts from 0: 3 admitted, then refused.
        in_memory = await statuses(5)
        elapsed = time.monotonic() - started
        said_while_down = [r.message for r in caplog.records if r.name == "gateway.rate_limits"]
        # and: Redis is back (empty: it keeps nothing on disk)
        redis_server.start()
        await asyncio.sleep(RETRY + 0.1)
        # Memory's count (3) would refuse; Redis's (0, then 1, 2, 3) admits 3 more.
        back_in_redis = await statuses(4)
    said = [r.message for r in caplog.records if r.name == "gateway.rate_limits"]
    # then
    assert in_redis == [200, 200]
    assert in_memory == [200, 200, 200, 429, 429]
    assert back_in_redis == [200, 200, 200, 429]
    # A refused connection fails at once: no request waited for Redis.
    assert elapsed < 2
    assert len(said_while_down) == 1
    assert said_while_down[0].startswith("rate limits: Redis failed (")
    assert said[1:] == ["rate limits: Redis answers again; counting in Redis"]
