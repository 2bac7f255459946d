"""The plan cache (gateway/plan_cache.py) through /graphql: a repeated document is not
parsed or validated again, and every limit and check ahead of it still runs on every
sending. Counted through the cache's own stats; each test's documents carry a comment
of their own, so no other test's plans are hits here.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import parse
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from gateway.plan_cache import Plan, PlanCache, Stats, cache_of, document_hash
from gateway.schema import schema
from gateway.settings import Settings
from tests.apps import app_client

PLANS: PlanCache = cache_of(schema)
COMPONENTS = "query Names($first: Int!) { components(first: $first) { nodes { name } } }"


def fresh(document: str) -> str:
    """The document under a comment no other sending carries: a key of its own."""
    return f"# {uuid.uuid4().hex}\n{document}"


def counts() -> Stats:
    return Stats(**vars(PLANS.stats))


def delta(before: Stats) -> dict[str, int]:
    return {name: getattr(PLANS.stats, name) - value for name, value in vars(before).items()}


def codes(body: Any) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors") or []]


@pytest.fixture
async def acme(factory: Any) -> dict[str, str]:
    org = await factory.org("Acme")
    for name in ("billing", "search"):
        await factory.component(org, name)
    headers: dict[str, str] = factory.headers(await factory.user(org, "ann", role="manager"))
    return headers


async def ask(
    client: httpx.AsyncClient, headers: dict[str, str], query: str, **variables: Any
) -> Any:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    return response.json()


async def test_a_repeated_document_is_parsed_and_validated_once(
    client: httpx.AsyncClient, acme: dict[str, str]
) -> None:
    # given a document never sent before
    query = fresh(COMPONENTS)
    before = counts()
    # when it is sent three times
    answers = [await ask(client, acme, query, first=10) for _ in range(3)]
    # then it was parsed and validated once, and served from the plan twice
    assert delta(before) == {"hits": 2, "misses": 1, "parses": 1, "validations": 1}
    # and /metrics counts the hits (the schema is shared, so at least these two)
    metrics = (await client.get("/metrics")).text
    hits = re.search(
        r'^gateway_graphql_plan_cache_lookups_total\{outcome="hit"\} (\S+)$', metrics, re.M
    )
    assert hits is not None and float(hits.group(1)) >= 2
    nodes = [{"name": "billing"}, {"name": "search"}]
    assert [answer["data"]["components"]["nodes"] for answer in answers] == [nodes] * 3


async def test_each_operation_name_has_a_plan_of_its_own(
    client: httpx.AsyncClient, acme: dict[str, str]
) -> None:
    # given one document holding two operations
    query = fresh(
        "query A { viewer { username } } query B { components(first: 1) { nodes { name } } }"
    )
    before = counts()
    # when each is asked by name, twice
    for name in ("A", "B", "A", "B"):
        response = await client.post(
            "/graphql", json={"query": query, "operationName": name}, headers=acme
        )
        assert "errors" not in response.json()
    # then each was parsed once under its own key
    assert delta(before) == {"hits": 2, "misses": 2, "parses": 2, "validations": 2}
    assert PLANS.get((document_hash(query), "A", MAX_TOKENS)) is not None


@pytest.mark.parametrize(
    ("document", "limit"),
    [
        ("{ " + "a { " * (MAX_DEPTH + 1) + "b" + " }" * (MAX_DEPTH + 1) + " }", "depth"),
        ("{ " + " ".join(f"a{i}: __typename" for i in range(MAX_ALIASES + 1)) + " }", "aliases"),
    ],
)
async def test_a_document_over_a_limit_is_refused_on_every_sending(
    client: httpx.AsyncClient, acme: dict[str, str], document: str, limit: str
) -> None:
    # given a document over a limit
    query = fresh(document)
    before = counts()
    # when it is sent twice
    answers = [await ask(client, acme, query) for _ in range(2)]
    # then both sendings are refused by the limit, and graphql-core never validated it
    for answer in answers:
        assert codes(answer) == ["BAD_USER_INPUT"]
        assert answer["errors"][0]["extensions"]["details"]["limit"] == limit
    assert delta(before)["validations"] == 0


async def test_a_document_over_the_token_limit_is_never_cached(
    client: httpx.AsyncClient, acme: dict[str, str]
) -> None:
    # given a document of more than MAX_TOKENS tokens (each __typename is one)
    query = fresh("{ " + "__typename " * MAX_TOKENS + "}")
    before = counts()
    # when it is sent twice
    answers = [await ask(client, acme, query) for _ in range(2)]
    # then the parser refuses it both times, and nothing entered the cache
    for answer in answers:
        assert "data" not in answer or answer["data"] is None
        assert f"more than {MAX_TOKENS} tokens" in answer["errors"][0]["message"]
    assert delta(before) == {"hits": 0, "misses": 2, "parses": 0, "validations": 0}


async def test_a_validation_error_is_never_cached_as_a_success(
    client: httpx.AsyncClient, acme: dict[str, str]
) -> None:
    # given a document that parses but does not validate
    query = fresh("{ components(first: 10) { nodes { nope } } }")
    before = counts()
    # when it is sent twice
    answers = [await ask(client, acme, query) for _ in range(2)]
    # then both sendings fail validation, each validated afresh from the cached parse
    for answer in answers:
        message = answer["errors"][0]["message"]
        assert message == "Cannot query field 'nope' on type 'Component'. Did you mean 'name'?"
    assert delta(before) == {"hits": 1, "misses": 1, "parses": 1, "validations": 2}
    plan = PLANS.get((document_hash(query), None, MAX_TOKENS))
    assert plan is not None and plan.valid_under == set()


async def test_the_cost_and_input_checks_run_on_a_cached_plan(
    client: httpx.AsyncClient, acme: dict[str, str]
) -> None:
    # given a document whose plan is cached by a first, cheap sending
    query = fresh(COMPONENTS)
    cheap = await ask(client, acme, query, first=10)
    assert "errors" not in cheap
    # when it is sent again with variables that make it too costly, or break an input rule
    costly = await ask(client, acme, query, first=100_000)
    bad = await ask(client, acme, query, first=10, extra="nul\u0000byte")
    # then the cost estimate (1 + 100,000 nodes + 100,000 names) and InputGuard refuse them
    assert codes(costly) == ["QUERY_TOO_COSTLY"]
    assert costly["errors"][0]["extensions"]["details"]["cost"] == 200_001
    assert codes(bad) == ["BAD_USER_INPUT"]


async def test_introspection_off_refuses_a_document_another_app_cached_as_valid(
    db: AsyncEngine, tmp_path: Path, acme: dict[str, str]
) -> None:
    # given an introspection query validated and cached by an app that allows it
    query = fresh("{ __schema { queryType { name } } }")
    async with app_client(db, Settings(data_dir=tmp_path, introspection=True)) as open_app:
        allowed = await ask(open_app, acme, query)
    assert allowed["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    # when an app with introspection off receives the same document
    async with app_client(db, Settings(data_dir=tmp_path, introspection=False)) as closed_app:
        refused = await ask(closed_app, acme, query)
    # then its own rules refuse it: the cached pass was for another rule set
    assert codes(refused) and set(codes(refused)) == {"INTROSPECTION_DISABLED"}


def test_the_cache_keeps_the_most_recently_used_plans_within_its_size() -> None:
    # given a cache of two plans holding A and B, A used last
    plans = PlanCache(maxsize=2)
    documents = {name: parse(f"{{ {name} }}") for name in ("a", "b", "c")}
    for name in ("a", "b"):
        plans.put((name, None, MAX_TOKENS), Plan(documents[name]))
    assert plans.get(("a", None, MAX_TOKENS)) is not None
    # when C is added
    plans.put(("c", None, MAX_TOKENS), Plan(documents["c"]))
    # then B, the least recently used, is gone
    assert plans.get(("b", None, MAX_TOKENS)) is None
    assert [plans.get((name, None, MAX_TOKENS)) is not None for name in ("a", "c")] == [True] * 2
    # and a size of 0 keeps nothing
    plans.resize(0)
    plans.put(("a", None, MAX_TOKENS), Plan(documents["a"]))
    assert len(plans) == 0


async def test_a_documents_literals_are_read_once_and_refused_on_every_sending(
    client: httpx.AsyncClient, acme: dict[str, str]
) -> None:
    # given a document with a NUL in a literal, and a clean one
    bad = fresh('{ components(search: "a\\u0000b") { nodes { name } } }')
    good = fresh('{ components(search: "bill") { nodes { name } } }')
    # when each is sent twice
    answers = [await ask(client, acme, query) for query in (bad, bad, good, good)]
    # then the bad one is refused both times (refused before its plan is kept, it has
    # none), the good one answered both times, its plan holding its literals' finding
    assert [codes(answer) for answer in answers] == [["BAD_USER_INPUT"]] * 2 + [[]] * 2
    assert answers[3]["data"]["components"]["nodes"] == [{"name": "billing"}]
    plans = [PLANS.get((document_hash(q), None, MAX_TOKENS)) for q in (bad, good)]
    assert [plan.literal_problem if plan else "no plan" for plan in plans] == ["no plan", None]
