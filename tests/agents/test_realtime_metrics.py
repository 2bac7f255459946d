"""``GET /api/analytics/realtime/metrics`` (seed 004): the database's figures over their
windows at an injected "now", psutil's host figures, and the gateway's own answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.request_window import RequestWindow

NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
KEY = "agw_realtime"


@pytest.fixture
async def acme(factory) -> dict[str, Any]:
    org = await factory.org()
    users = [await factory.user(org, name) for name in ("ann", "bob", "cid", "dan")]
    await factory.api_key(users[0], KEY, ["agents:read"])
    ago = lambda **kw: NOW - timedelta(**kw)  # noqa: E731
    # Sessions: seen 15 minutes ago exactly (active), 16 minutes ago (idle), ended.
    await factory.user_session(users[0], ago(hours=2), last_seen_at=ago(minutes=15))
    await factory.user_session(users[1], ago(hours=2), last_seen_at=ago(minutes=16))
    await factory.user_session(
        users[2], ago(hours=1), last_seen_at=ago(minutes=1), ended_at=ago(seconds=30)
    )
    await factory.user_session(users[3], ago(hours=1), last_seen_at=ago(minutes=2))
    rows = [
        (ago(minutes=59), "a1", "high"),  # last hour, high
        (ago(minutes=30), "a2", "critical"),  # last hour, high
        (ago(minutes=5), "a2", "low"),  # last hour
        (ago(hours=1), "a3", "high"),  # exactly an hour old: the day's, not the hour's
        (ago(hours=23), "a4", "medium"),  # the day's
        (ago(hours=24), "a5", "medium"),  # exactly a day old: neither
        (NOW + timedelta(minutes=1), "a6", "critical"),  # the future: neither
    ]
    for when, agent, risk in rows:
        await factory.agent_action(org, when, agent_id=agent, risk_level=risk)
    other = await factory.org("Globex")
    await factory.agent_action(other, ago(minutes=1), risk_level="critical")
    return org


async def test_overview_windows(client_at, acme) -> None:
    async with client_at(NOW) as client:
        response = await client.get("/api/analytics/realtime/metrics", headers={"X-API-Key": KEY})

    assert response.status_code == 200
    body = response.json()
    assert body["timestamp"] == "2026-03-11T15:00:00Z"
    assert body["real_time_overview"] == {
        "active_sessions": 2,
        "recent_high_risk_actions": 2,
        "active_agents": 2,
        "total_actions_last_hour": 3,
        "actions_last_24h": 5,
        "status": {
            "has_data": True,
            "message": "Live data from production database",
            # the newest is the future one: its age counts as 0
            "data_age_minutes": 0,
        },
    }
    assert body["data_quality"] == {
        "source": "production_database",
        "timestamp": "2026-03-11T15:00:00Z",
        "has_historical_data": True,
        "has_recent_activity": True,
        "data_status": "live",
    }
    meta = body["meta"]
    assert meta["mock_data"] is False
    assert meta["real_data_sources"][1:] == ["psutil", "gateway_metrics"]
    assert meta["real_data_sources"][0] in ("sqlite", "postgresql")


async def test_host_and_gateway_figures_are_measured(client_at, acme) -> None:
    async with client_at(NOW) as client:
        first = (
            await client.get("/api/analytics/realtime/metrics", headers={"X-API-Key": KEY})
        ).json()
        await client.get("/api/analytics/trends", headers={"X-API-Key": KEY})
        await client.get("/healthz")  # probes are not the clients' answers
        second = (
            await client.get("/api/analytics/realtime/metrics", headers={"X-API-Key": KEY})
        ).json()

    # Nothing answered before the first call: no latency to show, no traffic.
    assert first["performance_metrics"] == {
        "status": "live",
        "source": "gateway_metrics",
        "requests_per_second": 0.0,
        "avg_response_time": None,
        "p95_response_time": None,
        "error_rate": 0.0,
    }
    assert first["system_health"]["api_response_time"] is None
    # Then two answers in the window of 300 s: 2 / 300 = 0.0067, shown as 0.01.
    performance = second["performance_metrics"]
    assert performance["requests_per_second"] == 0.01
    assert performance["avg_response_time"] > 0
    assert performance["p95_response_time"] >= performance["avg_response_time"] * 0.5
    health = second["system_health"]
    assert health["status"] == "live"
    assert health["source"] == "psutil"
    for key in ("cpu_usage", "memory_usage", "disk_usage"):
        assert 0 <= health[key] <= 100
    assert 0 < health["memory_usage"]
    assert health["network_latency"] >= 0
    assert health["api_response_time"] == performance["avg_response_time"]


async def test_an_organisation_without_actions(client_at, factory) -> None:
    org = await factory.org()
    user = await factory.user(org)
    await factory.api_key(user, KEY, ["agents:read"])

    async with client_at(NOW) as client:
        body = (
            await client.get("/api/analytics/realtime/metrics", headers={"X-API-Key": KEY})
        ).json()

    assert body["real_time_overview"]["status"] == {
        "has_data": False,
        "message": "No agent actions recorded yet",
        "data_age_minutes": None,
    }
    assert body["data_quality"]["data_status"] == "empty"


@pytest.mark.parametrize(
    ("age", "minutes", "message", "data_status"),
    [
        (timedelta(minutes=59, seconds=59), 59, "Live data from production database", "live"),
        # An hour old exactly is out of the last hour: the data is an hour old.
        (timedelta(hours=1), 60, "No agent activity in the last hour", "stale"),
        (
            timedelta(days=3, minutes=5, seconds=59),
            4325,
            "No agent activity in the last hour",
            "stale",
        ),
    ],
)
async def test_the_data_age_of_the_newest_action(
    client_at, factory, age, minutes, message, data_status
) -> None:
    # given: the newest action `age` ago, and an older one
    org = await factory.org()
    user = await factory.user(org)
    await factory.api_key(user, KEY, ["agents:read"])
    await factory.agent_action(org, NOW - age)
    await factory.agent_action(org, NOW - age - timedelta(days=5))

    # when
    async with client_at(NOW) as client:
        body = (
            await client.get("/api/analytics/realtime/metrics", headers={"X-API-Key": KEY})
        ).json()

    # then: whole minutes since the newest, the message and the status its age gives
    overview = body["real_time_overview"]
    assert overview["status"] == {
        "has_data": True,
        "message": message,
        "data_age_minutes": minutes,
    }
    live = data_status == "live"
    assert overview["total_actions_last_hour"] == (1 if live else 0)
    assert body["data_quality"]["data_status"] == data_status
    assert body["data_quality"]["has_recent_activity"] is live
    assert body["data_quality"]["has_historical_data"] is True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_request_window_forgets_after_five_minutes() -> None:
    clock = Clock()
    window = RequestWindow(clock=clock)
    # 19 quick answers and one slow 5xx: the p95 is the 19th answer's bin.
    for _ in range(19):
        window.record("/graphql", 200, 0.010)
    window.record("/graphql", 503, 2.0)
    window.record("/metrics", 200, 5.0)  # not counted

    figures = window.figures()
    assert (figures.requests, figures.errors) == (20, 1)
    assert figures.error_rate == 0.05
    assert figures.mean_ms == pytest.approx((19 * 10 + 2000) / 20)
    # 10 ms sits on a bound (10^1.0): the bin up to 10 ms holds it.
    assert figures.p95_ms == pytest.approx(10.0)

    clock.now += 299
    assert window.figures().requests == 20
    clock.now += 1
    assert window.figures().requests == 0
