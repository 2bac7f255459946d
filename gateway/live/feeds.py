"""One live client's bounded queue, and the accounting of clients coming and going.

A producer (a ticker, the broker) never waits for a client: it offers each message to
every client's queue and moves on. A queue that is full means that client has stopped
reading (its socket's send is blocked); it is dropped at once, so one slow reader never
stalls the producer or the other clients. Its consumer sees the drop (``dropped`` is set,
and ``next`` raises ``Dropped``) and ends the connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Generic, Literal, TypeVar

from gateway.metrics import LIVE_CLIENTS, LIVE_DISCONNECTS

T = TypeVar("T")
# Which door a client came through: the documented WebSocket, or a GraphQL subscription.
Kind = Literal["websocket", "graphql"]


class Dropped(Exception):
    """The client fell a whole queue behind and was dropped."""


class Feed(Generic[T]):
    """The messages waiting for one client, at most ``size``."""

    def __init__(self, kind: Kind, size: int, accept: Callable[[T], bool] | None = None) -> None:
        self.kind = kind
        self.size = size
        # A filter applied before queueing, so what a client does not want takes no room.
        self.accept = accept
        self.dropped = asyncio.Event()
        # Why the client went, for the disconnect counter.
        self.reason = "client"
        self._queue: asyncio.Queue[T] = asyncio.Queue(size)

    def offer(self, item: T) -> bool:
        """Queues ``item`` without waiting; False once the client is dropped."""
        if self.dropped.is_set():
            return False
        if self.accept is not None and not self.accept(item):
            return True
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.reason = "slow"
            self.dropped.set()
            return False
        return True

    async def next(self) -> T:
        """The next message. A consumer waiting here has an empty queue, which cannot
        overflow, so a drop is only ever seen between two calls."""
        if self.dropped.is_set():
            raise Dropped
        return await self._queue.get()

    def __aiter__(self) -> AsyncIterator[T]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[T]:
        while True:
            yield await self.next()


@asynccontextmanager
async def counted(feed: Feed[T]) -> AsyncIterator[Feed[T]]:
    """Counts the client as open while inside, and its leaving, with the reason."""
    LIVE_CLIENTS.labels(feed.kind).inc()
    try:
        yield feed
    except Dropped:
        feed.reason = "slow"
        raise
    except Exception:
        feed.reason = "error" if feed.reason == "client" else feed.reason
        raise
    finally:
        LIVE_CLIENTS.labels(feed.kind).dec()
        LIVE_DISCONNECTS.labels(feed.kind, feed.reason).inc()
