"""``GET /api/analytics/performance`` (seed 004): the host (psutil), the gateway's own
answers, its pool and, on PostgreSQL, pg_stat_activity; the status bands at their edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from resolvers.agents.performance import (
    DISK_BANDS,
    LOAD_BANDS,
    POOL_BANDS,
    band,
    error_status,
    response_status,
)

NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
KEY = "agw_performance"


async def test_performance_figures(client_at, factory, db) -> None:
    org = await factory.org()
    user = await factory.user(org)
    await factory.api_key(user, KEY, ["agents:read"])
    for when in (
        NOW - timedelta(minutes=10),
        NOW - timedelta(minutes=59),
        NOW - timedelta(hours=2),
    ):
        await factory.agent_action(org, when)
    await factory.agent_action(await factory.org("Globex"), NOW - timedelta(minutes=1))

    async with client_at(NOW) as client:
        await client.get("/api/analytics/trends", headers={"X-API-Key": KEY})
        response = await client.get("/api/analytics/performance", headers={"X-API-Key": KEY})

    assert response.status_code == 200
    body = response.json()
    assert body["timestamp"] == "2026-03-11T15:00:00Z"
    system = body["system_metrics"]
    assert {part["source"] for part in system.values()} == {"psutil"}
    assert system["memory"]["current"] + system["memory"]["available"] == pytest.approx(
        100, abs=0.11
    )
    assert system["storage"]["used"] + system["storage"]["available"] == pytest.approx(
        100, abs=0.11
    )
    app = body["application_metrics"]
    # One answer (the trends) in the window before this one.
    assert app["throughput"] == {"requests_per_second": 0.0, "source": "gateway_metrics"}
    assert app["response_times"]["target"] == 200.0
    assert app["response_times"]["average"] > 0
    assert app["error_rates"] == {
        "current": 0.0,
        "target": 0.01,
        "status": "good",
        "source": "gateway_metrics",
    }
    database = body["database_metrics"]
    pool = database["connections"]
    # The test engine's pool: twice create_engine's pool_size (10), no overflow.
    assert pool["max"] == 20
    assert pool["active"] >= 1  # this request's own
    assert pool["total"] == pool["active"] + pool["idle"]
    assert pool["source"] == "sqlalchemy_pool"
    assert database["query_performance"] == {
        "recent_queries": 2,
        "slow_queries_estimate": 0,
        "status": "optimal",
        "source": "agent_actions_table",
    }
    server = database["server_connections"]
    if db.dialect.name == "postgresql":
        assert server["source"] == "pg_stat_activity"
        assert 1 <= server["active"] <= server["total"] <= server["max_connections"]
    else:
        assert server is None
    assert body["meta"]["data_sources"] == {
        "system_metrics": "psutil",
        "application_metrics": "gateway_metrics",
        "database_metrics": db.dialect.name,
    }
    assert body["meta"]["mock_data"] is False


@pytest.mark.parametrize(
    ("percent", "bands", "expected"),
    [
        (69.9, LOAD_BANDS, "normal"),
        (70.0, LOAD_BANDS, "high"),
        (89.9, LOAD_BANDS, "high"),
        (90.0, LOAD_BANDS, "critical"),
        (79.9, DISK_BANDS, "healthy"),
        (80.0, DISK_BANDS, "warning"),
        (90.0, DISK_BANDS, "critical"),
        (70.0, POOL_BANDS, "busy"),
    ],
)
def test_bands(percent, bands, expected) -> None:
    assert band(percent, bands, "critical") == expected


def test_response_and_error_status_edges() -> None:
    assert response_status(None, 200) == "no_data"
    assert response_status(200.0, 200) == "good"
    assert response_status(200.1, 200) == "fair"
    assert response_status(400.0, 200) == "fair"
    assert response_status(400.1, 200) == "poor"
    assert error_status(0.01, 0.01) == "good"
    assert error_status(0.05, 0.01) == "elevated"
    assert error_status(0.0501, 0.01) == "critical"
