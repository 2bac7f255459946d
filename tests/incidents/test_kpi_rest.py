"""The KPI paths: the summary's trend and target rules on hand-worked measurements, the
list's filters, create/patch/delete as a ModelViewSet has them, and 404s for ids of no
concern to the caller, on both dialects.

Summary (latest measurement against the one before, newest period first):
  MTTA  target 20    12.00 after 10.00  -> +20.0 % up, met (lower is better: 12 <= 20)
  AVAILABILITY target 99.90   99.00 after 99.50 -> -0.5025 % -> "-0.5" stable, not met
  MTTR  no target    5.00 after 0.00    -> "0.0" stable (previous 0), met (no target)
  INCIDENT_COUNT target 3   101.00 after 100.00 -> +1.0 % exactly: stable; not met
  ESCALATION_RATE   98.95 after 100.00  -> -1.05 % -> "-1.1" down
  MTBF  one measurement only -> "0.0" stable
  an inactive metric and a metric never measured are left out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import Factory, one_transaction

API = "/api/analytics"
END = datetime(2026, 3, 10, 12, tzinfo=UTC)


@pytest.fixture
@one_transaction
async def data(factory: Factory) -> dict[str, Any]:
    org = await factory.org()
    metrics = {}
    second = timedelta(seconds=1)
    for n, (kind, target, values) in enumerate(
        [
            ("MTTA", "20", ("10.00", "12.00")),
            ("AVAILABILITY", "99.90", ("99.50", "99.00")),
            ("MTTR", None, ("0.00", "5.00")),
            ("INCIDENT_COUNT", "3", ("100.00", "101.00")),
            ("ESCALATION_RATE", None, ("100.00", "98.95")),
            ("MTBF", None, ("24.00",)),
        ]
    ):
        metric = await factory.kpi_metric(
            org,
            kind,
            name=f"{kind} metric",
            target_value=target,
            created_at=factory.now + n * second,
        )
        metrics[kind] = metric
        for hours_ago, value in zip(range(len(values), 0, -1), values, strict=True):
            await factory.kpi_measurement(
                metric, END - timedelta(hours=hours_ago - 1), value, unit="u", incident_count=7
            )
    quiet = await factory.kpi_metric(org, "MTTA", name="never measured")
    off = await factory.kpi_metric(org, "MTTA", name="inactive", is_active=False)
    await factory.kpi_measurement(off, END, "1.00")
    system = await factory.kpi_metric(org, "MTTR", name="system", is_system_metric=True)
    stranger = await factory.kpi_metric(await factory.org("Globex"), "MTTA", name="theirs")
    return {
        "org": org,
        "metrics": metrics,
        "quiet": quiet,
        "system": system,
        "stranger": stranger,
        "user": await factory.user(org),
    }


async def call(client, factory, data, method: str, path: str, **kwargs: Any) -> Any:
    return await client.request(
        method, f"{API}{path}", headers=factory.headers(data["user"]), **kwargs
    )


async def test_the_summary_rules(client, factory, data):
    answer = await call(client, factory, data, "GET", "/kpi-metrics/summary/")
    assert answer.status_code == 200
    got = [
        (
            r["metric_type"],
            r["current_value"],
            r["trend"],
            r["trend_percentage"],
            r["target_met"],
            r["target_value"],
        )
        for r in answer.json()
    ]
    assert got == [
        ("MTTA", "12.00", "up", "20.0", True, "20.00"),
        ("AVAILABILITY", "99.00", "stable", "-0.5", False, "99.90"),
        ("MTTR", "5.00", "stable", "0.0", True, None),
        ("INCIDENT_COUNT", "101.00", "stable", "1.0", False, "3.00"),
        ("ESCALATION_RATE", "98.95", "down", "-1.1", True, None),
        ("MTBF", "24.00", "stable", "0.0", True, None),
    ]
    first = answer.json()[0]
    assert first == {
        "metric_type": "MTTA",
        "metric_name": "MTTA metric",
        "current_value": "12.00",
        "unit": "u",
        "trend": "up",
        "trend_percentage": "20.0",
        "period_start": "2026-03-09T12:00:00Z",
        "period_end": "2026-03-10T12:00:00Z",
        "incident_count": 7,
        "target_value": "20.00",
        "target_met": True,
    }


async def test_the_list_filters(client, factory, data):
    async def names(**params: Any) -> list[str]:
        answer = await call(client, factory, data, "GET", "/kpi-metrics/", params=params)
        assert answer.status_code == 200, answer.text
        return sorted(r["name"] for r in answer.json()["results"])

    assert await names(metric_type="MTTR") == ["MTTR metric", "system"]
    assert await names(is_active="false") == ["inactive"]
    assert await names(is_system_metric="1") == ["system"]
    assert await names(search="NEVER") == ["never measured"]
    assert len(await names(created_before="2000-01-01")) == 0
    page = (
        await call(
            client,
            factory,
            data,
            "GET",
            "/kpi-metrics/",
            params={"ordering": "name", "page_size": 1},
        )
    ).json()
    assert page["count"] == 9
    row = page["results"][0]
    assert (row["name"], row["measurement_count"], row["created_by_username"]) == (
        "AVAILABILITY metric",
        2,
        None,
    )
    assert row["latest_measurement"] == {
        "value": "99.00",
        "unit": "u",
        "calculated_at": "2026-03-10T12:00:00Z",
        "incident_count": 7,
    }


async def test_measurements_of_a_metric(client, factory, data):
    mtta = data["metrics"]["MTTA"]["id"]
    both = (await call(client, factory, data, "GET", f"/kpi-metrics/{mtta}/measurements/")).json()
    assert [r["value"] for r in both["results"]] == ["12.00", "10.00"]
    # Periods overlapping [start_date, end_date]: the older one ends at 11:00.
    old = (
        await call(
            client,
            factory,
            data,
            "GET",
            f"/kpi-metrics/{mtta}/measurements/",
            params={"end_date": "2026-03-09T11:30:00Z"},
        )
    ).json()
    assert [r["value"] for r in old["results"]] == ["10.00"]
    listed = await call(
        client,
        factory,
        data,
        "GET",
        "/kpi-measurements/",
        params={"metric_id": str(mtta), "start_date": "2026-03-10T11:30:00Z"},
    )
    assert [r["value"] for r in listed.json()["results"]] == ["12.00"]


async def test_ids_of_no_concern_are_404_or_400(client, factory, data):
    theirs = data["stranger"]["id"]
    for method, path in [
        ("GET", f"/kpi-metrics/{theirs}/"),
        ("PATCH", f"/kpi-metrics/{theirs}/"),
        ("DELETE", f"/kpi-metrics/{theirs}/"),
        ("GET", f"/kpi-metrics/{theirs}/measurements/"),
        ("GET", "/kpi-metrics/not-a-uuid/"),
    ]:
        answer = await call(
            client, factory, data, method, path, json={} if method == "PATCH" else None
        )
        assert (answer.status_code, answer.json()["code"]) == (404, "NOT_FOUND"), (method, path)
    filtered = await call(
        client, factory, data, "GET", "/kpi-measurements/", params={"metric_id": str(theirs)}
    )
    assert (filtered.status_code, filtered.json()["code"]) == (400, "VALIDATION_ERROR")


async def test_create_patch_and_delete(client, factory, data):
    made = await call(
        client,
        factory,
        data,
        "POST",
        "/kpi-metrics/",
        json={
            "name": "Custom MTTR",
            "metric_type": "MTTR",
            "incident_severities": ["HIGH"],
            "time_window_hours": 48,
        },
    )
    assert made.status_code == 201
    body = made.json()
    assert (body["time_window_hours"], body["created_by_username"], body["is_system_metric"]) == (
        48,
        "jane",
        False,
    )
    patched = await call(
        client,
        factory,
        data,
        "PATCH",
        f"/kpi-metrics/{body['id']}/",
        json={"target_value": "2.5", "is_active": False},
    )
    assert (
        patched.json()["target_value"],
        patched.json()["is_active"],
        patched.json()["name"],
    ) == ("2.50", False, "Custom MTTR")
    gone = await call(client, factory, data, "DELETE", f"/kpi-metrics/{body['id']}/")
    assert (gone.status_code, gone.content) == (204, b"")
    kept = await call(client, factory, data, "DELETE", f"/kpi-metrics/{data['system']['id']}/")
    assert (kept.status_code, kept.json()["code"]) == (403, "PERMISSION_DENIED")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"name", "metric_type"}),
        (
            {"name": "x", "metric_type": "MTTX", "time_window_hours": 0},
            {"metric_type", "time_window_hours"},
        ),
        (
            {"name": "x", "metric_type": "MTTA", "incident_severities": ["SEVERE"]},
            {"incident_severities"},
        ),
        ({"name": "x", "metric_type": "CUSTOM"}, {"calculation_formula"}),
        (
            {"name": "x", "metric_type": "CUSTOM", "calculation_formula": "MTTR ** 2"},
            {"calculation_formula"},
        ),
        (
            {"name": "x", "metric_type": "CUSTOM", "calculation_formula": "open('x')"},
            {"calculation_formula"},
        ),
        (
            {"name": "x", "metric_type": "MTTA", "calculation_formula": "MTTR"},
            {"calculation_formula"},
        ),
        (
            {"name": "x", "metric_type": "MTTA", "time_window_hours": 24.5, "is_active": "maybe"},
            {"time_window_hours", "is_active"},
        ),
        (
            {"name": "x", "metric_type": "MTTA", "incident_categories": ["a"] * 51},
            {"incident_categories"},
        ),
    ],
)
async def test_a_refused_body_names_every_field(client, factory, data, body, fields):
    answer = await call(client, factory, data, "POST", "/kpi-metrics/", json=body)
    assert answer.status_code == 400
    refused = answer.json()
    assert refused["code"] == "VALIDATION_ERROR"
    assert set(refused["details"]) == fields
    assert all(isinstance(m, list) and m for m in refused["details"].values())
    if not body:
        # DRF's words for a field not given.
        assert refused["details"]["name"] == ["This field is required."]
    if body.get("calculation_formula") == "MTTR ** 2":
        assert refused["details"]["calculation_formula"] == [
            "calculation_formula cannot be accepted: only + - * / are allowed"
        ]


async def test_a_metric_type_cannot_change(client, factory, data):
    metric = data["metrics"]["MTTA"]["id"]
    answer = await call(
        client, factory, data, "PATCH", f"/kpi-metrics/{metric}/", json={"metric_type": "MTTR"}
    )
    assert answer.status_code == 400
    assert answer.json()["details"] == {"metric_type": ["a metric's type cannot be changed"]}
