"""Redis on a request's path, for what keeps working without it (rate-limit counters,
the answer cache, persisted queries, read-your-writes positions).

A call is bounded (a client without retries, each call within a timeout); after a
failure Redis rests for ``retry`` seconds, so a dead or silent Redis costs one timeout
per interval, not one per request; and each outage is one warning line, each recovery
one info line. The caller says what it does meanwhile (memory, or nothing).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import coredis
from coredis.retry import NoRetryPolicy

T = TypeVar("T")


class Unavailable(Exception):
    """Redis failed just now, or is resting after a failure: use what works without it."""


def fail_fast_client(url: str, timeout: float) -> coredis.Redis[str]:
    """A client whose connect and reads each end within ``timeout``, without retries (a
    retry would double the time a dead Redis holds a request)."""
    return coredis.Redis.from_url(
        url,
        decode_responses=True,
        connect_timeout=timeout,
        stream_timeout=timeout,
        retry_policy=NoRetryPolicy(),
    )


class RedisGuard:
    def __init__(
        self,
        log: logging.Logger,
        *,
        down: str,
        back: str,
        retry: float = 5.0,
        timeout: float | None = None,
    ) -> None:
        """``down``: the warning, with one ``%s`` for the kind of failure; ``back``: the
        info line; ``timeout``: each call's bound (None: the client's own bounds)."""
        self.log = log
        self.down = down
        self.back = back
        self.retry = retry
        self.timeout = timeout
        self._retry_at: float | None = None

    @property
    def resting(self) -> bool:
        return self._retry_at is not None and time.monotonic() < self._retry_at

    async def call(self, work: Callable[[], Awaitable[T]]) -> T:
        """``work``'s result; Unavailable when Redis rests or fails now."""
        if self.resting:
            raise Unavailable
        try:
            if self.timeout is None:
                result = await work()
            else:
                result = await asyncio.wait_for(work(), self.timeout)
        except Exception as error:
            if self._retry_at is None:
                self.log.warning(self.down, type(error).__name__)
            self._retry_at = time.monotonic() + self.retry
            raise Unavailable from error
        if self._retry_at is not None:
            self._retry_at = None
            self.log.info(self.back)
        return result
