"""``GET /api/analytics/trends`` (seed 004) on a hand-worked dataset, on both databases,
with the window's edges at an injected "now"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)  # a Wednesday, 15:00 UTC
KEY = "agw_trends_test_key"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
async def acme(factory) -> dict[str, Any]:
    """Seven actions of three agents around a 3-day window (9 to 11 March, to 15:00)."""
    org = await factory.org("Acme")
    user = await factory.user(org, "jane")
    await factory.api_key(user, KEY, ["agents:read"])
    done = {"status": "auto_approved"}
    rows = [
        # the minute before the window: counted nowhere but in the pending count
        (at(8, 23, 59), "agent-a", "t1", "high", {"status": "pending"}),
        (at(9, 0), "agent-a", "t1", "critical", done),  # the window's first instant
        (at(9, 10), "agent-b", "t2", "low", done),
        (at(10, 9), "agent-b", "t2", "medium", done),
        (at(10, 11), "agent-c", None, "medium", done),
        (at(11, 14), "agent-c", "t1", "high", {"status": "pending"}),
        (at(11, 15), "agent-b", "t3", "high", done),  # at "now" exactly: counted
    ]
    for when, agent, tool, risk, extra in rows:
        await factory.agent_action(
            org, when, agent_id=agent, tool_name=tool, risk_level=risk, **extra
        )
    # Another organisation's actions are in no count.
    other = await factory.org("Globex")
    for _ in range(3):
        await factory.agent_action(other, at(11, 12), agent_id="agent-z", risk_level="critical")
    return org


async def test_trends_over_three_days(client_at, acme) -> None:
    async with client_at(NOW) as client:
        response = await client.get("/api/analytics/trends?days=3", headers={"X-API-Key": KEY})

    assert response.status_code == 200
    body = response.json()
    assert body["high_risk_actions_by_day"] == [
        {"date": "2026-03-09", "count": 1},
        {"date": "2026-03-10", "count": 0},
        {"date": "2026-03-11", "count": 2},
    ]
    assert body["top_agents"] == [
        {"agent": "agent-b", "count": 3},
        {"agent": "agent-c", "count": 2},
        {"agent": "agent-a", "count": 1},
    ]
    # t1 and t2 tie at 2: by name. The action without a tool is in no tool's count.
    assert body["top_tools"] == [
        {"tool": "t1", "count": 2},
        {"tool": "t2", "count": 2},
        {"tool": "t3", "count": 1},
    ]
    assert body["pending_actions_count"] == 2
    enriched = body["enriched_actions"]
    assert len(enriched) == 7  # all of them: fewer than 20
    assert [a["timestamp"] for a in enriched[:2]] == [
        "2026-03-11T15:00:00Z",
        "2026-03-11T14:00:00Z",
    ]
    assert enriched[0] == {
        "agent_id": "agent-b",
        "action_type": "email_send",
        "risk_level": "high",
        "mitre_tactic": None,
        "nist_control": None,
        "recommendation": None,
        "tool_name": "t3",
        "timestamp": "2026-03-11T15:00:00Z",
    }


async def test_default_window_is_seven_days_zero_filled(client_at, acme) -> None:
    async with client_at(NOW) as client:
        body = (await client.get("/api/analytics/trends", headers={"X-API-Key": KEY})).json()

    days = body["high_risk_actions_by_day"]
    assert [d["date"] for d in days] == [f"2026-03-{n:02d}" for n in range(5, 12)]
    # The minute before the 3-day window is inside the 7-day one.
    assert [d["count"] for d in days] == [0, 0, 0, 1, 1, 0, 2]
    assert body["top_agents"] == [
        {"agent": "agent-b", "count": 3},
        {"agent": "agent-a", "count": 2},
        {"agent": "agent-c", "count": 2},
    ]


async def test_only_the_newest_twenty_are_enriched(client_at, factory) -> None:
    org = await factory.org()
    user = await factory.user(org)
    await factory.api_key(user, KEY, ["agents:read"])
    for minute in range(25):
        await factory.agent_action(org, at(11, 10, minute), summary=f"m{minute}")

    async with client_at(NOW) as client:
        body = (await client.get("/api/analytics/trends", headers={"X-API-Key": KEY})).json()

    assert len(body["enriched_actions"]) == 20
    assert body["enriched_actions"][0]["timestamp"] == "2026-03-11T10:24:00Z"
    assert body["enriched_actions"][-1]["timestamp"] == "2026-03-11T10:05:00Z"
    assert body["pending_actions_count"] == 25


@pytest.mark.parametrize("days", ["0", "-1", "abc", "1.5", "3651", "9" * 40])
async def test_a_bad_window_is_fastapis_422(client_at, acme, days) -> None:
    async with client_at(NOW) as client:
        response = await client.get(
            "/api/analytics/trends", params={"days": days}, headers={"X-API-Key": KEY}
        )

    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["query", "days"]
    assert problem["type"] == "value_error"
    assert "days" in problem["msg"]


async def test_the_top_lists_keep_the_ten_busiest(client_at, factory) -> None:
    # given: ag-01 three times (all with tl-12), then ag-02 to ag-12 once each with tl-01
    # to tl-11: twelve agents and twelve tools, eleven of each at one action
    org = await factory.org()
    user = await factory.user(org)
    await factory.api_key(user, KEY, ["agents:read"])
    for minute in range(3):
        await factory.agent_action(org, at(11, 9, minute), agent_id="ag-01", tool_name="tl-12")
    for n in range(2, 13):
        await factory.agent_action(
            org, at(11, 10, n), agent_id=f"ag-{n:02d}", tool_name=f"tl-{n - 1:02d}"
        )

    # when
    async with client_at(NOW) as client:
        body = (await client.get("/api/analytics/trends", headers={"X-API-Key": KEY})).json()

    # then: the busiest first, the tie at one action broken by name, cut at ten
    assert body["top_agents"] == [{"agent": "ag-01", "count": 3}] + [
        {"agent": f"ag-{n:02d}", "count": 1} for n in range(2, 11)
    ]
    assert body["top_tools"] == [{"tool": "tl-12", "count": 3}] + [
        {"tool": f"tl-{n:02d}", "count": 1} for n in range(1, 10)
    ]
