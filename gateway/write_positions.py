"""Where each organisation's last write committed on the primary (a WAL LSN), kept for a
while, so that its next reads wait for a replica that has replayed it (gateway/replica.py).

Each process keeps its own organisations' positions in memory. With ``GATEWAY_REDIS_URL``
they are also written to Redis (a key per organisation, expiring with the record), so a
read on one gateway process sees a write made through another. Redis away: positions
are this process's only, with one log line when it goes and one when it is back; a read
on another process may then see the replica's older rows, for at most the maximum lag.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Hashable

from gateway.redis_guard import RedisGuard, Unavailable, fail_fast_client

log = logging.getLogger("gateway.replica")

# Keeps the larger of two positions: two requests of one organisation may commit in one
# order and record in the other.
KEEP_LARGER = """
local known = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > known then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 0
"""
REDIS_TIMEOUT = 0.5
# After a failure, Redis is left alone this long: requests do not each wait for it.
REDIS_RETRY = 5.0


class WritePositions:
    def __init__(
        self, ttl: float, redis_url: str | None = None, prefix: str = "gateway-replica"
    ) -> None:
        self.ttl = ttl
        self.prefix = prefix
        # Organisation -> (position, monotonic expiry).
        self._memory: dict[Hashable, tuple[int, float]] = {}
        self._redis = fail_fast_client(redis_url, REDIS_TIMEOUT) if redis_url else None
        self._guard = RedisGuard(
            log,
            down="Redis unreachable (%s): write positions are this process's only",
            back="Redis back: write positions are shared again",
            retry=REDIS_RETRY,
            timeout=REDIS_TIMEOUT,
        )

    async def record(self, org_id: Hashable, position: int) -> None:
        known = self._memory.get(org_id)
        if known is None or known[0] < position:
            self._memory[org_id] = (position, time.monotonic() + self.ttl)
        if (redis := self._redis) is not None:
            with contextlib.suppress(Unavailable):
                await self._guard.call(
                    lambda: redis.eval(
                        KEEP_LARGER,
                        keys=[self._key(org_id)],
                        args=[str(position), str(int(self.ttl * 1000))],
                    )
                )

    async def get(self, org_id: Hashable) -> int | None:
        """The organisation's last recorded write position, if still kept."""
        known = self._memory.get(org_id)
        position = known[0] if known is not None and known[1] >= time.monotonic() else None
        if (redis := self._redis) is not None:
            with contextlib.suppress(Unavailable):
                shared = await self._guard.call(lambda: redis.get(self._key(org_id)))
                if shared is not None:
                    position = max(position or 0, int(shared))
        return position

    def forget_expired(self) -> None:
        now = time.monotonic()
        for org_id in [org for org, (_, expiry) in self._memory.items() if expiry < now]:
            del self._memory[org_id]

    def close(self) -> None:
        if self._redis is not None:
            self._redis.connection_pool.disconnect()

    def _key(self, org_id: Hashable) -> str:
        return f"{self.prefix}:{org_id}"
