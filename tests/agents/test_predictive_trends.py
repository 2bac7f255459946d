"""``GET /api/analytics/predictive/trends`` and ``predictiveTrends`` (seed 004) on hand-made
daily counts, on both databases, at an injected "now"; the numerics' pure functions on
hand-worked numbers.

"Now" is Wednesday 11 March 2026, 15:00 UTC: the history is 12 February to 11 March, the
forecast series end on 10 March (yesterday, the last complete day), the forecast covers
12 to 18 March, and anomalies judge 10 March against 24 February to 9 March.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from models.agents import AgentAction
from resolvers.agents.display_ids import allocate_display_ids

NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
TODAY = NOW.date()
YESTERDAY = TODAY - timedelta(days=1)
KEY = "agw_forecast_test_key"
PATH = "/api/analytics/predictive/trends"
HEADERS = {"X-API-Key": KEY}

PLANNED_FEATURES = [
    {
        "feature": "Risk Trend Forecasting",
        "description": "Predict high-risk action patterns 7 days ahead",
        "accuracy_target": "85%+",
        "benefit": "Proactive threat mitigation",
    },
    {
        "feature": "Agent Workload Prediction",
        "description": "Forecast agent capacity and utilization",
        "accuracy_target": "80%+",
        "benefit": "Capacity planning and resource optimization",
    },
    {
        "feature": "Anomaly Detection",
        "description": "Identify unusual patterns and potential security threats",
        "accuracy_target": "90%+",
        "benefit": "Early warning system for security incidents",
    },
]
ACTIVE_KEYS = [
    "status",
    "prediction_quality",
    "risk_forecast",
    "agent_workload_forecast",
    "anomalies",
    "risk_predictions",
    "data_collection",
    "meta",
    "timestamp",
]
FORECAST_DATES = [f"2026-03-{day}" for day in range(12, 19)]


async def daily(
    factory: Any,
    org: dict[str, Any],
    counts: Sequence[int],
    *,
    agent: str = "agent-a",
    risk: str = "high",
    end: date = YESTERDAY,
) -> None:
    """``counts[i]`` actions of ``agent`` on each day up to ``end`` (the last count's
    day), 30 seconds apart from 08:00: one transaction for them all."""
    first = end - timedelta(days=len(counts) - 1)
    stamps = [
        datetime.combine(first + timedelta(days=i), time(8), tzinfo=UTC) + timedelta(seconds=30 * k)
        for i, n in enumerate(counts)
        for k in range(n)
    ]
    if not stamps:
        return
    async with factory.engine.begin() as conn:
        display_id = await allocate_display_ids(conn, org_id=org["id"], count=len(stamps))
        rows = [
            {
                "id": uuid.uuid4(),
                "org_id": org["id"],
                "display_id": display_id + n,
                "agent_id": agent,
                "action_type": "query",
                "risk_level": risk,
                "status": "auto_approved",
                "timestamp": stamp,
            }
            for n, stamp in enumerate(stamps)
        ]
        await conn.execute(insert(AgentAction), rows)


@pytest.fixture
async def acme(factory: Any) -> dict[str, Any]:
    org = await factory.org("Acme")
    user = await factory.user(org, "jane")
    await factory.api_key(user, KEY, ["agents:read"])
    # Another organisation's busy month is in none of Acme's figures.
    other = await factory.org("Globex")
    await daily(factory, other, [30] * 28, agent="globex-agent", end=TODAY)
    return org


async def trends(client_at: Any) -> dict[str, Any]:
    async with client_at(NOW) as client:
        response = await client.get(PATH, headers=HEADERS)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


# --- collecting data -------------------------------------------------------------------


async def test_two_days_are_the_seeds_collecting_data_answer(client_at, factory, acme) -> None:
    # given: 3 actions yesterday and 2 today (before "now"); one the day before the 28-day
    # history began, which counts nowhere
    await daily(factory, acme, [3, 2], end=TODAY)
    await daily(factory, acme, [1], end=TODAY - timedelta(days=28))

    body = await trends(client_at)

    assert body == {
        "status": "collecting_data",
        "message": (
            "Collecting data for predictions. Minimum 4 days needed for pattern-based forecasting."
        ),
        "data_collection": {
            "days_collected": 2,
            "minimum_required": 4,
            "optimal_required": 14,
            "total_actions": 5,
            "collection_progress": 50.0,  # 2 / 4 * 100
            "estimated_ready_date": "2026-03-13",  # today + (4 - 2) days
        },
        "planned_features": PLANNED_FEATURES,
    }
    assert list(body) == ["status", "message", "data_collection", "planned_features"]


@pytest.mark.parametrize(
    ("counts", "progress", "ready"),
    [([], 0.0, "2026-03-15"), ([1], 25.0, "2026-03-14"), ([1, 0, 4, 2], 75.0, "2026-03-12")],
)
async def test_progress_below_four_days(client_at, factory, acme, counts, progress, ready) -> None:
    await daily(factory, acme, counts)  # a day without actions is not collected

    data = (await trends(client_at))["data_collection"]

    assert data["days_collected"] == len([n for n in counts if n])
    assert data["total_actions"] == sum(counts)
    assert data["collection_progress"] == progress
    assert data["estimated_ready_date"] == ready


# --- the model, the quality and the flat forecast ----------------------------------------


@pytest.mark.parametrize(
    ("days", "method", "quality", "progress", "text"),
    [
        (4, "holt_linear", "low", 28.6, "Limited data: predictions will improve as more days "),
        (6, "holt_linear", "low", 42.9, "Limited data: predictions will improve as more days "),
        (7, "holt_linear", "medium", 50.0, "Good data for reliable predictions"),
        (13, "holt_linear", "medium", 92.9, "Good data for reliable predictions"),
        (14, "holt_winters", "high", 100.0, "Excellent data for high quality predictions"),
    ],
)
async def test_days_choose_the_model_and_the_quality(
    client_at, factory, acme, days, method, quality, progress, text
) -> None:
    # given: 5 high-risk actions a day on the `days` days up to yesterday
    await daily(factory, acme, [5] * days)

    body = await trends(client_at)

    assert list(body) == ACTIVE_KEYS
    assert body["status"] == "active"
    assert body["prediction_quality"] == quality
    assert body["meta"] == {
        "version": "1.0.0-phase3",
        "mock_data": False,
        "prediction_method": "ml_powered",
        "model": method,
        "confidence_range": [0.99, 0.99],  # a constant series: no spread at all
        "phase": "3_of_3_active",
    }
    assert body["data_collection"]["days_collected"] == days
    assert body["data_collection"]["total_actions"] == 5 * days
    assert body["data_collection"]["collection_progress"] == progress  # days / 14 * 100
    assert body["data_collection"]["ready"] is True
    assert body["data_collection"]["quality"].startswith(text)
    assert body["risk_forecast"] == [
        {"date": d, "predicted_high_risk_actions": 5, "confidence": 0.99, "trend": "stable"}
        for d in FORECAST_DATES
    ]
    assert body["agent_workload_forecast"] == [
        {
            "agent_id": "agent-a",
            "predicted_actions": 35,
            "confidence": 0.99,
            "recommendation": "Capacity adequate",
        }
    ]
    assert body["anomalies"] == []
    assert body["risk_predictions"] == {"recommended_actions": ["Continue standard monitoring"]}
    assert body["timestamp"] == "2026-03-11T15:00:00Z"


@pytest.mark.parametrize("days", [10, 21])  # Holt's linear trend, then Holt-Winters
async def test_a_rising_series_trends_increasing(client_at, factory, acme, days) -> None:
    # given: 2, 4, ..., 2 * days high-risk actions a day: +2 a day; the recent mean (the
    # last 7 days) is 2 * days - 6, and +2 is more than 5 % of it
    await daily(factory, acme, [2 * (n + 1) for n in range(days)])

    body = await trends(client_at)

    # The line goes on: today 2 * days + 2, tomorrow 2 * days + 4, ...
    assert [d["predicted_high_risk_actions"] for d in body["risk_forecast"]] == [
        2 * days + 2 * h for h in range(2, 9)
    ]
    assert [d["date"] for d in body["risk_forecast"]] == FORECAST_DATES
    assert {d["trend"] for d in body["risk_forecast"]} == {"increasing"}
    assert body["meta"]["model"] == ("holt_winters" if days >= 14 else "holt_linear")
    assert body["meta"]["confidence_range"][1] == 0.99  # a perfect line: no residuals
    [agent] = body["agent_workload_forecast"]
    # the 7 days' sum: 7 * (2 * days) + 2 * (2 + ... + 8) = 14 * days + 70
    assert agent["predicted_actions"] == 14 * days + 70
    assert agent["recommendation"] == "Monitor capacity"
    assert body["anomalies"] == []  # +2 on a steady climb is no outlier
    assert body["risk_predictions"]["recommended_actions"] == [
        "Review high-risk action patterns from last week"
    ]


async def test_a_falling_series_trends_decreasing(client_at, factory, acme) -> None:
    # given: 40, 38, ..., 22 high-risk actions a day; the recent mean is 28, and -2 is
    # 7 % of it
    await daily(factory, acme, [40 - 2 * n for n in range(10)])

    body = await trends(client_at)

    assert [d["predicted_high_risk_actions"] for d in body["risk_forecast"]] == [
        18,
        16,
        14,
        12,
        10,
        8,
        6,
    ]
    assert {d["trend"] for d in body["risk_forecast"]} == {"decreasing"}
    [agent] = body["agent_workload_forecast"]
    assert agent["predicted_actions"] == 84  # 18 + 16 + ... + 6
    assert agent["recommendation"] == "Scale down"  # 12 a day against 28
    assert body["risk_predictions"]["recommended_actions"] == ["Continue standard monitoring"]


async def test_a_series_that_falls_to_zero_stays_at_zero(client_at, factory, acme) -> None:
    # given: 9, 8, ..., 1 a day: the line reaches 0 today and goes no lower
    await daily(factory, acme, [9 - n for n in range(9)])

    body = await trends(client_at)

    days = body["risk_forecast"]
    assert [d["predicted_high_risk_actions"] for d in days] == [0] * 7
    assert all(isinstance(d["predicted_high_risk_actions"], int) for d in days)
    # Clipped at 0, the forecast no longer changes from day to day.
    assert {d["trend"] for d in days} == {"stable"}


# --- agents, anomalies and recommendations -----------------------------------------------

STEADY = [4, 5, 6, 5, 4, 5, 6, 5, 4, 5, 6, 5, 4, 5]  # median 5, MAD 0.5
LEVEL = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11]  # median 10, MAD 1


@pytest.fixture
async def outliers(factory: Any, acme: dict[str, Any]) -> dict[str, Any]:
    """Fifteen complete days: three agents' 14-day baselines, then yesterday."""
    # database-agent's actions are the only high-risk ones: 8 yesterday,
    # z = 0.6745 * (8 - 5) / 0.5 = 4.047: a spike, medium (3.5 < |z| <= 5)
    await daily(factory, acme, [*STEADY, 8], agent="database-agent", risk="high")
    # z = 0.6745 * (6 - 5) / 0.5 = 1.349: no anomaly
    await daily(factory, acme, [*STEADY, 6], agent="steady-agent", risk="low")
    # z = 0.6745 * (2 - 10) / 1 = -5.396: a drop, high (|z| > 5)
    await daily(factory, acme, [*LEVEL, 2], agent="quiet-agent", risk="low")
    return acme


