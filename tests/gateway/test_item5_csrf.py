"""Item 5: with cookie authentication, a write must be JSON from a trusted origin (or
carry a custom header); header credentials are unaffected."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.settings import Settings
from models.knowledge import KnowledgeEntry
from tests.gateway.safety import app_client

CHECK = "/api/v1/analytics/staleness/check"
OWN = "http://gateway.test"


@pytest.fixture
async def admin(factory):
    org = await factory.org()
    ada = await factory.user(org, "ada", role="admin")
    # one active entry, stale for any threshold up to 100 days: a check would flag it
    await factory.entry(org, ada, "Runbook", created_days_ago=100)
    return ada


async def statuses(db) -> list[str]:
    async with db.connect() as conn:
        return list((await conn.scalars(select(KnowledgeEntry.status))).all())


def cookie(factory, user) -> dict[str, str]:
    return {"Cookie": f"access_token={factory.token(user)}"}


@pytest.mark.parametrize(
    ("content_type", "extra"),
    [
        ("text/plain", {"Origin": "https://evil.example"}),  # the attack from the issue
        ("application/x-www-form-urlencoded", {}),  # an empty form post
        ("text/plain", {"Origin": OWN}),  # same origin, but not JSON
        ("application/json", {"Origin": "https://evil.example"}),
        ("application/json", {"Origin": "https://evil.example", "X-Requested-With": "x"}),
        ("application/json", {}),  # JSON, but no Origin and no custom header
    ],
)
async def test_item5_cookie_writes_refused(client, factory, db, admin, content_type, extra):
    headers = {**cookie(factory, admin), "Content-Type": content_type, **extra}
    answer = await client.post(CHECK, content=b"", headers=headers)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "CSRF_REJECTED"
    assert await statuses(db) == ["active"]  # the check did not run


@pytest.mark.parametrize(
    "extra",
    [{"Origin": OWN}, {"X-Requested-With": "XMLHttpRequest"}, {"Apollo-Require-Preflight": "1"}],
)
async def test_item5_cookie_writes_from_trusted_pages_run(client, factory, db, admin, extra):
    headers = {**cookie(factory, admin), "Content-Type": "application/json", **extra}
    answer = await client.post(CHECK, content=b"{}", headers=headers)
    assert answer.status_code == 200
    assert answer.json()["flagged"] == 1
    assert await statuses(db) == ["needs_review"]


async def test_item5_allowed_origins_come_from_the_setting(db, factory, admin, tmp_path):
    settings = Settings(data_dir=tmp_path, allowed_origins="https://app.example")
    headers = {**cookie(factory, admin), "Content-Type": "application/json"}
    async with app_client(db, settings) as client:
        trusted = await client.post(
            CHECK, json={}, headers={**headers, "Origin": "https://app.example"}
        )
        other = await client.post(
            CHECK, json={}, headers={**headers, "Origin": "https://other.example"}
        )
    assert trusted.status_code == 200
    assert other.status_code == 403


async def test_item5_graphql_post_with_cookie_from_a_foreign_origin(client, factory, admin):
    headers = {**cookie(factory, admin), "Origin": "https://evil.example"}
    answer = await client.post(
        "/graphql", json={"query": "mutation { runStalenessCheck { flagged } }"}, headers=headers
    )
    assert answer.json()["errors"][0]["extensions"]["code"] == "CSRF_REJECTED"
    # the same page's own GraphiQL (same origin) works with the cookie
    own = await client.post(
        "/graphql",
        json={"query": "{ viewer { username } }"},
        headers={**cookie(factory, admin), "Origin": OWN},
    )
    assert own.json()["data"] == {"viewer": {"username": "ada"}}


async def test_item5_header_tokens_are_unaffected(client, factory, db, admin):
    headers = {
        **factory.headers(admin),
        "Content-Type": "text/plain",
        "Origin": "https://evil.example",
    }
    answer = await client.post(CHECK, content=b"", headers=headers)
    assert answer.status_code == 200
    assert await statuses(db) == ["needs_review"]
