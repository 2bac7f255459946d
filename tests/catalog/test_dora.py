"""DORA metrics on a hand-worked dataset.

Org A, now = the factory's clock; hours are "started N hours ago, lasting D hours":

    d1  billing prod     SUCCEEDED   100h  1h
    d2  billing prod     FAILED       50h  0.5h  (finished 49.5h ago)
    d3  billing prod     SUCCEEDED    49h  2h    (finished 47h ago)  -> recovers d2: 2.5h
    d4  billing staging  FAILED       30h  1h    (never followed by a staging success)
    d5  billing prod     SUCCEEDED    20h  1h
    d6  auth    prod     ROLLED_BACK  10h  0.25h
    d7  auth    prod     PENDING       1h  -
    d8  auth    prod     RUNNING       2h  -
    d9  auth    staging  FAILED        5h  1h    (finished 4h ago)
    d10 auth    staging  SUCCEEDED   4.5h  0.1h  (started before d9 finished: not its recovery)
    d11 auth    staging  SUCCEEDED     3h  0.5h  (finished 2.5h ago) -> recovers d9: 1.5h
    d12 billing prod     SUCCEEDED   40 days, 1h      (outside 30 days)
    d13 billing prod     FAILED      35 days, 1h      (outside 30 days; recovered by d1)
Org B has its own deployments, which must never count.

30 days: SUCCEEDED d1 d3 d5 d10 d11 = 5 -> 5/30 = 0.17/day.
  FAILED+ROLLED_BACK d2 d4 d6 d9 = 4 of 10 non-PENDING (d7 excluded) -> 40.0 %.
  lead: (1 + 2 + 1 + 0.1 + 0.5) / 5 = 0.92 h. MTTR: (2.5 + 1.5) / 2 = 2.0 h, 2 samples.
"""

from __future__ import annotations

import uuid

import pytest

DORA = "/api/v1/analytics/dora"


@pytest.fixture
async def dataset(factory):
    org = await factory.org("A")
    user = await factory.user(org)
    billing = await factory.component(org, "billing")
    auth = await factory.component(org, "auth")
    prod = await factory.environment(org, "prod")
    staging = await factory.environment(org, "staging")
    d = factory.deployment
    await d(billing, prod, "SUCCEEDED", started_hours_ago=100, duration_hours=1)
    await d(billing, prod, "FAILED", started_hours_ago=50, duration_hours=0.5)
    await d(billing, prod, "SUCCEEDED", started_hours_ago=49, duration_hours=2)
    await d(billing, staging, "FAILED", started_hours_ago=30, duration_hours=1)
    await d(billing, prod, "SUCCEEDED", started_hours_ago=20, duration_hours=1)
    await d(auth, prod, "ROLLED_BACK", started_hours_ago=10, duration_hours=0.25)
    await d(auth, prod, "PENDING", started_hours_ago=1)
    await d(auth, prod, "RUNNING", started_hours_ago=2)
    await d(auth, staging, "FAILED", started_hours_ago=5, duration_hours=1)
    await d(auth, staging, "SUCCEEDED", started_hours_ago=4.5, duration_hours=0.1)
    await d(auth, staging, "SUCCEEDED", started_hours_ago=3, duration_hours=0.5)
    await d(billing, prod, "SUCCEEDED", started_hours_ago=40 * 24, duration_hours=1)
    await d(billing, prod, "FAILED", started_hours_ago=35 * 24, duration_hours=1)
    other = await factory.org("B")
    other_component = await factory.component(other, "billing")
    other_env = await factory.environment(other, "prod")
    for hours in (3, 6, 9):
        await d(other_component, other_env, "FAILED", started_hours_ago=hours, duration_hours=1)
        await d(
            other_component,
            other_env,
            "SUCCEEDED",
            started_hours_ago=hours - 1.5,
            duration_hours=0.5,
        )
    return {"user": user, "billing": billing, "auth": auth, "prod": prod, "other": other_component}


