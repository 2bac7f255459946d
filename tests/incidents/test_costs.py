"""Cost analyses and their summary, on a hand-worked dataset, on both dialects.

USD analyses (amount, downtime hours, affected users):
  incident A: DOWNTIME 1000.00 (2.50 h, 100)   LOST_REVENUE 500.50 (3.00 h, 80, validated)
  incident B: PENALTY 250.25 (1.25 h, 0)       REPUTATION_COST 100.00 (0 h, 50)
  incident C: RESOURCE_COST 99.99 (0 h, 0)     COMPLIANCE_COST 0.01 (0 h, 0)
  and on C, one EUR analysis: DOWNTIME 300.00 (10 h, 5); another organisation's too.

USD summary: total 1950.75 (every type); named 1000.00 / 500.50 / 250.25 / 99.99.
Hours over distinct incidents, each incident's largest: 3.00 + 1.25 + 0 = 4.25 -> "4.3"
(one decimal, half up); users 100 + 50 + 0 = 150. Per hour 1950.75 / 4.25 = 459.00; per
user 1950.75 / 150 = 13.005 -> "13.01".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.factories import Factory
from tests.governance.test_guardian_graphql import gql

SUMMARY = "/api/analytics/cost-analyses/summary/"
LIST = "/api/analytics/cost-analyses/"


@pytest.fixture
async def data(factory: Factory) -> dict[str, Any]:
    org = await factory.org()
    a, b, c = [await factory.incident(org, title=t) for t in ("A", "B", "C")]
    day = factory.now - timedelta(days=1)
    await factory.cost(
        a, "DOWNTIME", "1000.00", downtime_hours="2.50", affected_users=100, created_at=day
    )
    await factory.cost(
        a,
        "LOST_REVENUE",
        "500.50",
        downtime_hours="3.00",
        affected_users=80,
        is_validated=True,
        business_unit="Payments",
    )
    await factory.cost(b, "PENALTY", "250.25", downtime_hours="1.25")
    await factory.cost(b, "REPUTATION_COST", "100.00", affected_users=50)
    await factory.cost(c, "RESOURCE_COST", "99.99")
    await factory.cost(c, "COMPLIANCE_COST", "0.01")
    await factory.cost(
        c, "DOWNTIME", "300.00", currency="EUR", downtime_hours="10", affected_users=5
    )
    stranger = await factory.org("Globex")
    await factory.cost(await factory.incident(stranger), "DOWNTIME", "77777.00", downtime_hours="9")
    return {"org": org, "user": await factory.user(org), "a": a}


async def get(client, factory, data, path: str, **params: Any) -> Any:
    return await client.get(path, params=params, headers=factory.headers(data["user"]))


async def test_the_summary_counts_each_incident_once(client, factory, data):
    answer = await get(client, factory, data, SUMMARY)
    assert answer.status_code == 200
    assert answer.json() == {
        "total_cost": "1950.75",
        "currency": "USD",
        "downtime_cost": "1000.00",
        "lost_revenue": "500.50",
        "penalty_cost": "250.25",
        "resource_cost": "99.99",
        "total_downtime_hours": "4.3",
        "total_affected_users": 150,
        "cost_per_hour": "459.00",
        "cost_per_user": "13.01",
    }


async def test_the_summary_filters(client, factory, data):
    eur = (await get(client, factory, data, SUMMARY, currency="EUR")).json()
    assert (
        eur["total_cost"],
        eur["total_downtime_hours"],
        eur["cost_per_hour"],
        eur["cost_per_user"],
    ) == ("300.00", "10.0", "30.00", "60.00")
    # Validated: LOST_REVENUE only. 500.50 / 3 = 166.833 -> 166.83; / 80 = 6.25625 -> 6.26.
    valid = (await get(client, factory, data, SUMMARY, is_validated="true")).json()
    assert (valid["total_cost"], valid["cost_per_hour"], valid["cost_per_user"]) == (
        "500.50",
        "166.83",
        "6.26",
    )
    # PENALTY: no affected users, so per user is 0.00.
    penalty = (await get(client, factory, data, SUMMARY, cost_type="PENALTY")).json()
    assert (penalty["total_cost"], penalty["total_downtime_hours"], penalty["cost_per_user"]) == (
        "250.25",
        "1.3",
        "0.00",
    )
    # The creation window: only the DOWNTIME analysis made a day ago.
    early = (
        await get(
            client, factory, data, SUMMARY, end_date=(factory.now - timedelta(hours=1)).isoformat()
        )
    ).json()
    assert early["total_cost"] == "1000.00"
    empty = (await get(client, factory, data, SUMMARY, start_date="2999-01-01")).json()
    assert empty == {
        "total_cost": "0.00",
        "currency": "USD",
        "downtime_cost": "0.00",
        "lost_revenue": "0.00",
        "penalty_cost": "0.00",
        "resource_cost": "0.00",
        "total_downtime_hours": "0.0",
        "total_affected_users": 0,
        "cost_per_hour": "0.00",
        "cost_per_user": "0.00",
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"currency": "usd"}, "currency"),
        ({"cost_type": "LOST"}, "cost_type"),
        ({"is_validated": "maybe"}, "is_validated"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "0001-01-01T00:00:00+14:00"}, "end_date"),
    ],
)
async def test_bad_filters_are_400_naming_the_field(client, factory, data, params, field):
    answer = await get(client, factory, data, SUMMARY, **params)
    assert answer.status_code == 400
    body = answer.json()
    assert (body["error"], body["code"], list(body["details"])) == (
        "Invalid request data",
        "VALIDATION_ERROR",
        [field],
    )


async def test_the_list_in_drf_pages(client, factory, data):
    first = (await get(client, factory, data, LIST, page_size=2, ordering="-cost_amount")).json()
    assert first["count"] == 7
    assert [r["cost_amount"] for r in first["results"]] == ["1000.00", "500.50"]
    assert first["previous"] is None
    assert first["next"] == (
        "http://gateway.test/api/analytics/cost-analyses/?ordering=-cost_amount&page=2&page_size=2"
    )
    row = first["results"][1]
    assert row["incident"] == str(data["a"]["id"])
    assert (row["downtime_hours"], row["is_validated"], row["revenue_impact"]) == (
        "3.00",
        True,
        "0.00",
    )
    assert row["created_at"].endswith("Z")
    last = (
        await get(client, factory, data, LIST, page_size=2, page=4, ordering="-cost_amount")
    ).json()
    assert last["next"] is None
    assert last["previous"] == (
        "http://gateway.test/api/analytics/cost-analyses/?ordering=-cost_amount&page=3&page_size=2"
    )
    assert [r["cost_amount"] for r in last["results"]] == ["0.01"]
    past = await get(client, factory, data, LIST, page_size=2, page=5)
    assert past.status_code == 404
    assert past.json()["detail"] == "Invalid page."
    found = (await get(client, factory, data, LIST, search="payM", is_validated="True")).json()
    assert [r["cost_type"] for r in found["results"]] == ["LOST_REVENUE"]


CREATE = """mutation ($input: CostAnalysisInput!) {
  createCostAnalysis(input: $input) { costType costAmount currency }
}"""
VALIDATE = """mutation ($id: UUID!) {
  validateCostAnalysis(id: $id, notes: "checked") { isValidated validationNotes validatedBy }
}"""


async def test_create_and_validate_over_graphql(client, factory, data):
    headers = factory.headers(data["user"])
    made = await gql(
        client,
        headers,
        CREATE,
        {
            "input": {
                "incidentId": str(data["a"]["id"]),
                "costType": "PENALTY",
                "costAmount": "12.345",
            }
        },
    )
    assert made["data"]["createCostAnalysis"] == {
        "costType": "PENALTY",
        "costAmount": "12.35",
        "currency": "USD",
    }
    stranger = await factory.incident(await factory.org("Initech"))
    refused = await gql(
        client,
        headers,
        CREATE,
        {
            "input": {
                "incidentId": str(stranger["id"]),
                "costType": "PENALTY",
                "costAmount": "1",
            }
        },
    )
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    page = await get(client, factory, data, LIST, cost_type="PENALTY", ordering="created_at")
    cost_id = page.json()["results"][0]["id"]
    done = await gql(client, headers, VALIDATE, {"id": cost_id})
    assert done["data"]["validateCostAnalysis"] == {
        "isValidated": True,
        "validationNotes": "checked",
        "validatedBy": str(data["user"]["id"]),
    }
