"""Who may call the seven knowledge paths, and what they may see."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from models.tenancy import Organization, User
from tests.knowledge import expected

BUS = "/api/v1/analytics/bus-factor"
STALE = "/api/v1/analytics/staleness"

READS = [
    ("GET", f"{BUS}/"),
    ("GET", f"{BUS}/person/{{alice}}"),
    ("GET", f"{BUS}/department/{{eng}}"),
    ("GET", f"{BUS}/critical"),
    ("GET", f"{STALE}/"),
    ("GET", f"{STALE}/stats"),
]
CHECK = ("POST", f"{STALE}/check")
ALL = [*READS, CHECK]


async def call(client, acme, method, path, headers):
    url = path.format(alice=acme.id("alice"), eng=acme.id("Engineering"))
    return await client.request(method, url, headers=headers)


def error(response):
    return response.status_code, response.json()["error"]["code"]


@pytest.mark.parametrize(("method", "path"), ALL)
async def test_member_is_refused_everywhere(client, factory, acme, method, path):
    response = await call(client, acme, method, path, factory.headers(acme.users["carol"]))
    assert error(response) == (403, "INSUFFICIENT_ROLE")
    assert set(response.json()["error"]) >= {"code", "message"}


@pytest.mark.parametrize(("method", "path"), READS)
async def test_manager_and_admin_may_read(client, factory, acme, method, path):
    for name in ("bob", "alice"):
        response = await call(client, acme, method, path, factory.headers(acme.users[name]))
        assert response.status_code == 200, (name, response.text)


async def test_manager_may_not_run_the_check(client, factory, acme, db):
    response = await call(client, acme, *CHECK, factory.headers(acme.users["bob"]))
    assert error(response) == (403, "INSUFFICIENT_ROLE")
    stats = await client.get(f"{STALE}/stats", headers=factory.headers(acme.users["bob"]))
    assert stats.json()["needs_review_count"] == 2  # nothing was flagged


@pytest.mark.parametrize("plan", ["free", "starter"])
@pytest.mark.parametrize(("method", "path"), ALL)
async def test_plan_below_growth_needs_an_upgrade(client, factory, acme, db, plan, method, path):
    await _set(db, Organization, acme.org["id"], plan=plan)
    response = await call(client, acme, method, path, factory.headers(acme.users["alice"]))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PLAN_UPGRADE_REQUIRED"
    assert response.json()["error"]["details"] == {
        "required_plan": "growth",
        "feature": "analytics",
    }


@pytest.mark.parametrize(("method", "path"), ALL)
async def test_enterprise_plan_is_enough(client, factory, acme, db, method, path):
    await _set(db, Organization, acme.org["id"], plan="enterprise")
    response = await call(client, acme, method, path, factory.headers(acme.users["alice"]))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "change",
    [{"subscription_active": False}, {"trial_ends_at": "expired"}],
    ids=["inactive", "trial-ended"],
)
@pytest.mark.parametrize(("method", "path"), ALL)
async def test_lapsed_subscription_is_payment_required(
    client, factory, acme, db, change, method, path
):
    if change.get("trial_ends_at") == "expired":
        change = {"trial_ends_at": factory.now - timedelta(days=1)}
    await _set(db, Organization, acme.org["id"], **change)
    response = await call(client, acme, method, path, factory.headers(acme.users["alice"]))
    assert error(response) == (402, "SUBSCRIPTION_REQUIRED")


async def test_role_lowered_in_the_database_applies_to_the_next_request(client, factory, acme, db):
    # given a manager's token that works
    headers = factory.headers(acme.users["bob"])
    assert (await client.get(f"{BUS}/", headers=headers)).status_code == 200
    # when the role is lowered in the database
    await _set(db, User, acme.users["bob"]["id"], role="member")
    # then the very next request with the same token is refused
    assert error(await client.get(f"{BUS}/", headers=headers)) == (403, "INSUFFICIENT_ROLE")
    assert error(await client.get(f"{STALE}/stats", headers=headers)) == (403, "INSUFFICIENT_ROLE")
    # and an admin lowered to manager loses the check at once
    admin = factory.headers(acme.users["alice"])
    await _set(db, User, acme.users["alice"]["id"], role="manager")
    assert error(await client.post(f"{STALE}/check", headers=admin)) == (403, "INSUFFICIENT_ROLE")


async def test_deactivated_user_and_missing_token_are_unauthorised(client, factory, acme, db):
    assert error(await client.get(f"{BUS}/")) == (401, "UNAUTHENTICATED")
    headers = factory.headers(acme.users["bob"])
    await _set(db, User, acme.users["bob"]["id"], is_active=False)
    assert error(await client.get(f"{BUS}/", headers=headers)) == (401, "USER_NOT_FOUND")


async def test_token_scopes_gate_reads_and_the_check(client, factory, acme):
    reader = factory.headers(acme.users["alice"], scopes=["knowledge:read"])
    assert (await client.get(f"{BUS}/", headers=reader)).status_code == 200
    assert error(await client.post(f"{STALE}/check", headers=reader)) == (
        403,
        "INSUFFICIENT_SCOPE",
    )
    other = factory.headers(acme.users["alice"], scopes=["catalog:read"])
    assert error(await client.get(f"{STALE}/", headers=other)) == (403, "INSUFFICIENT_SCOPE")
    writer = factory.headers(acme.users["alice"], scopes=["knowledge:read", "knowledge:write"])
    assert (await client.post(f"{STALE}/check", headers=writer)).status_code == 200


@pytest.mark.parametrize(
    "target",
    ["other-org", "unknown", "malformed", "wrong-kind"],
)
async def test_people_and_departments_outside_the_org_are_not_found(client, factory, acme, target):
    headers = factory.headers(acme.users["bob"])
    ids = {
        "other-org": (acme.other_user["id"], acme.other_department["id"]),
        "unknown": (uuid.uuid4(), uuid.uuid4()),
        "malformed": ("not-a-uuid", "12345"),
        # an id of the right shape for something else: a department is not a person
        "wrong-kind": (acme.id("Engineering"), acme.id("alice")),
    }[target]
    person = await client.get(f"{BUS}/person/{ids[0]}", headers=headers)
    department = await client.get(f"{BUS}/department/{ids[1]}", headers=headers)
    assert error(person) == (404, "NOT_FOUND")
    assert error(department) == (404, "NOT_FOUND")


async def test_another_organisation_sees_only_its_own(client, factory, acme):
    # given Globex's admin, whose two entries are stale and solely hers
    headers = factory.headers(acme.other_user)
    # then every answer holds Globex's data only
    bus = (await client.get(f"{BUS}/", headers=headers)).json()
    assert [p["user_name"] for p in bus["person_scores"]] == ["Mallory"]
    assert bus["person_scores"][0]["score"] == 100.0
    assert [(d["department_name"], d["total_entries"]) for d in bus["department_scores"]] == [
        ("Engineering", 2)
    ]
    stale = (await client.get(f"{STALE}/", headers=headers)).json()
    assert sorted(e["title"] for e in stale["entries"]) == ["Launch codes", "Secret plan"]
    stats = (await client.get(f"{STALE}/stats", headers=headers)).json()
    assert (stats["total_active"], stats["stale_count"]) == (2, 2)
    check = (await client.post(f"{STALE}/check", headers=headers)).json()
    assert (check["checked"], check["flagged"]) == (2, 2)
    # and Acme's answers are unchanged by Globex's check
    acme_headers = factory.headers(acme.users["bob"])
    assert (await client.get(f"{STALE}/", headers=acme_headers)).json() == (
        expected.stale_entries(acme, 30)
    )
    assert (await client.get(f"{BUS}/", headers=acme_headers)).json() == expected.bus_factor(acme)


async def test_acme_ids_are_not_found_for_globex(client, factory, acme):
    headers = factory.headers(acme.other_user)
    person = await client.get(f"{BUS}/person/{acme.id('alice')}", headers=headers)
    department = await client.get(f"{BUS}/department/{acme.id('Engineering')}", headers=headers)
    assert error(person) == (404, "NOT_FOUND")
    assert error(department) == (404, "NOT_FOUND")


async def _set(db, model, id, **values):
    async with db.begin() as conn:
        await conn.execute(update(model).where(model.id == id).values(**values))
