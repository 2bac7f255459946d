"""The live side of one process: shared producers, and the clients they feed.

Two kinds of producer, both shared by every client of one organisation in this process:

- a *ticker* (``Hub.ticking``) computes a value every ``interval`` seconds, once for all
  its clients however many there are, and offers it to each. It is started by its first
  client and stopped when the last one leaves. A tick that fails (the database away) is
  logged, counted and skipped; the next one tries again. Ticks keep their rhythm: a slow
  computation delays one tick, and the missed ones are skipped, not run in a burst.
- the *broker* (gateway/live/broker.py; ``Hub.listening`` and ``Hub.publish``) delivers
  published events (a recorded agent action) to this organisation's listeners, and with
  Redis to every replica's.

Each client has a bounded queue (gateway/live/feeds.py): a client that stops reading is
dropped without holding anything up. The hub belongs to the app's Runtime: created and
started in the lifespan, closed when the app stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Any, Generic, TypeVar

from gateway.live.broker import Broker, Event
from gateway.live.feeds import Feed, Kind, counted
from gateway.metrics import LIVE_TICKS

log = logging.getLogger("gateway.live")

T = TypeVar("T")
# How many clients of each kind a ticker feeds (the realtime WebSocket counts its own).
Audience = Counter[str]
Compute = Callable[[Audience], Awaitable[Any]]


class Ticker(Generic[T]):
    """One shared periodic producer: ``compute`` once per tick, offered to every feed."""

    def __init__(self, stream: str, key: Hashable, interval: float, compute: Compute) -> None:
        self.stream = stream
        self.key = key
        self.interval = interval
        self.compute = compute
        self.feeds: set[Feed[T]] = set()
        self.stopped = False
        self._computing = False
        self.task = asyncio.create_task(self._run(), name=f"ticker {stream} {key}")

    def audience(self) -> Audience:
        return Counter(feed.kind for feed in self.feeds)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time() + self.interval
        while not self.stopped:
            await asyncio.sleep(max(0.0, due - loop.time()))
            if self.feeds:
                self._computing = True
                try:
                    await self._tick()
                finally:
                    self._computing = False
            due += self.interval
            if due < loop.time():
                # A computation longer than the interval: the next tick is one interval
                # from now, not a catch-up burst.
                due = loop.time() + self.interval

    async def _tick(self) -> None:
        try:
            value = await self.compute(self.audience())
        except Exception:
            LIVE_TICKS.labels(self.stream, "failed").inc()
            log.warning("live: a %s tick failed; skipped", self.stream, exc_info=True)
            return
        LIVE_TICKS.labels(self.stream, "computed").inc()
        for feed in list(self.feeds):
            if not feed.offer(value):
                # Its consumer sees ``dropped`` and leaves; nothing more is queued for it.
                self.feeds.discard(feed)

    def stop(self) -> None:
        """Stops at once when asleep; a tick under way finishes first, so a statement is
        never cancelled halfway (its connection goes back to the pool as usual)."""
        self.stopped = True
        if not self._computing:
            self.task.cancel()


class Hub:
    """This process's tickers and broker."""

    def __init__(self, broker: Broker | None = None) -> None:
        self.broker = broker or Broker()
        self.tickers: dict[tuple[str, Hashable], Ticker[Any]] = {}

    async def start(self) -> None:
        await self.broker.start()

    async def close(self) -> None:
        tickers, self.tickers = list(self.tickers.values()), {}
        for ticker in tickers:
            ticker.stop()
        await asyncio.gather(*(t.task for t in tickers), return_exceptions=True)
        await self.broker.close()

    @asynccontextmanager
    async def ticking(
        self,
        stream: str,
        key: Hashable,
        *,
        interval: float,
        compute: Callable[[Audience], Awaitable[T]],
        kind: Kind,
        size: int,
    ) -> AsyncIterator[Feed[T]]:
        """A feed of ``stream``'s ticks for ``key`` (an organisation): joins its ticker,
        starting it if this is the first client; leaving stops it if this was the last.
        ``compute`` is used only when this call starts the ticker."""
        ticker = self.tickers.get((stream, key))
        if ticker is None:
            ticker = self.tickers[(stream, key)] = Ticker(stream, key, interval, compute)
        feed: Feed[T] = Feed(kind, size)
        ticker.feeds.add(feed)
        try:
            async with counted(feed):
                yield feed
        finally:
            ticker.feeds.discard(feed)
            if not ticker.feeds and self.tickers.get((stream, key)) is ticker:
                del self.tickers[(stream, key)]
                ticker.stop()

    def listening(
        self,
        topic: str,
        org_id: Any,
        *,
        kind: Kind,
        size: int,
        accept: Callable[[Event], bool] | None = None,
    ) -> contextlib.AbstractAsyncContextManager[Feed[Event]]:
        """A feed of the events published on ``topic`` for this organisation."""
        return self.broker.listening(topic, org_id, kind=kind, size=size, accept=accept)

    def publish(self, topic: str, org_id: Any, event: Event) -> None:
        """Delivers ``event`` to this organisation's listeners here and, with Redis, on
        every replica. Never waits and never raises."""
        self.broker.publish(topic, org_id, event)
