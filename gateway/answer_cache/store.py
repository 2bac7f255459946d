"""Where cached answers live: Redis (shared by every replica) or this process's memory.

Invalidation is by generation. Each organisation has a counter, and every entry's key
holds the counter's value read before the answer was computed, so a write (one INCR)
makes every older entry of that organisation unreachable at once, on every replica,
without finding or deleting any of them; they expire by their TTL. An epoch counter,
in every key as well, does the same for all organisations at once (an import, a CLI
command, or writes that happened while Redis was away).

Redis away (or slower than ``TIMEOUT``): the cache is skipped, never waited on, and one
warning is logged; after ``RETRY`` seconds the next request tries again, and one info
line says it is back. While away it is skipped rather than replaced by memory: another
replica's writes could not reach a memory copy, so it would serve answers they changed.
A write whose INCR did not reach Redis is remembered, and the epoch is bumped before
the cache is used again, so no answer computed before that write is served after it.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from gateway.metrics import ANSWER_CACHE_ERRORS
from gateway.redis_guard import RedisGuard, Unavailable, fail_fast_client
from gateway.settings import Settings

log = logging.getLogger("gateway.answer_cache")

T = TypeVar("T")
# A cache that answers more slowly than this is slower than the work it saves.
TIMEOUT = 0.25
# How long the cache stays skipped after Redis failed once.
RETRY = 5.0
# A larger answer (its JSON) is not kept: big exports are rarely asked twice in a TTL,
# and a few of them would crowd out every dashboard's answers.
MAX_ANSWER_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Found:
    """A lookup: the generation stamp the key was built on, and the answer if stored."""

    stamp: str
    answer: str | None


class Backend(Protocol):
    async def lookup(self, org: str, digest: str) -> Found: ...
    async def store(self, org: str, stamp: str, digest: str, answer: str, ttl: float) -> None: ...
    async def bump(self, org: str) -> None: ...
    async def bump_all(self) -> None: ...
    async def close(self) -> None: ...


class MemoryBackend:
    """An LRU of at most ``max_bytes`` of answers (their JSON's length), with TTLs."""

    def __init__(self, max_bytes: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_bytes = max_bytes
        self.clock = clock
        self.size = 0
        self._epoch = 0
        self._generations: dict[str, int] = {}
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def _stamp(self, org: str) -> str:
        return f"{self._epoch}.{self._generations.get(org, 0)}"

    async def lookup(self, org: str, digest: str) -> Found:
        stamp = self._stamp(org)
        key = f"{org}:{stamp}:{digest}"
        entry = self._entries.get(key)
        if entry is None:
            return Found(stamp, None)
        expires, answer = entry
        if expires <= self.clock():
            self._drop(key)
            return Found(stamp, None)
        self._entries.move_to_end(key)
        return Found(stamp, answer)

    async def store(self, org: str, stamp: str, digest: str, answer: str, ttl: float) -> None:
        if stamp != self._stamp(org) or len(answer) > self.max_bytes:
            return  # written meanwhile: the answer may predate the write
        key = f"{org}:{stamp}:{digest}"
        self._drop(key)
        self._entries[key] = (self.clock() + ttl, answer)
        self.size += len(answer)
        while self.size > self.max_bytes:
            self._drop(next(iter(self._entries)))

    async def bump(self, org: str) -> None:
        self._generations[org] = self._generations.get(org, 0) + 1

    async def bump_all(self) -> None:
        self._epoch += 1

    async def close(self) -> None:
        self._entries.clear()
        self.size = 0

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.size -= len(entry[1])


class RedisBackend:
    """Keys: ``<prefix>:epoch``, ``<prefix>:gen:<org>``, ``<prefix>:ans:<org>:<stamp>:<digest>``.

    The counters have no TTL and the answers all have one: with ``maxmemory-policy``
    ``volatile-lru`` (or ``volatile-ttl``), Redis under pressure drops answers, never a
    counter (a counter dropped would make older answers reachable again).
    """

    def __init__(self, url: str, prefix: str) -> None:
        self.prefix = prefix
        # Without retries: a request never waits on Redis for more than TIMEOUT.
        self.redis = fail_fast_client(url, TIMEOUT)

    async def lookup(self, org: str, digest: str) -> Found:
        epoch, generation = await self.redis.mget([f"{self.prefix}:epoch", self._gen(org)])
        stamp = f"{epoch or 0}.{generation or 0}"
        return Found(stamp, await self.redis.get(self._answer(org, stamp, digest)))

    async def store(self, org: str, stamp: str, digest: str, answer: str, ttl: float) -> None:
        # An answer stored under a stamp a write has since moved past is never read.
        await self.redis.set(self._answer(org, stamp, digest), answer, px=max(1, int(ttl * 1000)))

    async def bump(self, org: str) -> None:
        await self.redis.incr(self._gen(org))

    async def bump_all(self) -> None:
        await self.redis.incr(f"{self.prefix}:epoch")

    async def close(self) -> None:
        self.redis.connection_pool.disconnect()

    def _gen(self, org: str) -> str:
        return f"{self.prefix}:gen:{org}"

    def _answer(self, org: str, stamp: str, digest: str) -> str:
        return f"{self.prefix}:ans:{org}:{stamp}:{digest}"


class AnswerCache:
    """The answers of one deployment: looked up and stored by the GraphQL extension
    (gateway/answer_cache/extension.py), invalidated by ``changed``."""

    def __init__(self, backend: Backend, ttl: float, *, shared: bool) -> None:
        self.backend = backend
        self.ttl = ttl
        # Redis: failures are possible, and handled as described at the top.
        self.shared = shared
        self._guard = RedisGuard(
            log,
            down="answer cache: Redis failed (%s); answers are computed uncached, "
            f"trying again every {RETRY:g} s",
            back="answer cache: Redis answers again; the cache is back",
            retry=RETRY,
            timeout=TIMEOUT,
        )
        self._lost_write = False

    @classmethod
    def from_settings(cls, settings: Settings) -> AnswerCache:
        backend: Backend
        if settings.redis_url:
            backend = RedisBackend(settings.redis_url, settings.cache_prefix)
        else:
            backend = MemoryBackend(settings.cache_memory_bytes)
        return cls(backend, settings.cache_ttl, shared=settings.redis_url is not None)

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    async def lookup(self, org: object, digest: str) -> Found | None:
        """The stamp and any stored answer; None when the cache cannot be used now."""
        try:
            return await self._guarded("lookup", lambda: self.backend.lookup(str(org), digest))
        except Unavailable:
            return None

    async def store(self, org: object, found: Found, digest: str, answer: str) -> None:
        if len(answer) > MAX_ANSWER_BYTES:
            return
        with contextlib.suppress(Unavailable):
            await self._guarded(
                "store",
                lambda: self.backend.store(str(org), found.stamp, digest, answer, self.ttl),
            )

    async def changed(self, org: object) -> None:
        """The organisation's data changed: no answer cached before this is served again."""
        await self._bump(lambda: self.backend.bump(str(org)))

    async def changed_everywhere(self) -> None:
        """Every organisation's data may have changed (an import, a CLI command)."""
        await self._bump(self.backend.bump_all)

    async def close(self) -> None:
        await self.backend.close()

    async def _bump(self, call: Callable[[], Awaitable[None]]) -> None:
        if not self.enabled:
            return
        try:
            await self._guarded("bump", call)
        except Unavailable:
            self._lost_write = True

    async def _guarded(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        if not self.shared:
            return await call()

        async def work() -> T:
            if self._lost_write:
                # Before anything is read again: answers from before an unrecorded write.
                await self.backend.bump_all()
                self._lost_write = False
            return await call()

        if self._guard.resting:
            raise Unavailable
        try:
            return await self._guard.call(work)
        except Unavailable:
            ANSWER_CACHE_ERRORS.labels(operation).inc()
            raise
