"""Guessed callers (gateway/callers.py): a query asked again with a credential takes
its caller from that credential's last lookup and confirms it in its first statement
(a compiled root's statement reads the caller's row beside its answer). Whatever the
guess, the client receives what the live lookup allows: each case below compares the
answer with the one an app that never guesses gives for the same request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update

from models.tenancy import ApiKey, Organization, User
from tests.apps import app_client

COMPONENTS = {"query": "{ components(first: 5) { nodes { name } } }"}
# Manager or above (resolvers/knowledge/types.py); not compiled: the resolver path.
ENTRIES = {"query": "{ viewer { username knowledgeEntries { id } } }"}
# Admin only, checked before its resolver's first statement (resolvers/agents/executive).
DASHBOARD = {"query": "{ executiveDashboard(days: 7) { executiveSummary { overallHealth } } }"}


def _lookups(statements: Any) -> list[str]:
    return [s for s in statements.statements if "JOIN organizations" in s]


@pytest.fixture
async def acme(factory: Any) -> dict[str, Any]:
    org = await factory.org(plan="enterprise")
    for name in ("api", "billing"):
        await factory.component(org, name)
    return org


async def _fresh_answer(db: Any, settings: Any, body: dict[str, Any], headers: Any) -> Any:
    """The request's answer from an app that has never seen the credential."""
    async with app_client(db, settings, cache_ttl=0) as fresh:
        return (await fresh.post("/graphql", json=body, headers=headers)).json()


async def _refused_after(
    db: Any, settings: Any, client: Any, headers: Any, change: Any, code: str, body: Any
) -> dict[str, Any]:
    """Once ``change`` is committed, the request is refused with ``code``, exactly as an
    app that never guesses refuses it."""
    async with db.begin() as conn:
        await conn.execute(change)
    refused: dict[str, Any] = (await client.post("/graphql", json=body, headers=headers)).json()
    assert refused["errors"][0]["extensions"]["code"] == code
    assert refused == await _fresh_answer(db, settings, body, headers)
    return refused


async def test_a_repeated_compiled_query_is_one_statement(db, settings, factory, acme, statements):
    ada = await factory.user(acme, "ada", role="admin")
    headers = factory.headers(ada)
    async with app_client(db, settings, cache_ttl=0) as client:
        statements.statements.clear()
        first = await client.post("/graphql", json=COMPONENTS, headers=headers)
        # never seen: the lookup, then the answer
        assert len(statements.statements) == 2, statements.statements
        statements.statements.clear()
        again = await client.post("/graphql", json=COMPONENTS, headers=headers)
        assert again.json() == first.json()
        assert first.json()["data"] == {
            "components": {"nodes": [{"name": "api"}, {"name": "billing"}]}
        }
        # one statement: the caller's row read beside the answer
        assert len(statements.statements) == 1, statements.statements
        assert "FROM components" in statements.statements[0]
        assert _lookups(statements) == statements.statements
        # another token of the same user is another credential: looked up first
        statements.statements.clear()
        other = factory.scoped_headers(ada, ["catalog:read"])
        assert (
            await client.post("/graphql", json=COMPONENTS, headers=other)
        ).json() == first.json()
        assert len(statements.statements) == 2


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "resolvers"])
@pytest.mark.parametrize("cache_ttl", [0.0, 30.0], ids=["no-cache", "answer-cache"])
async def test_a_deactivated_user_is_refused_on_the_next_request(
    db, settings, factory, acme, statements, compiled, cache_ttl
):
    ada = await factory.user(acme, "ada", role="admin")
    headers = factory.headers(ada)
    async with app_client(db, settings, cache_ttl=cache_ttl, compile_selections=compiled) as client:
        for _ in range(2):  # the second from the guess (and, with the cache, its answer)
            served = await client.post("/graphql", json=COMPONENTS, headers=headers)
            assert served.json()["data"]["components"]["nodes"][0] == {"name": "api"}
        statements.statements.clear()
        deactivate = update(User).where(User.id == ada["id"]).values(is_active=False)
        await _refused_after(
            db, settings, client, headers, deactivate, "USER_NOT_FOUND", COMPONENTS
        )
        # the guess's confirmation, then the second run's own lookup: nothing else read
        # components after the guess proved wrong
        assert len(_lookups(statements)) == 2, statements.statements
        # the refusal is not remembered: the next request looks the caller up first
        statements.statements.clear()
        await client.post("/graphql", json=COMPONENTS, headers=headers)
        assert statements.statements == _lookups(statements)[:1] and len(statements.statements) == 1


