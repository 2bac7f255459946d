"""GET /v1/mcp/analytics/config-audit and configAudit on a hand-worked dataset.

Acme's changes (window [00:00, 10:00) on 2026-05-01, UTC):

    c0  04-30 23:59:59  out (before from)
    c1  00:00:00  at from: in; guardian threshold 0.5 -> 0.7, by Ana
    c2  03:00:00  guardian tags ["pii"] -> ["pii", "prod"], no actor
    c3  07:30:00  a target that is no gateway row: "ext-42", enabled true -> false
    c4  10:00:00  at to: out

Newest first in the window: c3, c2, c1. Globex has a change at 05:00 Acme never sees.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.ids import CONFIG_CHANGE, render_id
from tests.factories import Factory

DAY = datetime(2026, 5, 1, tzinfo=UTC)
NOW = DAY + timedelta(hours=12)
WINDOW = {"from": "2026-05-01T00:00:00Z", "to": "2026-05-01T10:00:00Z"}
AUDIT = "/v1/mcp/analytics/config-audit"


@pytest.fixture
async def acme(factory: Factory) -> dict[str, Any]:
    org = await factory.org("Acme")
    ana = await factory.user(org, "ana")
    guardian = "gov_01HZY5W6V7Q8R9S0T1V2W3X4Y5"
    changes = {
        "c0": await factory.config_change(org, DAY - timedelta(seconds=1)),
        "c1": await factory.config_change(
            org,
            DAY,
            field="threshold",
            target_id=guardian,
            actor_id=ana["id"],
            old_value=0.5,
            new_value=0.7,
        ),
        "c2": await factory.config_change(
            org,
            DAY + timedelta(hours=3),
            field="tags",
            target_id=guardian,
            old_value=["pii"],
            new_value=["pii", "prod"],
        ),
        "c3": await factory.config_change(
            org,
            DAY + timedelta(hours=7, minutes=30),
            field="enabled",
            target_type="integration",
            target_id="ext-42",
            old_value=True,
            new_value=False,
        ),
        "c4": await factory.config_change(org, DAY + timedelta(hours=10)),
    }
    globex = await factory.org("Globex")
    await factory.config_change(globex, DAY + timedelta(hours=5), field="globex")
    return {"user": ana, "changes": changes, "guardian": guardian}


@pytest.fixture
async def api(client_at: Any) -> Any:
    async with client_at(NOW) as client:
        yield client


def cfg(acme: dict[str, Any], name: str) -> str:
    return render_id(CONFIG_CHANGE, acme["changes"][name]["id"])


async def test_changes_newest_first_with_window_edges(api, factory, acme):
    response = await api.get(AUDIT, params=WINDOW, headers=factory.headers(acme["user"]))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "data": [
            {
                "change_id": cfg(acme, "c3"),
                "actor_id": None,
                "target_type": "integration",
                "target_id": "ext-42",
                "field": "enabled",
                "old_value": True,
                "new_value": False,
                "changed_at": "2026-05-01T07:30:00Z",
            },
            {
                "change_id": cfg(acme, "c2"),
                "actor_id": None,
                "target_type": "guardian",
                "target_id": acme["guardian"],
                "field": "tags",
                "old_value": ["pii"],
                "new_value": ["pii", "prod"],
                "changed_at": "2026-05-01T03:00:00Z",
            },
            {
                "change_id": cfg(acme, "c1"),
                "actor_id": str(acme["user"]["id"]),
                "target_type": "guardian",
                "target_id": acme["guardian"],
                "field": "threshold",
                "old_value": 0.5,
                "new_value": 0.7,
                "changed_at": "2026-05-01T00:00:00Z",
            },
        ],
        "page": {"next_cursor": None, "has_more": False},
    }


async def test_pages_of_two(api, factory, acme):
    headers = factory.headers(acme["user"])
    first = (await api.get(AUDIT, params={**WINDOW, "limit": "2"}, headers=headers)).json()
    assert [c["change_id"] for c in first["data"]] == [cfg(acme, "c3"), cfg(acme, "c2")]
    assert first["page"]["has_more"] is True
    cursor = first["page"]["next_cursor"]
    second = (
        await api.get(AUDIT, params={**WINDOW, "limit": "2", "cursor": cursor}, headers=headers)
    ).json()
    assert [c["change_id"] for c in second["data"]] == [cfg(acme, "c1")]
    assert second["page"] == {"next_cursor": None, "has_more": False}


async def test_default_window_is_the_last_24_hours(client_at, factory, acme):
    # now = 05-01 10:00: [04-30 10:00, 05-01 10:00) holds c0..c3; c4 at now is out.
    async with client_at(DAY + timedelta(hours=10)) as api:
        body = (await api.get(AUDIT, headers=factory.headers(acme["user"]))).json()
    expected = [cfg(acme, n) for n in ("c3", "c2", "c1", "c0")]
    assert [c["change_id"] for c in body["data"]] == expected


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "tampered"},
        {"limit": "0"},
        {"limit": "201"},
        {"to": "2026-05-01"},
        {"from": "2026-05-01T10:00:00Z", "to": "2026-05-01T09:00:00Z"},
    ],
)
async def test_bad_parameters_are_validation_errors(api, factory, acme, params):
    response = await api.get(AUDIT, params=params, headers=factory.headers(acme["user"]))
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "validation_error"


async def test_credentials_and_scope(api, factory, acme):
    assert (await api.get(AUDIT)).status_code == 401
    logs_only = factory.scoped_headers(acme["user"], ["logs:read"])
    response = await api.get(AUDIT, headers=logs_only)
    assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")
    scoped = factory.scoped_headers(acme["user"], ["mcp:read"])
    assert (await api.get(AUDIT, headers=scoped)).status_code == 200


async def test_graphql_config_audit(api, factory, acme):
    query = """query($from: DateTime, $to: DateTime) {
      configAudit(from: $from, to: $to, first: 5) {
        nodes { id field targetType oldValue newValue } pageInfo { hasNextPage }
      }
    }"""
    response = await api.post(
        "/graphql",
        json={"query": query, "variables": WINDOW},
        headers=factory.headers(acme["user"]),
    )
    audit = response.json()["data"]["configAudit"]
    assert [n["field"] for n in audit["nodes"]] == ["enabled", "tags", "threshold"]
    assert audit["nodes"][2] == {
        "id": str(acme["changes"]["c1"]["id"]),
        "field": "threshold",
        "targetType": "guardian",
        "oldValue": 0.5,
        "newValue": 0.7,
    }
    assert audit["pageInfo"] == {"hasNextPage": False}


async def test_values_are_the_clients_json_untouched(api, factory, acme):
    """A value's keys may be named like this family's ids and times; they are data, not
    rewritten (a "change_id" that is no UUID once made the id rendering fail)."""
    org = {"id": acme["user"]["org_id"]}
    old = {"change_id": "not-a-uuid", "created_at": "2026-01-01T00:00:00+00:00"}
    new = {"session_id": "00000000-0000-0000-0000-000000000001", "to": "2026-01-01T00:00:00+00:00"}
    await factory.config_change(
        org, DAY + timedelta(hours=8), field="config", old_value=old, new_value=new
    )
    response = await api.get(AUDIT, params=WINDOW, headers=factory.headers(acme["user"]))
    assert response.status_code == 200, response.text
    newest = response.json()["data"][0]
    assert (newest["old_value"], newest["new_value"]) == (old, new)
    assert newest["changed_at"] == "2026-05-01T08:00:00Z"
