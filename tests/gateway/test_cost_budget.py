"""The GraphQL cost budget (gateway/cost_budget.py): each /graphql operation's estimated
cost is taken from its organisation's budget per minute; an operation the budget cannot
take is refused 429 before it runs, in GraphQL's error shape, charged nothing; REST calls
spend their family's limits, not the budget; replicas share it through Redis; a
graphql-transport-ws operation spends it too."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from gateway.app import create_app
from gateway.metrics import REGISTRY
from gateway.settings import Settings
from tests.agents.live import GraphQLSocket, serving
from tests.apps import app_client
from tests.rate_limits import REDIS, needs_redis

# components = 1, plus first x (nodes 1 + id 1 + name 1): n = 5 costs 16, n = 1 costs 4,
# n = 0 costs 1 (gateway/cost.py).
QUERY = "query($n: Int!) { components(first: $n) { nodes { id name } } }"
# A budget of 50 a minute takes three operations of 16 (48) and leaves 2.
BUDGET = {"graphql_cost_budget": "50/minute", "max_query_cost": 50}


async def run(client: Any, headers: dict[str, str], n: int) -> Any:
    return await client.post(
        "/graphql", json={"query": QUERY, "variables": {"n": n}}, headers=headers
    )


def refusals() -> float:
    name = "gateway_rate_limit_rejections_total"
    return REGISTRY.get_sample_value(name, {"family": "graphql"}) or 0.0


@pytest.fixture
async def member(factory: Any) -> dict[str, str]:
    return factory.headers(await factory.user(await factory.org(), "ana"))


async def test_the_operation_the_budget_cannot_take_is_429(db, settings, factory, member):
    # given
    other = factory.headers(await factory.user(await factory.org("Other"), "cy"))
    before = refusals()
    async with app_client(db, settings, **BUDGET) as client:
        # when: 16 + 16 + 16 = 48 of 50
        admitted = [await run(client, member, 5) for _ in range(3)]
        refused = await run(client, member, 5)
        another_organisation = await run(client, other, 5)
    # then
    assert [r.status_code for r in admitted] == [200, 200, 200]
    assert all(r.json()["extensions"] == {"cost": 16} for r in admitted)
    assert refused.status_code == 429
    # The window opened with the first operation, under a second before.
    wait = int(refused.headers["retry-after"])
    assert wait in (59, 60)
    assert refused.json() == {
        "data": None,
        "errors": [
            {
                "message": "per-organization rate limit of 50 per 1 minute exceeded; "
                f"retry in {wait} s",
                "extensions": {
                    "code": "RATE_LIMITED",
                    "details": {
                        "retry_after": wait,
                        "limit": 50,
                        "remaining": 2,
                        "window_seconds": 60,
                        "cost": 16,
                    },
                },
            }
        ],
        "extensions": {"cost": 16},
    }
    assert refused.headers["ratelimit-limit"] == "50"
    assert refused.headers["ratelimit-remaining"] == "2"
    assert refused.headers["ratelimit-reset"] == str(wait)
    assert another_organisation.status_code == 200
    assert refusals() - before == 1


async def test_a_refused_operation_costs_nothing(db, settings, member):
    async with app_client(db, settings, **BUDGET) as client:
        # given: 48 of 50 spent, and an operation of 16 refused
        for _ in range(3):
            assert (await run(client, member, 5)).status_code == 200
        assert (await run(client, member, 5)).status_code == 429
        # when: operations of 1 each
        statuses = [(await run(client, member, 0)).status_code for _ in range(3)]
        last = await run(client, member, 0)
    # then: the 2 left took two of them; had the refusal been charged, none would run
    assert statuses == [200, 200, 429]
    assert last.headers["ratelimit-remaining"] == "0"


async def test_rest_calls_spend_their_family_limits_not_the_budget(db, settings, factory):
    # given: a manager (the staleness figures are a manager's)
    manager = factory.headers(await factory.user(await factory.org(), "mo", role="manager"))
    path = "/api/v1/analytics/staleness/stats"
    async with app_client(db, settings, graphql_cost_budget="20/minute", max_query_cost=20) as c:
        # 16 of 20 spent
        assert (await run(c, manager, 5)).status_code == 200
        # when: REST calls, which run stored operations (of cost 9) on the same schema
        rest = [(await c.get(path, headers=manager)).status_code for _ in range(3)]
        # then: the 4 left are still there for /graphql
        assert rest == [200, 200, 200]
        assert (await run(c, manager, 1)).status_code == 200
        assert (await run(c, manager, 0)).status_code == 429


async def test_an_unauthenticated_operation_is_refused_uncharged(db, settings, member):
    async with app_client(db, settings, graphql_cost_budget="20/minute", max_query_cost=20) as c:
        anonymous = await run(c, {}, 5)
        assert (await run(c, member, 5)).status_code == 200
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@needs_redis
async def test_replicas_share_the_budget_through_redis(db, settings, member):
    # given: a fresh organisation (uuid4), so its keys in the shared Redis are this test's
    shared = {**BUDGET, "redis_url": REDIS}
    async with app_client(db, settings, **shared) as one, app_client(db, settings, **shared) as two:
        # when: 16 on each, then 16 on the first
        statuses = [(await run(app, member, 5)).status_code for app in (one, two, one)]
        refused = await run(two, member, 5)
    # then
    assert statuses == [200, 200, 200]
    assert (refused.status_code, refused.headers["ratelimit-remaining"]) == (429, "2")


def test_the_default_budget_and_bad_ones():
    # The suite runs with the budget off (tests/conftest.py); a deployment gets this.
    assert Settings.model_fields["graphql_cost_budget"].default == "200000/minute"
    assert Settings(graphql_cost_budget="").graphql_cost_budget == ""
    with pytest.raises(ValidationError, match="below max_query_cost"):
        Settings(graphql_cost_budget="40000/minute")
    with pytest.raises(ValidationError, match="lots"):
        Settings(graphql_cost_budget="lots")


async def test_a_socket_operation_spends_the_budget_too(db, settings, factory):
    # given: an API key's socket on a budget of 20
    user = await factory.user(await factory.org(), "ann")
    await factory.api_key(user, "agw_budget_ann", ["catalog:read"])
    changes = {"graphql_cost_budget": "20/minute", "max_query_cost": 20}
    app = create_app(settings.model_copy(update=changes), engine=db, run_migrations=False)
    async with serving(app) as served, GraphQLSocket.opened(served) as socket:
        assert (await socket.init({"X-API-Key": "agw_budget_ann"}))["type"] == "connection_ack"
        # when: 16, then 16 again
        answers = []
        for id in ("1", "2"):
            await socket.subscribe(id, QUERY, {"n": 5})
            answers.append(await socket.message())
            assert await socket.message() == {"id": id, "type": "complete"}
    # then
    assert answers[0]["payload"] == {
        "data": {"components": {"nodes": []}},
        "extensions": {"cost": 16},
    }
    assert answers[1]["payload"]["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert answers[1]["payload"]["errors"][0]["extensions"]["details"]["remaining"] == 4