async def test_last_day_outliers_are_anomalies(client_at, outliers) -> None:
    body = await trends(client_at)

    midnight = "2026-03-10T00:00:00Z"
    assert body["anomalies"] == [
        {
            "type": "spike",
            "description": "Unusual spike in high-risk actions",
            "severity": "medium",
            "timestamp": midnight,
        },
        {
            "type": "drop",
            "description": "Unusual activity drop detected for quiet-agent",
            "severity": "high",
            "timestamp": midnight,
        },
        {
            "type": "spike",
            "description": "Unusual activity spike detected for database-agent",
            "severity": "medium",
            "timestamp": midnight,
        },
    ]
    assert body["risk_predictions"]["recommended_actions"] == [
        "Increase monitoring for database-agent",
        "Check why activity dropped for quiet-agent",
        "Review high-risk action patterns from last week",
    ]
    # Most actions first: quiet 143, database 77, steady 75.
    assert [a["agent_id"] for a in body["agent_workload_forecast"]] == [
        "quiet-agent",
        "database-agent",
        "steady-agent",
    ]
    assert body["meta"]["model"] == "holt_winters"  # 15 days of series
    for agent in body["agent_workload_forecast"]:
        assert isinstance(agent["predicted_actions"], int)
        assert agent["predicted_actions"] >= 0
        assert 0.5 <= agent["confidence"] <= 0.99
    for day in body["risk_forecast"]:
        assert isinstance(day["predicted_high_risk_actions"], int)
        assert day["predicted_high_risk_actions"] >= 0
        assert 0.5 <= day["confidence"] <= 0.99
    low, high = body["meta"]["confidence_range"]
    assert low == min(d["confidence"] for d in body["risk_forecast"])
    assert high == max(d["confidence"] for d in body["risk_forecast"])


