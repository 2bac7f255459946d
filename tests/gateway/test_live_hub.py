"""The live hub on its own: bounded feeds that drop a client instead of waiting for it,
tickers shared by their feeds (a failed tick skipped, a tick under way never cut), and
the broker's delivery by topic and organisation, and its closing once Redis is gone."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest

from bench.processes import redis_server, redis_unavailable
from gateway.errors import GatewayError
from gateway.live import Dropped, Feed, Hub
from gateway.live.broker import Broker
from gateway.settings import Settings
from resolvers.agents import subscriptions
from tests.agents.live import eventually, sample


async def test_a_full_feed_drops_its_client_and_never_blocks_the_producer() -> None:
    feed: Feed[int] = Feed("websocket", 2)

    assert feed.offer(1) and feed.offer(2)
    assert not feed.offer(3)  # full: dropped, at once
    assert feed.dropped.is_set() and feed.reason == "slow"
    assert not feed.offer(4)
    with pytest.raises(Dropped):
        await feed.next()


async def test_a_ticker_computes_once_per_tick_for_all_its_feeds() -> None:
    hub, audiences = Hub(), []

    async def compute(audience: Counter[str]) -> object:
        audiences.append(dict(audience))
        return object()

    async with (
        hub.ticking("s", "org", interval=0.05, compute=compute, kind="websocket", size=4) as a,
        hub.ticking("s", "org", interval=0.05, compute=compute, kind="graphql", size=4) as b,
        hub.ticking("s", "org", interval=0.05, compute=compute, kind="graphql", size=4) as c,
    ):
        firsts = [await a.next(), await b.next(), await c.next()]
    await hub.close()

    assert firsts[0] is firsts[1] is firsts[2]
    assert audiences[0] == {"websocket": 1, "graphql": 2}
    assert hub.tickers == {}


async def test_a_failed_tick_is_skipped_and_the_next_one_runs(caplog) -> None:
    hub, outcomes = Hub(), iter([RuntimeError("database away"), "second"])
    failed = sample("gateway_live_ticks_total", stream="flaky", outcome="failed")

    async def compute(_: Counter[str]) -> str:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async with hub.ticking(
        "flaky", "org", interval=0.02, compute=compute, kind="websocket", size=2
    ) as feed:
        assert await asyncio.wait_for(feed.next(), 2) == "second"

    assert sample("gateway_live_ticks_total", stream="flaky", outcome="failed") == failed + 1
    assert "a flaky tick failed; skipped" in caplog.text


async def test_the_last_client_leaving_lets_a_tick_under_way_finish() -> None:
    hub, started, release, finished = Hub(), asyncio.Event(), asyncio.Event(), []

    async def compute(_: Counter[str]) -> str:
        started.set()
        await release.wait()
        finished.append(True)
        return "done"

    async with hub.ticking("slow", "org", interval=0.01, compute=compute, kind="graphql", size=2):
        await started.wait()
        ticker = hub.tickers[("slow", "org")]
    # Stopped, but its statement is not cut in half: the tick ends, then the task.
    assert hub.tickers == {} and not ticker.task.done()
    release.set()
    await asyncio.wait_for(ticker.task, 2)
    assert finished == [True] and not ticker.task.cancelled()


async def test_the_broker_delivers_by_topic_and_organisation_with_each_filter() -> None:
    hub, org, other = Hub(), uuid.uuid4(), uuid.uuid4()
    high = lambda event: event["risk"] == "high"  # noqa: E731
    async with (
        hub.listening("t", org, kind="graphql", size=4) as everything,
        hub.listening("t", org, kind="graphql", size=4, accept=high) as filtered,
        hub.listening("t", other, kind="graphql", size=4) as elsewhere,
    ):
        hub.publish("t", org, {"risk": "low"})
        hub.publish("t", org, {"risk": "high"})
        hub.publish("u", org, {"risk": "high"})  # another topic
        got = [await everything.next(), await everything.next(), await filtered.next()]
        assert elsewhere._queue.empty() and filtered._queue.empty()
    assert got == [{"risk": "low"}, {"risk": "high"}, {"risk": "high"}]
    assert hub.broker.listeners == {}


async def test_a_subscriber_that_falls_behind_ends_with_slow_consumer() -> None:
    # What a subscription resolver reads from its context: the hub and the queue bound.
    ctx: Any = SimpleNamespace(hub=Hub(), settings=Settings(ws_send_queue=2))
    org = uuid.uuid4()
    slow = sample("gateway_live_disconnects_total", kind="graphql", reason="slow")
    event = {"id": str(uuid.uuid4()), "risk_level": "high"}
    stream = subscriptions._actions(ctx, org, None)
    pending = asyncio.ensure_future(anext(stream))
    await eventually(lambda: bool(ctx.hub.broker.listeners))
    # The client takes nothing more after this: a send that never returns, upstream.
    ctx.hub.publish("agents.actions", org, {**event, **_row()})
    await pending
    for _ in range(3):
        ctx.hub.publish("agents.actions", org, {**event, **_row()})

    with pytest.raises(GatewayError) as ended:
        await anext(stream)
    assert ended.value.code == "SLOW_CONSUMER"
    assert sample("gateway_live_disconnects_total", kind="graphql", reason="slow") == slow + 1
    assert ctx.hub.broker.listeners == {}


def _row() -> dict[str, Any]:
    return {
        "display_id": 1,
        "agent_id": "a",
        "action_type": "query",
        "tool_name": None,
        "mitre_tactic": None,
        "nist_control": None,
        "recommendation": None,
        "summary": None,
        "status": "pending",
        "reviewed_by": None,
        "timestamp": "2026-03-11T15:00:00+00:00",
    }


async def test_a_broker_whose_redis_went_away_still_closes() -> None:
    # given: a broker subscribed on a Redis of the test's own, which then stops
    if reason := redis_unavailable():
        pytest.skip(reason)
    with redis_server() as redis:
        broker = Broker(redis.url, channel=f"test-{uuid.uuid4().hex}")
        await broker.start()
        await asyncio.wait_for(broker.subscribed.wait(), 5)
        redis.stop()

        # then: the outage is noticed, and no pub/sub consumer of coredis is left
        # retrying in a tight loop (it kept a core busy for the whole outage)
        await eventually(lambda: not broker.subscribed.is_set(), within=5)
        await eventually(lambda: consumers() == 0, within=2)

        # and when the broker closes, it closes (coredis swallowed a cancellation once,
        # and the app's shutdown hung on it)
        started = time.monotonic()
        await asyncio.wait_for(broker.close(), 10)
    assert time.monotonic() - started < 2


def consumers() -> int:
    return sum(
        getattr(task.get_coro(), "__qualname__", "") == "BasePubSub._consumer"
        for task in asyncio.all_tasks()
    )
