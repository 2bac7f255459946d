"""Callers kept for GATEWAY_CALLER_CACHE_SECONDS (gateway/callers.py): a burst of requests
with one credential reads the caller's row once; a change made elsewhere is seen once
the window has passed, a write this process commits in the organisation at once; a
principal is never used past its token's exp or its trial's end. Off by default: the
knowledge base documents that a role downgrade applies to the next request."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from gateway.auth import Credential, Principal
from gateway.callers import CallerCache
from models.tenancy import User
from tests.apps import app_client

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
QUERY = {"query": "{ components(first: 1) { nodes { name } } }"}
CREATE = 'mutation { createEnvironment(name: "prod") { id } }'


class Clock:
    def __init__(self) -> None:
        self.seconds = 100.0

    def __call__(self) -> float:
        return self.seconds


def principal(org: uuid.UUID, valid_until: datetime | None = None) -> Principal:
    return Principal(
        user_id=uuid.uuid4(),
        org_id=org,
        username="ada",
        role="admin",
        plan="enterprise",
        scopes=None,
        via="jwt",
        valid_until=valid_until,
    )


def test_a_caller_is_kept_for_the_ttl_and_no_longer() -> None:
    clock = Clock()
    cache = CallerCache(1.0, clock=clock)
    token, other = Credential("jwt", "a.b.c"), Credential("api_key", "a.b.c")
    kept = principal(uuid.uuid4())
    cache.put(token, kept)
    clock.seconds += 0.999
    assert cache.get(token, NOW) is kept
    # the same text as another kind of credential is another caller
    assert cache.get(other, NOW) is None
    clock.seconds += 0.001
    assert cache.get(token, NOW) is None
    assert cache._entries == {} and cache._by_org == {}


def test_a_caller_is_never_used_past_its_token_or_trial() -> None:
    cache = CallerCache(60.0, clock=Clock())
    token = Credential("jwt", "t")
    cache.put(token, principal(uuid.uuid4(), valid_until=NOW + timedelta(seconds=1)))
    assert cache.get(token, NOW) is not None
    assert cache.get(token, NOW + timedelta(seconds=1)) is None


def test_a_write_drops_its_organisations_callers_only() -> None:
    cache = CallerCache(60.0, clock=Clock())
    acme, other = uuid.uuid4(), uuid.uuid4()
    cache.put(Credential("jwt", "a1"), principal(acme))
    cache.put(Credential("api_key", "a2"), principal(acme))
    cache.put(Credential("jwt", "o1"), principal(other))
    cache.changed(acme)
    assert cache.get(Credential("jwt", "a1"), NOW) is None
    assert cache.get(Credential("api_key", "a2"), NOW) is None
    assert cache.get(Credential("jwt", "o1"), NOW) is not None


def test_the_least_recently_used_caller_goes_first() -> None:
    cache = CallerCache(60.0, size=2, clock=Clock())
    first, second, third = (Credential("jwt", name) for name in ("1", "2", "3"))
    org = uuid.uuid4()
    cache.put(first, principal(org))
    cache.put(second, principal(org))
    assert cache.get(first, NOW) is not None  # used: second is now the oldest
    cache.put(third, principal(org))
    assert cache.get(second, NOW) is None
    assert cache.get(first, NOW) is not None and cache.get(third, NOW) is not None
    assert len(cache._by_org[org]) == 2


@pytest.fixture
async def admin(factory: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """An admin and the headers of their token."""
    ada = await factory.user(await factory.org(), "ada", role="admin")
    return ada, factory.headers(ada)


def _lookups(statements: Any) -> int:
    return sum(1 for s in statements.statements if "JOIN organizations" in s)


async def test_a_burst_reads_the_caller_once_and_a_change_after_the_window(
    db, admin, settings, statements
):
    ada, headers = admin
    async with app_client(db, settings, caller_cache_seconds=1.0) as client:
        clock = Clock()
        client._transport.app.state.runtime.callers.clock = clock
        statements.statements.clear()
        for _ in range(3):
            answer = await client.post("/graphql", json=QUERY, headers=headers)
            assert "errors" not in answer.json()
        assert _lookups(statements) == 1
        # ada is deactivated elsewhere (the CLI, another replica): seen after the window
        async with db.begin() as conn:
            await conn.execute(update(User).where(User.id == ada["id"]).values(is_active=False))
        clock.seconds += 0.5
        kept = await client.post("/graphql", json=QUERY, headers=headers)
        assert "errors" not in kept.json()
        clock.seconds += 0.5
        refused = await client.post("/graphql", json=QUERY, headers=headers)
        assert refused.json()["errors"][0]["extensions"]["code"] == "USER_NOT_FOUND"
        assert _lookups(statements) == 2


async def test_a_write_in_the_organisation_reads_its_callers_again(db, admin, settings, statements):
    _, headers = admin
    async with app_client(db, settings, caller_cache_seconds=1.0) as client:
        client._transport.app.state.runtime.callers.clock = Clock()  # never expires
        await client.post("/graphql", json=QUERY, headers=headers)
        written = await client.post("/graphql", json={"query": CREATE}, headers=headers)
        assert "errors" not in written.json()
        statements.statements.clear()
        await client.post("/graphql", json=QUERY, headers=headers)
        assert _lookups(statements) == 1


async def test_off_by_default_the_caller_is_read_on_every_request(db, admin, settings, statements):
    ada, headers = admin
    async with app_client(db, settings) as client:
        assert client._transport.app.state.runtime.callers is None
        await client.post("/graphql", json=QUERY, headers=headers)
        async with db.begin() as conn:
            await conn.execute(update(User).where(User.id == ada["id"]).values(role="member"))
        statements.statements.clear()
        answer = await client.post("/graphql", json={"query": CREATE}, headers=headers)
        assert answer.json()["errors"][0]["extensions"]["code"] == "INSUFFICIENT_ROLE"
        assert _lookups(statements) == 1
