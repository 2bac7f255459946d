"""Live events (a recorded agent action) to every listener of an organisation: in this
process, and with Redis on every replica.

- Publishing delivers at once to this process's listeners of that topic and
  organisation, then queues the event for Redis (``PUBLISH`` on one channel,
  ``GATEWAY_LIVE_CHANNEL``, with the topic and organisation in the message). A publisher
  never waits for Redis: a task sends the queue, at most ``OUTBOX`` events behind.
- Each process holds ONE Redis subscription to that channel and fans each message out
  to its own listeners. Messages carry the publishing process's id, so a process skips
  its own (already delivered locally).
- Redis down: publishing logs a warning once per outage and counts
  ``gateway_live_broker_errors_total``; local delivery goes on, so listeners on the
  replica where an action is recorded still see it. A subscription that cannot be made
  is retried with backoff (1 s doubling to 30 s), and one that drops is renewed by the
  client library when Redis is back.
- Without ``GATEWAY_REDIS_URL``, delivery is in-process only.

Events are JSON objects; each listener's feed is bounded (gateway/live/feeds.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import coredis

from gateway.live.feeds import Feed, Kind, counted
from gateway.metrics import LIVE_BROKER_ERRORS

log = logging.getLogger("gateway.live")

Event = dict[str, Any]
# Events waiting for Redis; past this, new ones are delivered locally only.
OUTBOX = 1000
PUBLISH_TIMEOUT = 2.0
RETRY_FIRST, RETRY_MAX = 1.0, 30.0
# How often the subscription's Redis is asked whether it is there, and how long it has.
WATCH_INTERVAL, WATCH_TIMEOUT = 0.5, 1.0
# Closing: cancel the broker's tasks up to this many times, waiting this long each time.
CLOSE_ATTEMPTS, CLOSE_WAIT = 5, 1.0


class Broker:
    def __init__(self, redis_url: str | None = None, channel: str = "gateway-live") -> None:
        self.redis_url = redis_url
        self.channel = channel
        # This process, so that it can tell its own messages from other replicas'.
        self.origin = uuid.uuid4().hex
        self.listeners: dict[tuple[str, str], set[Feed[Event]]] = defaultdict(set)
        # Set while this process holds its Redis subscription.
        self.subscribed = asyncio.Event()
        self._redis: coredis.Redis[str] | None = None
        self._outbox: asyncio.Queue[str] = asyncio.Queue(OUTBOX)
        self._tasks: list[asyncio.Task[None]] = []
        self._redis_down = False
        self._outbox_full = False
        self._closing = False

    async def start(self) -> None:
        if self.redis_url is None:
            return
        self._redis = coredis.Redis.from_url(self.redis_url, decode_responses=True)
        self._tasks = [
            asyncio.create_task(self._subscribe(), name="live broker subscription"),
            asyncio.create_task(self._send(), name="live broker publisher"),
        ]

    async def close(self) -> None:
        # coredis's pub/sub can swallow a cancellation while it tears down a connection
        # to a Redis that went away, and the loop would go on retrying: the flag ends it,
        # and a task that still runs is cancelled again rather than waited on for ever.
        self._closing = True
        pending = set(self._tasks)
        for _ in range(CLOSE_ATTEMPTS):
            if not pending:
                break
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=CLOSE_WAIT)
        if pending:
            log.warning("live: %d broker task(s) did not stop; left behind", len(pending))
        self._tasks = []
        if self._redis is not None:
            self._redis.connection_pool.disconnect()
            self._redis = None

    # --- listeners -------------------------------------------------------------------

    @asynccontextmanager
    async def listening(
        self,
        topic: str,
        org_id: Any,
        *,
        kind: Kind,
        size: int,
        accept: Callable[[Event], bool] | None = None,
    ) -> AsyncIterator[Feed[Event]]:
        key = (topic, str(org_id))
        feed: Feed[Event] = Feed(kind, size, accept)
        self.listeners[key].add(feed)
        try:
            async with counted(feed):
                yield feed
        finally:
            listeners = self.listeners.get(key)
            if listeners is not None:
                listeners.discard(feed)
                if not listeners:
                    del self.listeners[key]

    def _deliver(self, topic: str, org: str, event: Event) -> None:
        listeners = self.listeners.get((topic, org))
        for feed in list(listeners or ()):
            if not feed.offer(event):
                listeners.discard(feed)  # type: ignore[union-attr]

    # --- publishing ------------------------------------------------------------------

    def publish(self, topic: str, org_id: Any, event: Event) -> None:
        org = str(org_id)
        self._deliver(topic, org, event)
        if self._redis is None:
            return
        message = json.dumps({"origin": self.origin, "topic": topic, "org": org, "event": event})
        try:
            self._outbox.put_nowait(message)
        except asyncio.QueueFull:
            LIVE_BROKER_ERRORS.labels("publish").inc()
            if not self._outbox_full:
                # Once until the queue drains: an outage must not flood the log.
                self._outbox_full = True
                log.warning("live: %d events wait for Redis; newer ones stay local", OUTBOX)

    async def _send(self) -> None:
        assert self._redis is not None
        while True:
            if self._outbox.empty():
                self._outbox_full = False
            message = await self._outbox.get()
            try:
                await asyncio.wait_for(self._publish(message), PUBLISH_TIMEOUT)
            except Exception as exc:
                LIVE_BROKER_ERRORS.labels("publish").inc()
                if not self._redis_down:
                    self._redis_down = True
                    log.warning(
                        "live: Redis did not take an event (%s); other replicas miss it, "
                        "this one delivered it locally",
                        exc or type(exc).__name__,
                    )
            else:
                if self._redis_down:
                    self._redis_down = False
                    log.info("live: Redis takes events again")

    async def _publish(self, message: str) -> None:
        assert self._redis is not None
        await self._redis.publish(self.channel, message)

    # --- the one subscription --------------------------------------------------------

    async def _subscribe(self) -> None:
        assert self._redis is not None
        delay = RETRY_FIRST
        while not self._closing:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self.subscribed.set()
                delay = RETRY_FIRST
                await first_failure(self._read(pubsub), self._watch())
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                LIVE_BROKER_ERRORS.labels("subscribe").inc()
                log.warning(
                    "live: no Redis subscription (%s); retrying in %.0f s, events from "
                    "other replicas wait until then",
                    exc or type(exc).__name__,
                    delay,
                )
            finally:
                self.subscribed.clear()
                # close (a reset), not coredis's async exit: that unsubscribes first, which
                # over a connection to a Redis that went away raises before it cancels the
                # pub/sub's consumer task, and that task then spins on ConnectionError,
                # a core busy for the whole outage (coredis 5.7).
                pubsub.close()
            if self._closing:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX)

    async def _read(self, pubsub: Any) -> None:
        async for message in pubsub:
            self._receive(message["data"])

    async def _watch(self) -> None:
        """Raises once Redis stops answering. coredis's pub/sub does not say so: its
        consumer task retries on ConnectionError in a tight loop (a core busy for the
        whole outage) while the iteration above waits; a failed PING ends both."""
        assert self._redis is not None
        while True:
            await asyncio.sleep(WATCH_INTERVAL)
            await asyncio.wait_for(self._redis.ping(), WATCH_TIMEOUT)

    def _receive(self, data: object) -> None:
        try:
            message = json.loads(str(data))
            if message["origin"] == self.origin:
                return
            topic, org, event = message["topic"], message["org"], message["event"]
        except (ValueError, KeyError, TypeError):
            log.warning("live: an unreadable message on %s was ignored", self.channel)
            return
        if isinstance(topic, str) and isinstance(org, str) and isinstance(event, dict):
            self._deliver(topic, org, event)


async def first_failure(*work: Coroutine[Any, Any, None]) -> None:
    """Runs ``work`` side by side until one ends, cancels the others, and raises what
    ended it (if it raised)."""
    tasks = [asyncio.ensure_future(item) for item in work]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        task.result()
