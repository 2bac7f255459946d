"""nhiObservability over GraphQL (the REST answer's figures, plain UUIDs), and
Nhi.activitySummary's batch: one statement per batch of NHIs, whatever their number."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from strawberry.dataloader import DataLoader

from resolvers.governance.nhi_observability import Activity, activity_by_nhi
from tests.governance import nhi_observability_data as d

NOW = d.at(36)
W_VARS = {"from": d.W["from"], "to": d.W["to"]}

OBSERVABILITY = """query ($from: DateTime, $to: DateTime, $bucket: String! = "1h",
                          $first: Int! = 100, $after: String, $nhiId: UUID) {
  nhiObservability(from: $from, to: $to, bucket: $bucket, first: $first, after: $after,
                   nhiId: $nhiId) {
    from to bucket
    nodes { nhiId nhiLabel activityCount spendUsd toolsUsed deniedAttempts
            guardianCheckedShare mcpSessions lastSeenAt }
    pageInfo { hasNextPage endCursor }
    totals { nhis activeNhis activityCount spendUsd toolsUsed deniedAttempts
             guardianCheckedShare mcpSessions }
    series { timestamp activityCount spendUsd deniedAttempts }
  }
}"""


@pytest.fixture
async def ds(factory: Any) -> d.Dataset:
    return await d.build(factory)


@pytest.fixture
async def api(client_at: Any) -> Any:
    async with client_at(NOW) as client:
        yield client


async def gql(client: Any, headers: Any, query: str, variables: Any = None) -> Any:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200
    return response.json()


def codes(body: Any) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def test_the_rest_answers_figures_with_plain_uuids(api, factory, ds):
    body = await gql(api, factory.headers(ds.user), OBSERVABILITY, W_VARS)
    answer = body["data"]["nhiObservability"]
    assert (answer["from"], answer["bucket"]) == ("2026-05-01T00:00:00+00:00", "1h")
    a = answer["nodes"][1]
    assert a == {
        "nhiId": str(d.A_ID),
        "nhiLabel": "alpha-agent",
        "activityCount": 4,
        "spendUsd": 0.31,
        "toolsUsed": 2,
        "deniedAttempts": 2,
        "guardianCheckedShare": 0.5,
        "mcpSessions": 2,
        "lastSeenAt": "2026-05-01T01:45:00+00:00",
    }
    assert [n["nhiId"] for n in answer["nodes"]] == [
        str(ds.nhis[name]["id"]) for name in ("A2", "A", "B", "D")
    ]
    assert answer["totals"] == {
        "nhis": 4,
        "activeNhis": 2,
        "activityCount": 7,
        "spendUsd": 1.32,
        "toolsUsed": 4,
        "deniedAttempts": 3,
        "guardianCheckedShare": 0.5714,
        "mcpSessions": 2,
    }
    assert [p["activityCount"] for p in answer["series"]][:4] == [2, 2, 2, 0]
    assert answer["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"bucket": "5m"}, "BAD_USER_INPUT"),
        ({"bucket": "1m"}, "BAD_USER_INPUT"),
        ({"first": 0}, "BAD_USER_INPUT"),
        ({"first": 1001}, "BAD_USER_INPUT"),
        ({"after": "not-a-cursor"}, "BAD_USER_INPUT"),
        ({"from": "2026-05-02T00:00:00Z", "to": "2026-05-01T00:00:00Z"}, "BAD_USER_INPUT"),
        ({"from": "2026-03-01T00:00:00Z", "to": "2026-05-01T00:00:00Z"}, "UNPROCESSABLE_ENTITY"),
    ],
)
async def test_bad_arguments(api, factory, ds, variables, code):
    body = await gql(api, factory.headers(ds.user), OBSERVABILITY, variables)
    assert codes(body) == [code]


async def test_scope(api, factory, ds):
    body = await gql(api, factory.scoped_headers(ds.user, ["mcp:read"]), OBSERVABILITY, W_VARS)
    assert codes(body) == ["INSUFFICIENT_SCOPE"]


# --- Nhi.activitySummary's batch -------------------------------------------------------


@dataclass
class BatchContext:
    """What the batch function asks of a request's context: the organisation and the
    request's one connection."""

    engine: AsyncEngine
    org: Any

    async def org_id(self) -> Any:
        return self.org

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn


