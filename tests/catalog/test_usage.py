"""Usage on a hand-worked audit log (hours ago):

    alice CREATE billing 1h, alice UPDATE billing 2h, alice UPDATE auth-lib 3h,
    bob DELETE legacy 4h, bob UPDATE billing 5h, carol CREATE - 6h, dave CREATE - 7h,
    alice UPDATE billing 40 days (outside 30 days), and org B's events (never counted).
30 days: 7 events. Components: billing 3, then auth-lib 1 and legacy 1 by name.
Users: alice 3, bob 2, then carol 1 and dave 1 by name. Actions: CREATE 3 and UPDATE 3
(ties by name), DELETE 1.
"""

from __future__ import annotations

import pytest

USAGE = "/api/v1/analytics/usage"


@pytest.fixture
async def dataset(factory):
    org = await factory.org("A")
    alice = await factory.user(org, "alice")
    bob = await factory.user(org, "bob")
    carol = await factory.user(org, "carol")
    dave = await factory.user(org, "dave")
    billing = await factory.component(org, "billing")
    lib = await factory.component(org, "auth-lib")
    legacy = await factory.component(org, "legacy")
    a = factory.audit
    await a(alice, "CREATE", component=billing, hours_ago=1)
    await a(alice, "UPDATE", component=billing, hours_ago=2)
    await a(alice, "UPDATE", component=lib, hours_ago=3)
    await a(bob, "DELETE", component=legacy, hours_ago=4)
    await a(bob, "UPDATE", component=billing, hours_ago=5)
    await a(carol, "CREATE", hours_ago=6)
    await a(dave, "CREATE", hours_ago=7)
    await a(alice, "UPDATE", component=billing, hours_ago=40 * 24)
    other = await factory.org("B")
    mallory = await factory.user(other, "mallory")
    other_component = await factory.component(other, "billing")
    for _ in range(5):
        await a(mallory, "UPDATE", component=other_component, hours_ago=1)
    return locals()


async def test_usage_matches_hand_worked_answer(client, factory, dataset):
    d = dataset
    response = await client.get(USAGE, headers=factory.headers(d["alice"]))
    assert response.status_code == 200
    assert response.json() == {
        "periodDays": 30,
        "totalAuditEvents": 7,
        "topComponents": [
            {"componentId": str(d["billing"]["id"]), "componentName": "billing", "accessCount": 3},
            {"componentId": str(d["lib"]["id"]), "componentName": "auth-lib", "accessCount": 1},
            {"componentId": str(d["legacy"]["id"]), "componentName": "legacy", "accessCount": 1},
        ],
        "activeUsers": [
            {"actorId": str(d["alice"]["id"]), "actorUsername": "alice", "actionCount": 3},
            {"actorId": str(d["bob"]["id"]), "actorUsername": "bob", "actionCount": 2},
            {"actorId": str(d["carol"]["id"]), "actorUsername": "carol", "actionCount": 1},
            {"actorId": str(d["dave"]["id"]), "actorUsername": "dave", "actionCount": 1},
        ],
        "actionBreakdown": [
            {"action": "CREATE", "count": 3},
            {"action": "UPDATE", "count": 3},
            {"action": "DELETE", "count": 1},
        ],
    }


async def test_longer_window_takes_the_old_event(client, factory, dataset):
    response = await client.get(
        USAGE, params={"days": 60}, headers=factory.headers(dataset["alice"])
    )
    body = response.json()
    assert body["periodDays"] == 60
    assert body["totalAuditEvents"] == 8
    assert body["topComponents"][0]["accessCount"] == 4
    assert body["activeUsers"][0] == {
        "actorId": str(dataset["alice"]["id"]),
        "actorUsername": "alice",
        "actionCount": 4,
    }


async def test_tops_stop_at_ten(client, factory):
    org = await factory.org()
    users = [await factory.user(org, f"user{i:02d}") for i in range(12)]
    components = [await factory.component(org, f"svc-{i:02d}") for i in range(12)]
    for user, component in zip(users, components, strict=True):
        await factory.audit(user, "UPDATE", component=component)
    body = (await client.get(USAGE, headers=factory.headers(users[0]))).json()
    assert body["totalAuditEvents"] == 12
    assert [c["componentName"] for c in body["topComponents"]] == [
        f"svc-{i:02d}" for i in range(10)
    ]
    assert [u["actorUsername"] for u in body["activeUsers"]] == [f"user{i:02d}" for i in range(10)]


async def test_empty_window(client, factory):
    org = await factory.org()
    user = await factory.user(org)
    body = (await client.get(USAGE, params={"days": 1}, headers=factory.headers(user))).json()
    assert body == {
        "periodDays": 1,
        "totalAuditEvents": 0,
        "topComponents": [],
        "activeUsers": [],
        "actionBreakdown": [],
    }
