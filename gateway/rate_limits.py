"""Request rate limits, with the ``limits`` library: counters in Redis
(``GATEWAY_REDIS_URL``), so that every replica counts against the same ones, or in this
process's memory when there is no Redis or it does not answer.

A limiter holds one set of limits (``100/minute;1000/hour``), fixed windows, keyed by
what it limits per: the incidents family per organisation and user, governance and the
GraphQL cost budget per organisation. A request is refused when any limit cannot take
its cost (1 for a REST call, the estimate for a GraphQL operation), before anything
counts it, so a refused request costs the caller nothing; an admitted one counts
against every limit. The refusal says when the first spent window frees
(``Retry-After``) and what is left of it (the ``RateLimit-*`` fields, gateway/errors.py).
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter

from gateway.errors import GatewayError
from gateway.redis_guard import RedisGuard, Unavailable

log = logging.getLogger("gateway.rate_limits")

T = TypeVar("T")

# Seconds a Redis command (or connecting) may take before the limiter counts in memory:
# an INCR answers in well under a millisecond, and a Redis that is away must not hold
# every request for the client's default (no timeout at all).
REDIS_TIMEOUT = 0.5


def parse_limits(text: str) -> list[RateLimitItem]:
    """``100/minute;1000/hour`` as limit items; ValueError naming what is wrong."""
    text = text.strip()
    if not text:
        return []
    try:
        return list(parse_many(text))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a list of rate limits such as 100/minute;1000/hour"
        ) from None


class Counters:
    """Where an app's limiters count: Redis when configured and answering, else memory.

    When Redis fails, the limiters count in this process's memory (limits still hold,
    per replica, from 0) and Redis is not asked again for ``retry_after`` seconds, so a
    dead Redis costs one timeout per interval, not one per request. Each change of
    store is logged once. All of an app's limiters share one, so an outage is one line.
    """

    def __init__(
        self,
        redis_url: str | None,
        *,
        prefix: str = "gateway-rate-limits",
        retry_after: float = 5.0,
    ) -> None:
        self.memory = FixedWindowRateLimiter(MemoryStorage())
        self.redis: FixedWindowRateLimiter | None = None
        if redis_url:
            storage = RedisStorage(
                f"async+{redis_url}",
                key_prefix=prefix,
                connect_timeout=REDIS_TIMEOUT,
                stream_timeout=REDIS_TIMEOUT,
            )
            self.redis = FixedWindowRateLimiter(storage)
        self.guard = RedisGuard(
            log,
            down="rate limits: Redis failed (%s); counting in this process's memory, "
            f"trying Redis again every {retry_after:g} s",
            back="rate limits: Redis answers again; counting in Redis",
            retry=retry_after,
        )

    async def run(self, work: Callable[[FixedWindowRateLimiter], Awaitable[T]]) -> T:
        """``work`` on Redis, or on memory when Redis is away (or resting after a failure)."""
        if self.redis is not None:
            redis = self.redis
            with contextlib.suppress(Unavailable):
                return await self.guard.call(lambda: work(redis))
        return await work(self.memory)

    def close(self) -> None:
        """Closes Redis's connections (at the app's shutdown)."""
        storage = getattr(self.redis, "storage", None)
        client = getattr(getattr(storage, "bridge", None), "storage", None)
        pool = getattr(client, "connection_pool", None)
        if pool is not None:
            pool.disconnect()


@dataclass(frozen=True)
class Refusal:
    limit: RateLimitItem
    retry_after: int
    # What is left of the spent window: less than the cost asked (0 for a REST call).
    remaining: int
    # Whose budget: "user" or "organization" (the words of the error's message).
    per: str

    def error(self) -> GatewayError:
        return GatewayError(
            "RATE_LIMITED",
            f"per-{self.per} rate limit of {self.limit} exceeded; retry in {self.retry_after} s",
            details={
                "retry_after": self.retry_after,
                "limit": self.limit.amount,
                "remaining": self.remaining,
                "window_seconds": self.limit.get_expiry(),
            },
        )


class RateLimiter:
    """One set of limits, named (the name keeps its counters apart from other sets')."""

    def __init__(
        self, name: str, items: list[RateLimitItem], counters: Counters, *, per: str
    ) -> None:
        self.name = name
        self.items = items
        self.counters = counters
        self.per = per

    async def hit(self, *key: str, cost: int = 1) -> Refusal | None:
        """Counts ``cost`` for ``key`` against every limit, or says which cannot take it."""
        return await self.counters.run(lambda strategy: self._hit(strategy, key, cost))

    async def _hit(
        self, strategy: FixedWindowRateLimiter, key: tuple[str, ...], cost: int
    ) -> Refusal | None:
        ids = (self.name, *key)
        for item in self.items:
            if not await strategy.test(item, *ids, cost=cost):
                stats = await strategy.get_window_stats(item, *ids)
                wait = max(1, math.ceil(stats.reset_time - time.time()))
                return Refusal(item, wait, stats.remaining, self.per)
        for item in self.items:
            await strategy.hit(item, *ids, cost=cost)
        return None