async def test_a_batch_of_nhis_is_one_statement_whatever_its_size(db, factory, statements):
    async def count_for(size: int) -> tuple[int, list[Activity]]:
        org = await factory.org(f"Org{size}")
        nhis = [await factory.nhi(org, f"nhi-{n:02}") for n in range(size)]
        for nhi in nhis:
            await factory.activity(nhi, d.at(1), "0.1000", "denied", tool="t")
            await factory.activity(nhi, d.at(2), "0.2000", tool="t")
        ctx = BatchContext(db, org["id"])

        async def load(keys: Sequence[Any]) -> list[Activity]:
            return await activity_by_nhi(ctx, d.at(), d.at(24), keys)  # type: ignore[arg-type]

        loader: DataLoader[Any, Activity] = DataLoader(load_fn=load)
        before = statements.count
        found = [await f for f in [loader.load(nhi["id"]) for nhi in nhis]]
        return statements.count - before, found

    many, found = await count_for(20)
    few, _ = await count_for(2)
    assert many == few == 1
    assert all(
        (a.activity_count, a.spend_usd, a.denied_attempts, a.tools_used) == (2, 0.3, 1, 1)
        for a in found
    )
    assert found[0].last_seen_at == d.at(2)


async def test_a_batch_answers_zeros_for_an_idle_nhi_and_another_organisations(db, factory, ds):
    ctx = BatchContext(db, ds.user["org_id"])
    keys = [ds.nhis["A"]["id"], ds.nhis["D"]["id"], ds.other_nhi["id"]]
    a, idle, other = await activity_by_nhi(ctx, d.at(), d.at(24), keys)  # type: ignore[arg-type]
    assert (a.activity_count, a.spend_usd, a.mcp_sessions, a.guardian_checked_share) == (
        4,
        0.31,
        2,
        0.5,
    )
    assert idle == other == Activity()


# --- through the Nhi type (needs the `nhis` root field, which another side adds) ---------

NHIS = """query ($from: DateTime, $to: DateTime) {
  nhis(first: 50) {
    nodes { label activitySummary(from: $from, to: $to) {
      from to activityCount spendUsd toolsUsed deniedAttempts guardianCheckedShare
      mcpSessions lastSeenAt } }
  }
}"""


async def test_activity_summary_on_each_nhi(api, factory, ds):
    body = await gql(api, factory.headers(ds.user), NHIS, W_VARS)
    summaries = [n["activitySummary"] for n in body["data"]["nhis"]["nodes"]]
    by_count = sorted((s["activityCount"], s["spendUsd"], s["mcpSessions"]) for s in summaries)
    assert by_count == [(0, 0.0, 0), (0, 0.0, 0), (3, 1.02, 0), (4, 0.31, 2)]
    assert all(s["from"] == "2026-05-01T00:00:00+00:00" for s in summaries)


async def test_activity_summary_defaults_to_the_last_seven_days(client_at, factory, ds):
    query = "{ nhis(first: 50) { nodes { label activitySummary { from activityCount } } } }"
    async with client_at(d.at(24)) as c:
        body = await gql(c, factory.headers(ds.user), query)
    counts = sorted(n["activitySummary"]["activityCount"] for n in body["data"]["nhis"]["nodes"])
    assert counts == [0, 1, 3, 5]
    assert body["data"]["nhis"]["nodes"][0]["activitySummary"]["from"].startswith("2026-04-25")


async def test_activity_summaries_cost_the_same_statements_for_2_and_20_nhis(
    resolver_client, factory, statements
):
    async def count_for(size: int) -> int:
        org = await factory.org(f"Org{size}")
        user = await factory.user(org, f"user{size}")
        for n in range(size):
            nhi = await factory.nhi(org, f"nhi-{n:02}")
            await factory.activity(nhi, d.at(1), "0.1000")
        before = statements.count
        body = await gql(resolver_client, factory.headers(user), NHIS, W_VARS)
        assert len(body["data"]["nhis"]["nodes"]) == size
        return statements.count - before

    assert await count_for(20) == await count_for(2)