async def test_a_short_baseline_judges_nothing(client_at, factory, acme) -> None:
    # given: 6 days, the last a spike: yesterday has 5 days before it, fewer than 7
    await daily(factory, acme, [1, 1, 1, 1, 1, 50])

    body = await trends(client_at)

    assert body["anomalies"] == []


async def test_the_five_busiest_agents_ties_by_name(client_at, factory, acme) -> None:
    # given: 28-day totals b 9, c 9, e 7, a 5, d 3, f 3, g 1, over four days, all low risk
    totals = {"b": 9, "c": 9, "e": 7, "a": 5, "d": 3, "f": 3, "g": 1}
    for day, (name, total) in enumerate(totals.items()):
        await daily(
            factory,
            acme,
            [total],
            agent=f"agent-{name}",
            risk="low",
            end=TODAY - timedelta(days=day % 4),
        )
    # g's old actions, before the history began, do not make it busy
    await daily(factory, acme, [20], agent="agent-g", risk="low", end=TODAY - timedelta(days=28))

    body = await trends(client_at)

    assert [a["agent_id"] for a in body["agent_workload_forecast"]] == [
        "agent-b",
        "agent-c",
        "agent-e",
        "agent-a",
        "agent-d",  # d and f tie at 3: by name
    ]
    assert body["data_collection"]["total_actions"] == 37
    # No high-risk action at all: an all-zero series forecasts zeros, with no spread.
    assert body["risk_forecast"] == [
        {"date": d, "predicted_high_risk_actions": 0, "confidence": 0.99, "trend": "stable"}
        for d in FORECAST_DATES
    ]


async def test_two_statements_read_the_history(client_at, outliers, statements) -> None:
    before = statements.count
    await trends(client_at)

    reads = [s for s in statements.statements[before:] if "agent_actions" in s]
    assert len(reads) == 2
