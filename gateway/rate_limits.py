"""Request rate limits, with the ``limits`` library: counters in memory, or in Redis
(``GATEWAY_REDIS_URL``) so that every replica counts against the same ones.

A limiter holds one family's limits (``100/minute;1000/hour``), fixed windows, keyed by
what the family limits per (the incidents family: organisation and user). A request is
refused when any limit is spent, before anything counts it, so a refused request costs
the caller nothing; an admitted one counts against every limit. The refusal says when
the first spent window frees (``Retry-After``) and carries the ``RateLimit-*`` fields.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

from gateway.errors import GatewayError

log = logging.getLogger("gateway.rate_limits")


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


def storage_for(redis_url: str | None, prefix: str) -> Storage:
    """Redis (``redis://`` or ``rediss://``) when given, else this process's memory."""
    if not redis_url:
        return MemoryStorage()
    return RedisStorage(f"async+{redis_url}", key_prefix=prefix)


@dataclass(frozen=True)
class Refusal:
    limit: RateLimitItem
    retry_after: int

    def error(self) -> GatewayError:
        amount, per = self.limit.amount, self.limit.get_expiry()
        return GatewayError(
            "RATE_LIMITED",
            f"rate limit of {self.limit} exceeded; retry in {self.retry_after} s",
            details={
                "retry_after": self.retry_after,
                "limit": amount,
                "window_seconds": per,
            },
        )


class RateLimiter:
    def __init__(self, items: list[RateLimitItem], storage: Storage) -> None:
        self.items = items
        self.storage = storage
        self.strategy = FixedWindowRateLimiter(storage)

    async def hit(self, *key: str) -> Refusal | None:
        """Counts a request of ``key`` against every limit, or says which is spent.

        A counter store that fails (Redis unreachable) admits the request and logs: a
        limit protects the service, and refusing everyone would be the outage itself.
        """
        try:
            return await self._hit(*key)
        except Exception:
            log.warning("rate-limit storage failed; admitting the request", exc_info=True)
            return None

    async def _hit(self, *key: str) -> Refusal | None:
        for item in self.items:
            if not await self.strategy.test(item, *key):
                stats = await self.strategy.get_window_stats(item, *key)
                return Refusal(item, max(1, math.ceil(stats.reset_time - time.time())))
        for item in self.items:
            await self.strategy.hit(item, *key)
        return None

    def close(self) -> None:
        """Closes a Redis store's connections (at the app's shutdown)."""
        client = getattr(getattr(self.storage, "bridge", None), "storage", None)
        pool = getattr(client, "connection_pool", None)
        if pool is not None:
            pool.disconnect()
