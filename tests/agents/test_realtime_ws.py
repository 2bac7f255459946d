"""``WS /api/analytics/ws/realtime/{user_email}`` (seed 004) end to end, on uvicorn: the
close codes, the connection message, updates at the interval with the organisation's
figures, one computation per organisation per tick, a slow client dropped without
stalling the others, and the clean-up when sockets leave."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from websockets.asyncio.client import connect

from gateway.app import create_app
from gateway.settings import Settings
from resolvers.agents import realtime
from tests.agents.live import (
    PATH,
    Served,
    StuckClient,
    close_code,
    eventually,
    receive,
    sample,
    serving,
)

NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
INTERVAL = 0.1
ANN = "agw_live_ann"
BOB = "agw_live_bob"
WRITER = "agw_live_writer"  # agents:write only
GLOBEX = "agw_live_globex"


@pytest.fixture
async def acme(factory) -> dict[str, Any]:
    org = await factory.org()
    ann = await factory.user(org, "ann")
    bob = await factory.user(org, "bob")
    await factory.api_key(ann, ANN, ["agents:read"])
    await factory.api_key(bob, BOB, ["agents:read"])
    await factory.api_key(ann, WRITER, ["agents:write"])
    ago = lambda **kw: NOW - timedelta(**kw)  # noqa: E731
    # The last hour: 3 actions by 2 agents, 1 of them high; one more 2 hours ago.
    for when, agent, risk in [
        (ago(minutes=50), "a1", "high"),
        (ago(minutes=20), "a1", "low"),
        (ago(minutes=5), "a2", "medium"),
        (ago(hours=2), "a3", "critical"),
    ]:
        await factory.agent_action(org, when, agent_id=agent, risk_level=risk)
    globex = await factory.org("Globex")
    gail = await factory.user(globex, "gail")
    await factory.api_key(gail, GLOBEX, ["agents:read"])
    await factory.agent_action(globex, ago(minutes=1), risk_level="critical")
    return {"org": org, "ann": ann, "globex": globex}


@pytest.fixture
def live(db, tmp_path) -> Any:
    @asynccontextmanager
    async def make(**values: Any) -> AsyncIterator[Served]:
        settings = Settings(data_dir=tmp_path, ws_interval=INTERVAL, **values)
        app = create_app(settings, engine=db, run_migrations=False, clock=lambda: NOW)
        async with serving(app) as served:
            yield served

    return make


def key(value: str) -> dict[str, str]:
    return {"X-API-Key": value}


async def test_refusals_close_with_4401_or_4403(live, acme, factory) -> None:
    cookie = {"Cookie": f"access_token={factory.token(acme['ann'])}"}
    cases = [
        ({}, "ann@example.com", 4401),  # no credential
        (key("agw_nope"), "ann@example.com", 4401),  # no such key
        ({"Authorization": "Bearer not.a.jwt"}, "ann@example.com", 4401),
        (key(BOB), "ann@example.com", 4403),  # someone else's stream
        (key(WRITER), "ann@example.com", 4403),  # no agents:read
        ({**cookie, "Origin": "https://evil.example"}, "ann@example.com", 4403),  # CSRF
    ]
    async with live() as served:
        for headers, email, code in cases:
            async with connect(served.realtime(email), additional_headers=headers) as ws:
                assert await close_code(ws) == code, (headers, email)
        # The cookie from the gateway's own origin, or from a non-browser (no Origin).
        for extra in ({"Origin": f"http://{served.address}"}, {}):
            async with connect(
                served.realtime("ann@example.com"), additional_headers={**cookie, **extra}
            ) as ws:
                assert (await receive(ws))["type"] == "connection"


async def test_connection_message_then_updates_at_the_interval(live, acme) -> None:
    async with live() as served:
        # The email is compared without case; the message names it as the path does.
        async with connect(served.realtime("Ann@Example.com"), additional_headers=key(ANN)) as ws:
            first = await receive(ws)
            updates, arrivals = [], []
            for _ in range(4):
                updates.append(await receive(ws))
                arrivals.append(time.monotonic())

    assert first == {
        "type": "connection",
        "status": "connected",
        "message": "Real-time analytics connected for Ann@Example.com",
        "timestamp": "2026-03-11T15:00:00Z",
    }
    for update in updates:
        system = update.pop("system_metrics")
        assert update == {
            "type": "metrics_update",
            "timestamp": "2026-03-11T15:00:00Z",
            "metrics": {
                "active_websocket_connections": 1,
                "recent_actions_last_hour": 3,
                "high_risk_actions_last_hour": 1,
                "active_agents_last_hour": 2,
            },
            "data_quality": {"source": "real_database", "mock_data": False, "has_activity": True},
        }
        assert system["status"] == "live"
        assert 0 <= system["cpu_usage"] <= 100 and 0 < system["memory_usage"] <= 100
        # Nothing answered over HTTP yet: no mean response time.
        assert system["response_time"] is None
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert all(INTERVAL * 0.5 < gap < INTERVAL * 5 for gap in gaps), gaps


async def test_one_computation_per_organisation_per_tick(
    live, acme, statements, monkeypatch
) -> None:
    calls: Counter[Any] = Counter()
    compute = realtime.realtime_metrics

    async def counted(conn, org_id, now, gauges):
        calls[org_id] += 1
        return await compute(conn, org_id, now, gauges)

    monkeypatch.setattr(realtime, "realtime_metrics", counted)

    async def window(served: Served, sockets: int) -> tuple[int, int, set[int]]:
        """Ticks computed and statements run while each socket gets 3 updates."""
        async with AsyncExitStack() as stack:
            clients = [
                await stack.enter_async_context(
                    connect(served.realtime("ann@example.com"), additional_headers=key(ANN))
                )
                for _ in range(sockets)
            ]
            for ws in clients:
                assert (await receive(ws))["type"] == "connection"
                # Ticks queued while the others were still connecting count fewer.
                while (await receive(ws))["metrics"]["active_websocket_connections"] < sockets:
                    pass
            calls.clear()
            statements.statements.clear()
            seen = set()
            for ws in clients:
                for _ in range(3):
                    seen.add((await receive(ws))["metrics"]["active_websocket_connections"])
            ticks, ran = calls[acme["org"]["id"]], statements.count
        return ticks, ran, seen

    async with live() as served:
        one = await window(served, 1)
        five = await window(served, 5)

    for ticks, ran, _ in (one, five):
        # 3 ticks read, and one or two more while the other sockets' queues are read.
        # Five sockets would make 15 computations if each socket computed its own.
        assert 3 <= ticks <= 5
        # The overview's one statement and a SELECT 1 per tick (an in-flight tick is
        # counted before its statements run).
        assert 2 * (ticks - 1) <= ran <= 2 * ticks
    assert one[2] == {1} and five[2] == {5}


async def test_each_organisation_has_its_own_ticker_and_figures(live, acme) -> None:
    async with live() as served:
        async with (
            connect(served.realtime("ann@example.com"), additional_headers=key(ANN)) as ann,
            connect(served.realtime("gail@example.com"), additional_headers=key(GLOBEX)) as gail,
        ):
            await receive(ann)
            await receive(gail)
            acme_update, globex_update = await receive(ann), await receive(gail)
            assert set(served.hub.tickers) == {
                ("agents.realtime", acme["org"]["id"]),
                ("agents.realtime", acme["globex"]["id"]),
            }

    assert acme_update["metrics"]["recent_actions_last_hour"] == 3
    assert globex_update["metrics"] == {
        "active_websocket_connections": 1,
        "recent_actions_last_hour": 1,
        "high_risk_actions_last_hour": 1,
        "active_agents_last_hour": 1,
    }


async def test_a_slow_client_is_dropped_and_the_others_keep_time(live, acme) -> None:
    slow_before = sample("gateway_live_disconnects_total", kind="websocket", reason="slow")
    async with live(ws_send_queue=2) as served:
        async with connect(served.realtime("ann@example.com"), additional_headers=key(ANN)) as ws:
            await receive(ws)
            stuck = StuckClient(served.app, PATH.format(email="ann@example.com"), key(ANN))
            arrivals = []
            while not stuck.task.done() and len(arrivals) < 60:
                await receive(ws)
                arrivals.append(time.monotonic())
            await asyncio.wait_for(stuck.task, 3)
            # Still on time after the drop.
            for _ in range(3):
                await receive(ws)
                arrivals.append(time.monotonic())

    assert stuck.stuck.is_set()
    # One update in the blocked send, two queued, the fourth overflows: closed with 1008,
    # and the close (which the client never reads either) abandoned after a second.
    assert stuck.closed_with() == 1008
    # accept, the connection message, the update whose send never returned, the close.
    kinds = ["websocket.accept", "websocket.send", "websocket.send", "websocket.close"]
    assert [m["type"] for m in stuck.sent] == kinds
    assert sample("gateway_live_disconnects_total", kind="websocket", reason="slow") == (
        slow_before + 1
    )
    # A ticker that waited for the stuck client would stall for good, or for the second
    # its close may take: the others' updates came at the interval throughout.
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert max(gaps) < INTERVAL * 5, gaps


async def test_leaving_is_counted_and_the_last_one_stops_the_ticker(live, acme, statements) -> None:
    left_before = sample("gateway_live_disconnects_total", kind="websocket", reason="client")
    open_before = sample("gateway_live_clients", kind="websocket")
    url = lambda served: served.realtime("ann@example.com")  # noqa: E731
    async with live() as served:
        async with connect(url(served), additional_headers=key(ANN)) as first:
            async with connect(url(served), additional_headers=key(ANN)) as second:
                await receive(first)
                await receive(second)
                while (await receive(first))["metrics"]["active_websocket_connections"] != 2:
                    pass
                assert sample("gateway_live_clients", kind="websocket") == open_before + 2
            # The second has gone: the next ticks count one socket.
            while (await receive(first))["metrics"]["active_websocket_connections"] != 1:
                pass
            ticker = served.hub.tickers[("agents.realtime", acme["org"]["id"])]
        await eventually(lambda: not served.hub.tickers)
        await eventually(ticker.task.done)
        statements.statements.clear()
        await asyncio.sleep(INTERVAL * 3)
        assert statements.count == 0

    assert sample("gateway_live_clients", kind="websocket") == open_before
    assert sample("gateway_live_disconnects_total", kind="websocket", reason="client") == (
        left_before + 2
    )