def dora(per_day, succeeded, rate, failed, total, mttr, mttr_n, lead, lead_n, days=30):
    return {
        "periodDays": days,
        "deploymentFrequency": {
            "deploymentsPerDay": per_day,
            "total": succeeded,
            "periodDays": days,
        },
        "changeFailureRate": {"rate": rate, "failed": failed, "total": total},
        "meanTimeToRecovery": {"avgHours": mttr, "samples": mttr_n},
        "leadTimeForChanges": {"avgHours": lead, "samples": lead_n},
    }


async def test_default_window_matches_hand_worked_answer(client, factory, dataset):
    response = await client.get(DORA, headers=factory.headers(dataset["user"]))
    assert response.status_code == 200
    assert response.json() == dora(0.17, 5, 40.0, 4, 10, 2.0, 2, 0.92, 5)


async def test_one_component(client, factory, dataset):
    # auth only: SUCCEEDED d10 d11; failed d6 d9 of d6 d8 d9 d10 d11; lead (0.1+0.5)/2.
    response = await client.get(
        DORA,
        params={"componentId": str(dataset["auth"]["id"])},
        headers=factory.headers(dataset["user"]),
    )
    assert response.json() == dora(0.07, 2, 40.0, 2, 5, 1.5, 1, 0.3, 2)


async def test_one_environment(client, factory, dataset):
    # prod only: SUCCEEDED d1 d3 d5; failed d2 d6 of 6 non-pending; lead 4/3; MTTR d2 only.
    response = await client.get(
        DORA,
        params={"environmentId": str(dataset["prod"]["id"])},
        headers=factory.headers(dataset["user"]),
    )
    assert response.json() == dora(0.1, 3, 33.33, 2, 6, 2.5, 1, 1.33, 3)


async def test_longer_window_takes_older_deployments(client, factory, dataset):
    # 60 days adds d12 (lead 1h) and d13, whose first later prod success is d1:
    # d13 finished 35*24-1 = 839h ago, d1 finished 99h ago -> 740h. (2.5+1.5+740)/3 = 248.
    response = await client.get(DORA, params={"days": 60}, headers=factory.headers(dataset["user"]))
    assert response.json() == dora(0.1, 6, 41.67, 5, 12, 248.0, 3, 0.93, 6, days=60)


async def test_empty_window_answers_zeros(client, factory):
    org = await factory.org("Empty")
    user = await factory.user(org)
    response = await client.get(DORA, params={"days": 7}, headers=factory.headers(user))
    assert response.status_code == 200
    assert response.json() == dora(0.0, 0, 0.0, 0, 0, 0.0, 0, 0.0, 0, days=7)


async def test_graphql_answers_the_same(client, factory, dataset):
    query = """query($c: UUID) { dora(days: 30, componentId: $c) {
        changeFailureRate { rate failed total } meanTimeToRecovery { avgHours samples } } }"""
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": {"c": str(dataset["billing"]["id"])}},
        headers=factory.headers(dataset["user"]),
    )
    # billing: failed d2 d4 of d1 d2 d3 d4 d5 -> 40 %; MTTR d2 only (d4 never recovered).
    assert response.json() == {
        "data": {
            "dora": {
                "changeFailureRate": {"rate": 40.0, "failed": 2, "total": 5},
                "meanTimeToRecovery": {"avgHours": 2.5, "samples": 1},
            }
        },
        "extensions": {"cost": 8},  # dora, 2 objects, 5 fields
    }


@pytest.mark.parametrize("days", ["0", "-3", "abc", "1.5", "3651"])
async def test_days_must_be_a_positive_integer(client, factory, days):
    org = await factory.org()
    user = await factory.user(org)
    response = await client.get(DORA, params={"days": days}, headers=factory.headers(user))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_malformed_component_id_is_400(client, factory):
    org = await factory.org()
    user = await factory.user(org)
    response = await client.get(DORA, params={"componentId": "nope"}, headers=factory.headers(user))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_other_organisations_component_is_404(client, factory, dataset):
    for params in (
        {"componentId": str(dataset["other"]["id"])},
        {"componentId": str(uuid.uuid4())},
        {"environmentId": str(uuid.uuid4())},
    ):
        response = await client.get(DORA, params=params, headers=factory.headers(dataset["user"]))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"
