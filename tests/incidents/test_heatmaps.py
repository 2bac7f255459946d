"""Heatmaps on a hand-worked dataset, on both dialects, with an injected clock.

Now is Monday 2027-01-04T12:00Z; 30 days back is 2026-12-05T12:00Z. Incidents:
  i1 Sun 2026-12-27T23:30 HIGH Infrastructure   resolved in 3 h   costs 100.00 USD (+50 EUR)
  i2 Sun 2026-12-27T23:45 LOW Infrastructure    resolved in 1 h   costs 20.50 USD
  i3 Fri 2027-01-01T00:10 HIGH Application     unresolved (ISO week 2026-W53)
  i4 Mon 2027-01-04T11:59 CRITICAL Application resolved in 30 min (ISO week 2027-W01)
  out: one at 12:00 (the window's end), one at 2026-12-05T11:59, another organisation's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import Factory

NOW = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)
PATH = "/api/analytics/heatmap-data/"


@pytest.fixture
async def data(factory: Factory) -> dict[str, Any]:
    org = await factory.org()
    infra, app = {"category": "Infrastructure"}, {"category": "Application"}
    t1 = datetime(2026, 12, 27, 23, 30, tzinfo=UTC)
    i1 = await factory.incident(
        org, t1, severity="HIGH", **infra, resolved_at=t1 + timedelta(hours=3)
    )
    t2 = t1 + timedelta(minutes=15)
    i2 = await factory.incident(
        org, t2, severity="LOW", **infra, resolved_at=t2 + timedelta(hours=1)
    )
    await factory.incident(org, datetime(2027, 1, 1, 0, 10, tzinfo=UTC), severity="HIGH", **app)
    t4 = NOW - timedelta(minutes=1)
    await factory.incident(
        org, t4, severity="CRITICAL", **app, resolved_at=t4 + timedelta(minutes=30)
    )
    await factory.incident(org, NOW, severity="HIGH", **app)
    await factory.incident(org, NOW - timedelta(days=30, minutes=1), severity="HIGH", **app)
    await factory.incident(await factory.org("Globex"), t1, severity="HIGH", **infra)
    await factory.cost(i1, "DOWNTIME", "100.00")
    await factory.cost(i1, "DOWNTIME", "50.00", currency="EUR")
    await factory.cost(i2, "PENALTY", "20.50")
    return {"user": await factory.user(org)}


async def heatmaps(client_at, factory, data, **params: Any) -> Any:
    async with client_at(NOW) as client:
        answer = await client.get(PATH, params=params, headers=factory.headers(data["user"]))
    return answer


def cells(*rows: tuple[Any, Any, Any]) -> list[dict[str, Any]]:
    return [{"x": x, "y": y, "value": v} for x, y, v in rows]


EXPECTED = {
    ("INCIDENT_FREQUENCY", "HOUR"): (cells((0, 4, 1), (11, 0, 1), (23, 6, 2)), 2),
    ("INCIDENT_FREQUENCY", "DAY"): (
        cells(
            ("2026-12-27", "HIGH", 1),
            ("2026-12-27", "LOW", 1),
            ("2027-01-01", "HIGH", 1),
            ("2027-01-04", "CRITICAL", 1),
        ),
        1,
    ),
    ("INCIDENT_FREQUENCY", "WEEK"): (
        cells(
            ("2026-W52", "Infrastructure", 2),
            ("2026-W53", "Application", 1),
            ("2027-W01", "Application", 1),
        ),
        2,
    ),
    ("RESOLUTION_TIME", "HOUR"): (cells((11, 0, 0.5), (23, 6, 2.0)), 2.0),
    ("RESOLUTION_TIME", "WEEK"): (
        cells(("2026-W52", "Infrastructure", 2.0), ("2027-W01", "Application", 0.5)),
        2.0,
    ),
    ("COST_IMPACT", "HOUR"): (cells((23, 6, 120.5)), 120.5),
    ("COST_IMPACT", "DAY"): (
        cells(("2026-12-27", "HIGH", 100.0), ("2026-12-27", "LOW", 20.5)),
        100.0,
    ),
}


@pytest.mark.parametrize(("kind", "granularity"), list(EXPECTED))
async def test_each_type_and_granularity(client_at, factory, data, kind, granularity):
    answer = await heatmaps(
        client_at, factory, data, heatmap_type=kind, time_granularity=granularity
    )
    assert answer.status_code == 200
    expected_cells, expected_max = EXPECTED[(kind, granularity)]
    assert answer.json() == [
        {
            "heatmap_type": kind,
            "time_granularity": granularity,
            "period_start": "2026-12-05T12:00:00Z",
            "period_end": "2027-01-04T12:00:00Z",
            "cells": expected_cells,
            "max_value": expected_max,
        }
    ]


async def test_every_pair_when_none_is_named_and_days_below_1_is_30(client_at, factory, data):
    body = (await heatmaps(client_at, factory, data, days=0)).json()
    assert [(h["heatmap_type"], h["time_granularity"]) for h in body] == [
        (k, g)
        for k in ("INCIDENT_FREQUENCY", "RESOLUTION_TIME", "COST_IMPACT")
        for g in ("HOUR", "DAY", "WEEK")
    ]
    assert {h["period_start"] for h in body} == {"2026-12-05T12:00:00Z"}
    # Over 1 day only i4 is left.
    day = (
        await heatmaps(
            client_at,
            factory,
            data,
            days=1,
            heatmap_type="INCIDENT_FREQUENCY",
            time_granularity="HOUR",
        )
    ).json()
    assert day[0]["cells"] == cells((11, 0, 1))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"heatmap_type": "HEAT"}, "heatmap_type"),
        ({"time_granularity": "hour"}, "time_granularity"),
        ({"days": "abc"}, "days"),
        ({"days": "3651"}, "days"),
    ],
)
async def test_bad_parameters_are_400(client_at, factory, data, params, field):
    answer = await heatmaps(client_at, factory, data, **params)
    assert answer.status_code == 400
    assert answer.json()["code"] == "VALIDATION_ERROR"
    assert list(answer.json()["details"]) == [field]
