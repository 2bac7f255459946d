"""KPI metrics over GraphQL: measurements(first), latestMeasurement, measurementCount
and createdByUsername batched per request (the same statement count for 2 metrics as
for 20), and the summary field."""

from __future__ import annotations

from datetime import timedelta

from tests.governance.test_guardian_graphql import gql

METRICS = """{ kpiMetrics(first: 100) { totalCount results {
  name createdByUsername measurementCount
  latestMeasurement { value }
  measurements(first: 2) { value periodEnd }
} } }"""


async def test_relations_are_batched(client, factory, statements):
    used = []
    for total in (2, 20):
        org = await factory.org(f"Org {total}")
        user = await factory.user(org, f"u{total}")
        end = factory.now.replace(minute=0, second=0, microsecond=0)
        for n in range(total):
            metric = await factory.kpi_metric(org, "MTTA", name=f"m{n}", created_by=user["id"])
            for hours_ago, value in ((2, "1.00"), (1, "2.00"), (0, f"{n}.25")):
                await factory.kpi_measurement(metric, end - timedelta(hours=hours_ago), value)
        before = statements.count
        body = await gql(client, factory.headers(user), METRICS)
        used.append(statements.count - before)
        page = body["data"]["kpiMetrics"]
        assert page["totalCount"] == total
        first = next(r for r in page["results"] if r["name"] == "m1")
        assert first == {
            "name": "m1",
            "createdByUsername": f"u{total}",
            "measurementCount": 3,
            "latestMeasurement": {"value": "1.25"},
            "measurements": [
                {"value": "1.25", "periodEnd": end.isoformat()},
                {"value": "2.00", "periodEnd": (end - timedelta(hours=1)).isoformat()},
            ],
        }
    assert used[0] == used[1]
