"""Item 10: portal figures that land on a half round half up, on both databases.

Worked by hand (round() on a float rounds these halves to even, the first answer):
- coverage: 1 owned component of 16 = 6.25 % -> 6.3 (round() said 6.2).
- 8-day window, one SUCCEEDED deployment: 1 / 8 = 0.125 per day -> 0.13 (0.12).
- lead time: that deployment ran 0.125 h (450 s) -> 0.13 (0.12).
- MTTR: a FAILED deployment finished 4.5 h ago; the success started 4 h ago and finished
  3.875 h ago: 0.625 h (2250 s) -> 0.63 (0.62).
- change failure rate: 1 failed of 2 = 50.0 (no half; the control).
"""

from __future__ import annotations

from datetime import UTC, datetime

CATALOG = "/api/v1/analytics/catalog"
DORA = "/api/v1/analytics/dora"
EXPORT = "/api/v1/analytics/export"


async def test_item10_rounding_coverage_one_of_sixteen_is_6_3(client, factory):
    org = await factory.org()
    user = await factory.user(org)
    await factory.component(org, "owned", owner="team")
    for n in range(15):
        await factory.component(org, f"unowned-{n:02}", owner=None)
    headers = factory.headers(user)
    response = await client.get(CATALOG, headers=headers)
    assert response.status_code == 200
    assert response.json()["ownershipCoverage"] == {
        "total": 16,
        "withOwner": 1,
        "withoutOwner": 15,
        "coveragePercent": 6.3,
    }
    csv = await client.get(EXPORT, params={"report": "catalog"}, headers=headers)
    assert csv.text.split("\r\n")[4] == "Ownership,Coverage %,6.3"


async def test_item10_rounding_dora_halves(client, factory):
    org = await factory.org()
    user = await factory.user(org)
    api = await factory.component(org, "api")
    prod = await factory.environment(org, "prod")
    await factory.deployment(api, prod, "FAILED", started_hours_ago=5, duration_hours=0.5)
    await factory.deployment(api, prod, "SUCCEEDED", started_hours_ago=4, duration_hours=0.125)
    headers = factory.headers(user)
    response = await client.get(DORA, params={"days": 8}, headers=headers)
    assert response.status_code == 200
    assert response.json() == {
        "periodDays": 8,
        "deploymentFrequency": {"deploymentsPerDay": 0.13, "total": 1, "periodDays": 8},
        "changeFailureRate": {"rate": 50.0, "failed": 1, "total": 2},
        "meanTimeToRecovery": {"avgHours": 0.63, "samples": 1},
        "leadTimeForChanges": {"avgHours": 0.13, "samples": 1},
    }
    csv = await client.get(EXPORT, params={"report": "dora", "days": 8}, headers=headers)
    assert csv.text.split("\r\n") == [
        "Metric,Value,Notes",
        "Deployment Frequency (deploys/day),0.13,Last 8 days",
        "Change Failure Rate (%),50.0,1 failed of 2 total",
        "Mean Time To Recovery (hours),0.63,1 samples",
        "Lead Time For Changes (hours),0.13,1 samples",
        "",
    ]
    assert csv.headers["content-disposition"].endswith(f'{datetime.now(UTC):%Y-%m-%d}.csv"')


async def test_item10_rounding_change_failure_rate_one_of_thirty_two(client, factory):
    # 1 FAILED of 32 non-pending: 3.125 % -> 3.13 (round() said 3.12).
    org = await factory.org()
    user = await factory.user(org)
    api = await factory.component(org, "api")
    prod = await factory.environment(org, "prod")
    await factory.deployment(api, prod, "FAILED", started_hours_ago=40, duration_hours=1)
    for n in range(31):
        await factory.deployment(
            api, prod, "SUCCEEDED", started_hours_ago=n + 1, duration_hours=0.5
        )
    response = await client.get(DORA, headers=factory.headers(user))
    assert response.json()["changeFailureRate"] == {"rate": 3.13, "failed": 1, "total": 32}
