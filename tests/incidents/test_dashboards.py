"""Dashboard configurations over REST, on both dialects: creation's rules (widget types,
positions against the layout, overlaps), access per rule (public, creator, admin, role,
group, anyone else 403) in the list and the data path, and the data's keys."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

API = "/api/analytics"
SEED = {
    "name": "Executive Dashboard",
    "description": "High-level metrics for executives",
    "dashboard_type": "EXECUTIVE",
    "layout_config": {"rows": 2, "columns": 3},
    "widget_configs": [
        {
            "type": "kpi_summary",
            "position": {"row": 0, "column": 0},
            "size": {"width": 2, "height": 1},
        },
        {
            "type": "anomaly_summary",
            "position": {"row": 0, "column": 2},
            "size": {"width": 1, "height": 1},
        },
    ],
    "is_public": False,
    "allowed_roles": ["executive", "manager"],
    "auto_refresh_enabled": True,
    "refresh_interval_seconds": 300,
}


def widget(kind: str, row: int, column: int, width: int = 1, height: int = 1) -> dict[str, Any]:
    return {
        "type": kind,
        "position": {"row": row, "column": column},
        "size": {"width": width, "height": height},
    }


async def test_create_as_the_seed_shows(client, factory):
    org = await factory.org()
    user = await factory.user(org, "ana", role="admin")
    response = await client.post(
        f"{API}/dashboard-configurations/", json=SEED, headers=factory.headers(user)
    )
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in SEED} == SEED
    assert body["is_active"] is True and body["created_by"] == str(user["id"])


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"widget_configs": [widget("pie_chart", 0, 0)]}, "widget_configs", "type must be"),
        ({"widget_configs": [widget("kpi_summary", 2, 0)]}, "widget_configs", "outside the 2 x 3"),
        (
            {"widget_configs": [widget("kpi_summary", 0, 1, width=3)]},
            "widget_configs",
            "outside",
        ),
        (
            {"widget_configs": [widget("kpi_summary", 0, 0, 2), widget("cost_summary", 0, 1)]},
            "widget_configs",
            "overlaps",
        ),
        (
            {
                "widget_configs": [
                    {**widget("heatmap", 1, 0), "config": {"heatmap_type": "RAINFALL"}}
                ]
            },
            "widget_configs",
            "heatmap_type must be",
        ),
        ({"layout_config": {"rows": 0, "columns": 3}}, "layout_config", "from 1 to 24"),
        ({"layout_config": {"rows": 2}}, "layout_config", "rows"),
        ({"dashboard_type": "WALL"}, "dashboard_type", None),
        ({"allowed_roles": [""]}, "allowed_roles", "1 to 100 characters"),
        ({"refresh_interval_seconds": 1}, "refresh_interval_seconds", None),
    ],
)
async def test_create_refuses_each_bad_field(client, factory, change, field, words):
    org = await factory.org()
    user = await factory.user(org, "ana")
    response = await client.post(
        f"{API}/dashboard-configurations/", json={**SEED, **change}, headers=factory.headers(user)
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR" and list(body["details"]) == [field]
    if words:
        assert words in body["details"][field][0]


@pytest.fixture
async def people(factory) -> dict[str, Any]:
    org = await factory.org()
    sales = await factory.department(org, "sales")
    people = {
        "creator": await factory.user(org, "creator"),
        "admin": await factory.user(org, "boss", role="admin"),
        "manager": await factory.user(org, "mia", role="manager"),
        "sales": await factory.user(org, "sam", department_id=sales["id"]),
        "other": await factory.user(org, "otto"),
    }
    people["private"] = await factory.dashboard(
        org, created_by=people["creator"]["id"], allowed_roles=["manager", "sales"]
    )
    people["public"] = await factory.dashboard(
        org, name="Ops", is_public=True, created_at=factory.now + timedelta(seconds=1)
    )
    people["outsider"] = await factory.user(await factory.org("Other"), "olga", role="admin")
    return people


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("creator", 200),
        ("admin", 200),
        ("manager", 200),  # by role
        ("sales", 200),  # by group: their department
        ("other", 403),
        ("outsider", 404),  # another organisation's admin
    ],
)
async def test_dashboard_access_per_rule(client, factory, people, who, status):
    headers = factory.headers(people[who])
    private = await client.get(f"{API}/dashboard/{people['private']['id']}/data/", headers=headers)
    public = await client.get(f"{API}/dashboard/{people['public']['id']}/data/", headers=headers)
    listed = await client.get(f"{API}/dashboard-configurations/", headers=headers)

    assert private.status_code == status, private.text
    if status == 403:
        assert private.json()["code"] == "PERMISSION_DENIED"
    names = [row["name"] for row in listed.json()["results"]]
    if who == "outsider":
        assert public.status_code == 404 and names == []
    else:
        assert public.status_code == 200
        opened = ["Ops", "Executive Dashboard"] if status == 200 else ["Ops"]
        assert names == opened


async def test_dashboard_data_has_the_seeds_keys(client, factory, people):
    headers = factory.headers(people["creator"])
    response = await client.get(f"{API}/dashboard/{people['private']['id']}/data/", headers=headers)
    body = response.json()
    assert list(body) == [
        "kpi_summary",
        "anomaly_summary",
        "cost_summary",
        "insight_summary",
        "recent_anomalies",
        "recent_insights",
        "heatmap_data",
        "last_updated",
    ]
    assert body["anomaly_summary"]["total_anomalies"] == 0
    assert body["cost_summary"]["currency"] == "USD"
    [heatmap] = body["heatmap_data"]
    assert (heatmap["heatmap_type"], heatmap["time_granularity"]) == ("INCIDENT_FREQUENCY", "HOUR")
    assert body["last_updated"].endswith("Z")
    malformed = await client.get(f"{API}/dashboard/123/data/", headers=headers)
    assert malformed.status_code == 404


async def test_the_configured_heatmap_is_shown(client, factory):
    org = await factory.org()
    user = await factory.user(org, "ana")
    heat = {
        **widget("heatmap", 0, 0),
        "config": {"heatmap_type": "COST_IMPACT", "time_granularity": "DAY"},
    }
    board = await factory.dashboard(org, is_public=True, widget_configs=[heat])
    body = (
        await client.get(f"{API}/dashboard/{board['id']}/data/", headers=factory.headers(user))
    ).json()
    [heatmap] = body["heatmap_data"]
    assert (heatmap["heatmap_type"], heatmap["time_granularity"]) == ("COST_IMPACT", "DAY")