@pytest.mark.parametrize("body", [DASHBOARD, ENTRIES], ids=["root-guard", "nested-guard"])
async def test_a_downgraded_role_is_refused_on_the_next_request(
    db, settings, factory, acme, statements, body
):
    # The root guard passes on the guess before any statement: only the second run
    # keeps the dashboard from a member. The nested one runs after the first statement.
    ada = await factory.user(acme, "ada", role="admin")
    headers = factory.headers(ada)
    async with app_client(db, settings, cache_ttl=0) as client:
        allowed = (await client.post("/graphql", json=body, headers=headers)).json()
        assert "errors" not in allowed and allowed["data"]
        demote = update(User).where(User.id == ada["id"]).values(role="member")
        await _refused_after(db, settings, client, headers, demote, "INSUFFICIENT_ROLE", body)
        # and promoted again: allowed again at once
        async with db.begin() as conn:
            await conn.execute(update(User).where(User.id == ada["id"]).values(role="admin"))
        again = (await client.post("/graphql", json=body, headers=headers)).json()
        assert again["data"] == allowed["data"]


async def test_a_plan_downgrade_or_ended_trial_is_seen_by_a_compiled_query(
    db, settings, factory, acme
):
    ada = await factory.user(acme, "ada", role="admin")
    headers = factory.headers(ada)
    async with app_client(db, settings, cache_ttl=0) as client:
        await client.post("/graphql", json=COMPONENTS, headers=headers)
        ended = (
            update(Organization)
            .where(Organization.id == acme["id"])
            .values(trial_ends_at=datetime(2020, 1, 1, tzinfo=UTC))
        )
        await _refused_after(
            db, settings, client, headers, ended, "SUBSCRIPTION_REQUIRED", COMPONENTS
        )


async def test_a_revoked_api_key_is_refused_on_the_next_request(
    db, settings, factory, acme, statements
):
    ada = await factory.user(acme, "ada", role="admin")
    key = await factory.api_key(ada, "gw_guess_key", ["catalog:read"])
    headers = {"X-API-Key": "gw_guess_key"}
    async with app_client(db, settings, cache_ttl=0) as client:
        await client.post("/graphql", json=COMPONENTS, headers=headers)
        statements.statements.clear()
        served = (await client.post("/graphql", json=COMPONENTS, headers=headers)).json()
        assert served["data"]["components"]["nodes"][1] == {"name": "billing"}
        assert len(statements.statements) == 1
        revoke = update(ApiKey).where(ApiKey.id == key["id"]).values(revoked_at=datetime.now(UTC))
        await _refused_after(db, settings, client, headers, revoke, "INVALID_TOKEN", COMPONENTS)


async def test_a_cached_answer_is_served_only_once_the_caller_is_confirmed(
    db, settings, factory, acme, statements
):
    ada = await factory.user(acme, "ada", role="admin")
    headers = factory.headers(ada)
    async with app_client(db, settings, cache_ttl=30.0) as client:
        first = await client.post("/graphql", json=COMPONENTS, headers=headers)
        statements.statements.clear()
        hit = await client.post("/graphql", json=COMPONENTS, headers=headers)
        assert hit.json() == first.json()
        # the hit sends the caller's lookup alone
        assert len(statements.statements) == 1 and _lookups(statements) == statements.statements
        assert "FROM components" not in statements.statements[0]


async def test_a_mutation_never_runs_on_a_guess(db, settings, factory, acme, statements):
    ada = await factory.user(acme, "ada", role="admin")
    headers = factory.headers(ada)
    create = {"query": 'mutation { createEnvironment(name: "prod") { name } }'}
    async with app_client(db, settings, cache_ttl=0) as client:
        await client.post("/graphql", json=COMPONENTS, headers=headers)
        demote = update(User).where(User.id == ada["id"]).values(role="member")
        await _refused_after(db, settings, client, headers, demote, "INSUFFICIENT_ROLE", create)
