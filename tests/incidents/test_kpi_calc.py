"""KPI calculation against a hand-worked dataset, on both dialects: every metric type,
every aggregation type, the filters, the window's edges (an injected clock), and skip
versus force.

The clock reads 2026-03-10T12:30Z, so every period ends at 12:00 and a 24-hour window is
[03-09T12:00, 03-10T12:00). Incidents (minutes to acknowledge, hours to resolve,
downtime minutes, escalations):

  #1 03-09T12:00 (first instant: in)  HIGH P1 Infrastructure  ack 10  res 2  down 60   esc 1
  #2 03-09T18:00                      CRITICAL P1 Infra.      ack 20  res 4  down 120  esc 0
  #3 03-10T06:00                      LOW P3 Application      ack 30  -      -         esc 2
  #4 03-10T11:59                      MEDIUM P2 Application   -       -      -         -
  #5 03-10T12:00 (window end: out)    HIGH P1 Infrastructure  ack 5
  #6 03-09T11:59 (before: out)        HIGH P1 Infrastructure  ack 50
  and one incident of another organisation inside the window (never counted).

MTTA samples 10, 20, 30: average 20, median 20, min 10, max 30, sum 60, count 3,
p95 = 20 + 0.9 x 10 = 29 (position 0.95 x 2 = 1.9), p99 = 20 + 0.98 x 10 = 29.8.
MTTR samples 2, 4 h: average 3, median 3, min 2, max 4, sum 6, count 2,
p95 = 2 + 0.95 x 2 = 3.9, p99 = 2 + 0.99 x 2 = 3.98.
Breaks #1 and #2: 3 h of downtime in 24. MTBF = (24 - 3) / 2 = 10.5, MTBSI = 24 / 2 = 12,
availability = 21 / 24 = 87.5 %. 4 incidents; 2 resolved (50 %), 2 escalated (50 %).
CUSTOM MTTR * 60 / MTTA = 3 x 60 / 20 = 9.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import Factory
from tests.governance.test_guardian_graphql import gql

NOW = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)
START = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
M = timedelta(minutes=1)
H = timedelta(hours=1)

CALCULATE = """mutation ($metricId: UUID, $hours: Int, $force: Boolean!) {
  calculateKpis(metricId: $metricId, timeWindowHours: $hours, force: $force) {
    written skipped periodEnd
  }
}"""


@pytest.fixture
async def data(factory: Factory) -> dict[str, Any]:
    org = await factory.org()
    infra = {"category": "Infrastructure", "severity": "HIGH", "priority": "P1"}
    t1, t2 = START, START + 6 * H
    t3, t4 = START + 18 * H, START + 24 * H - M
    await factory.incident(
        org,
        t1,
        **infra,
        acknowledged_at=t1 + 10 * M,
        resolved_at=t1 + 2 * H,
        downtime_minutes=60,
        escalation_count=1,
    )
    await factory.incident(
        org,
        t2,
        **{**infra, "severity": "CRITICAL"},
        acknowledged_at=t2 + 20 * M,
        resolved_at=t2 + 4 * H,
        downtime_minutes=120,
    )
    await factory.incident(
        org,
        t3,
        category="Application",
        severity="LOW",
        priority="P3",
        acknowledged_at=t3 + 30 * M,
        escalation_count=2,
    )
    await factory.incident(org, t4, category="Application", severity="MEDIUM", priority="P2")
    await factory.incident(org, START + 24 * H, **infra, acknowledged_at=START + 24 * H + 5 * M)
    await factory.incident(org, START - M, **infra, acknowledged_at=START + 49 * M)
    stranger = await factory.org("Globex")
    await factory.incident(stranger, t2, acknowledged_at=t2 + M, downtime_minutes=600)
    return {"org": org, "user": await factory.user(org)}


async def measure(client_at, factory, data, metric: dict[str, Any], **variables: Any) -> str:
    """The value one calculation at NOW writes for ``metric``."""
    headers = factory.headers(data["user"])
    async with client_at(NOW) as client:
        body = await gql(
            client, headers, CALCULATE, {"metricId": str(metric["id"]), "force": True, **variables}
        )
        assert body["data"]["calculateKpis"]["written"] == 1, body
        page = (
            await client.get(
                f"/api/analytics/kpi-metrics/{metric['id']}/measurements/", headers=headers
            )
        ).json()
    latest = page["results"][0]
    assert latest["period_end"] == "2026-03-10T12:00:00Z"
    return latest["value"]


@pytest.mark.parametrize(
    ("metric_type", "expected"),
    [
        (
            "MTTA",
            {
                "AVERAGE": "20.00",
                "MEDIAN": "20.00",
                "MIN": "10.00",
                "MAX": "30.00",
                "SUM": "60.00",
                "COUNT": "3.00",
                "PERCENTILE_95": "29.00",
                "PERCENTILE_99": "29.80",
            },
        ),
        (
            "MTTR",
            {
                "AVERAGE": "3.00",
                "MEDIAN": "3.00",
                "MIN": "2.00",
                "MAX": "4.00",
                "SUM": "6.00",
                "COUNT": "2.00",
                "PERCENTILE_95": "3.90",
                "PERCENTILE_99": "3.98",
            },
        ),
    ],
)
async def test_every_aggregation_of_the_samples(client_at, factory, data, metric_type, expected):
    for aggregation, value in expected.items():
        metric = await factory.kpi_metric(
            data["org"], metric_type, aggregation_type=aggregation, name=aggregation
        )
        assert await measure(client_at, factory, data, metric) == value, aggregation


@pytest.mark.parametrize(
    ("metric_type", "expected", "unit"),
    [
        ("MTBF", "10.50", "hours"),
        ("MTBSI", "12.00", "hours"),
        ("AVAILABILITY", "87.50", "percent"),
        ("INCIDENT_COUNT", "4.00", "incidents"),
        ("RESOLUTION_RATE", "50.00", "percent"),
        ("ESCALATION_RATE", "50.00", "percent"),
    ],
)
async def test_every_window_type(client_at, factory, data, metric_type, expected, unit):
    metric = await factory.kpi_metric(data["org"], metric_type)
    assert await measure(client_at, factory, data, metric) == expected
    headers = factory.headers(data["user"])
    async with client_at(NOW) as client:
        row = (
            await client.get(f"/api/analytics/kpi-metrics/{metric['id']}/", headers=headers)
        ).json()
    assert row["latest_measurement"] == {
        "value": expected,
        "unit": unit,
        "calculated_at": "2026-03-10T12:30:00Z",
        "incident_count": 4,
    }
    assert row["measurement_count"] == 1


async def test_custom_formula_over_the_other_types(client_at, factory, data):
    metric = await factory.kpi_metric(data["org"], "CUSTOM", calculation_formula="MTTR * 60 / MTTA")
    assert await measure(client_at, factory, data, metric) == "9.00"
    # A division by zero is 0: no break in a 1-hour window at 02:00-03:00.
    zero = await factory.kpi_metric(data["org"], "CUSTOM", calculation_formula="MTBF / (MTTA - 20)")
    assert await measure(client_at, factory, data, zero) == "0.00"


async def test_filters_and_an_empty_window(client_at, factory, data):
    # #1 and #2 only: acknowledged in 10 and 20 minutes.
    severe = await factory.kpi_metric(
        data["org"],
        "MTTA",
        incident_severities=["HIGH", "CRITICAL"],
        incident_categories=["Infrastructure"],
    )
    assert await measure(client_at, factory, data, severe) == "15.00"
    p3 = await factory.kpi_metric(data["org"], "INCIDENT_COUNT", incident_priorities=["P3"])
    assert await measure(client_at, factory, data, p3) == "1.00"
    # Over the last hour [11:00, 12:00) only #4: no sample, no break.
    hour = await factory.kpi_metric(data["org"], "MTBF", time_window_hours=1)
    assert await measure(client_at, factory, data, hour) == "1.00"
    mtta = await factory.kpi_metric(data["org"], "MTTA", time_window_hours=1)
    assert await measure(client_at, factory, data, mtta) == "0.00"
    # --time-window overrides the metric's hours: 48 h takes in #6 (acknowledged in 50).
    wide = await factory.kpi_metric(data["org"], "MTTA", aggregation_type="MAX")
    assert await measure(client_at, factory, data, wide, hours=48) == "50.00"


async def test_a_period_is_skipped_unless_forced(client_at, factory, data):
    metric = await factory.kpi_metric(data["org"], "INCIDENT_COUNT")
    headers = factory.headers(data["user"])
    variables = {"metricId": str(metric["id"]), "force": False}
    async with client_at(NOW) as client:
        first = await gql(client, headers, CALCULATE, variables)
        assert first["data"]["calculateKpis"] == {
            "written": 1,
            "skipped": 0,
            "periodEnd": "2026-03-10T12:00:00+00:00",
        }
        await factory.incident(data["org"], START + H)
        again = await gql(client, headers, CALCULATE, variables)
        assert again["data"]["calculateKpis"]["skipped"] == 1
        forced = await gql(client, headers, CALCULATE, {**variables, "force": True})
        assert forced["data"]["calculateKpis"]["written"] == 1
        page = (await client.get("/api/analytics/kpi-measurements/", headers=headers)).json()
    # One measurement of the period, replaced: 5 incidents now.
    assert [(r["value"], r["incident_count"]) for r in page["results"]] == [("5.00", 5)]


async def test_every_active_metric_and_only_those(client_at, factory, data):
    await factory.kpi_metric(data["org"], "MTTA")
    await factory.kpi_metric(data["org"], "MTTR")
    await factory.kpi_metric(data["org"], "MTBF", is_active=False)
    headers = factory.headers(data["user"])
    async with client_at(NOW) as client:
        body = await gql(client, headers, CALCULATE, {"force": False})
    assert body["data"]["calculateKpis"]["written"] == 2
