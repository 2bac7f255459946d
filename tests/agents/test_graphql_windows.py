"""The agent console's windows over GraphQL: ``agentTrends`` and ``executiveDashboard``
take the REST paths' defaults (7 and 30 days) and refuse the same bad windows, with
``BAD_USER_INPUT`` rather than FastAPI's 422."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.governance.test_guardian_graphql import codes, gql

NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
ADMIN = "agw_windows_admin"

TRENDS = "{ agentTrends { days highRiskActionsByDay { date count } } }"
TRENDS_IN = "query ($days: Int!) { agentTrends(days: $days) { days } }"
DASHBOARD = "{ executiveDashboard { dataPeriod { startDate endDate days } } }"
DASHBOARD_IN = "query ($days: Int!) { executiveDashboard(days: $days) { reportDate } }"


@pytest.fixture
async def admin(factory) -> dict[str, str]:
    org = await factory.org()
    user = await factory.user(org, "ada", role="admin")
    await factory.api_key(user, ADMIN, ["agents:read"])
    # A high-risk action on 8 March: inside the default 7 days (5 to 11 March).
    await factory.agent_action(org, datetime(2026, 3, 8, 12, tzinfo=UTC), risk_level="high")
    return {"X-API-Key": ADMIN}


async def test_the_defaults_are_seven_and_thirty_days(client_at, admin) -> None:
    # when
    async with client_at(NOW) as client:
        trends = await gql(client, admin, TRENDS)
        dashboard = await gql(client, admin, DASHBOARD)

    # then
    found = trends["data"]["agentTrends"]
    assert found["days"] == 7
    assert found["highRiskActionsByDay"] == [
        {"date": f"2026-03-{day:02d}", "count": 1 if day == 8 else 0} for day in range(5, 12)
    ]
    assert dashboard["data"]["executiveDashboard"]["dataPeriod"] == {
        "startDate": "2026-02-09T15:00:00+00:00",
        "endDate": "2026-03-11T15:00:00+00:00",
        "days": 30,
    }


@pytest.mark.parametrize("days", [0, -1, 3651])
async def test_a_bad_window_is_bad_user_input(client_at, admin, days) -> None:
    # when
    async with client_at(NOW) as client:
        trends: Any = await gql(client, admin, TRENDS_IN, {"days": days})
        dashboard: Any = await gql(client, admin, DASHBOARD_IN, {"days": days})

    # then
    for body in (trends, dashboard):
        assert body["data"] is None
        assert codes(body) == ["BAD_USER_INPUT"]
