"""The guardian analytics over GraphQL: the same hand-worked answers as REST, plain UUIDs,
and a guardian's verdict stats and recent verdicts batched."""

from __future__ import annotations

from typing import Any

import pytest

from tests.governance import guardian_dataset as d

W_VARS = {"from": d.W["from"], "to": d.W["to"]}


@pytest.fixture
async def ds(factory: Any) -> d.Dataset:
    return await d.build(factory)


async def gql(client: Any, headers: Any, query: str, variables: Any = None) -> Any:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200
    return response.json()


def codes(body: Any) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


SUMMARY = """query ($from: DateTime, $to: DateTime, $guardianId: UUID, $environment: String) {
  governanceSummary(from: $from, to: $to, guardianId: $guardianId, environment: $environment) {
    from to
    totals { requests passed corrected blocked errors }
    rates { passRate correctionRate blockRate }
    latencyP50Ms latencyP95Ms latencyP99Ms
  }
}"""


async def test_summary(client, factory, ds):
    body = await gql(client, factory.headers(ds.user), SUMMARY, W_VARS)
    summary = body["data"]["governanceSummary"]
    # GraphQL's DateTime keeps its offset; REST writes the seed's Z.
    assert (summary["from"], summary["to"]) == (
        "2026-05-01T00:00:00+00:00",
        "2026-05-01T03:00:00+00:00",
    )
    assert summary["totals"] == d.SUMMARY_W["totals"]
    assert summary["rates"] == {"passRate": 0.1333, "correctionRate": 0.3333, "blockRate": 0.4}
    assert [summary[f"latencyP{p}Ms"] for p in (50, 95, 99)] == [70, 365, 393]
    # The guardian filter takes the plain UUID.
    variables = {**W_VARS, "guardianId": str(ds.guardians["A"]["id"])}
    summary = (await gql(client, factory.headers(ds.user), SUMMARY, variables))["data"]
    assert summary["governanceSummary"]["totals"] == d.SUMMARY_A["totals"]


async def test_bad_arguments_are_bad_user_input(client, factory, ds):
    headers = factory.headers(ds.user)
    body = await gql(client, headers, SUMMARY, {**W_VARS, "environment": "prod"})
    assert codes(body) == ["BAD_USER_INPUT"]
    body = await gql(client, headers, SUMMARY, {"from": d.W["to"], "to": d.W["from"]})
    assert codes(body) == ["BAD_USER_INPUT"]
    query = '{ governanceTimeseries(metric: "errors") { metric } }'
    assert codes(await gql(client, headers, query)) == ["BAD_USER_INPUT"]
    query = '{ governanceTimeseries(bucket: "2h") { metric } }'
    assert codes(await gql(client, headers, query)) == ["BAD_USER_INPUT"]


TIMESERIES = """query ($metric: String!, $from: DateTime, $to: DateTime) {
  governanceTimeseries(metric: $metric, from: $from, to: $to) {
    metric bucket
    series {
      __typename
      ... on VerdictPoint { timestamp passed corrected blocked errors }
      ... on LatencyPoint { p50Ms p95Ms p99Ms avgMs }
      ... on ViolationPoint { total byType }
    }
  }
}"""


async def test_timeseries_points_take_the_metrics_shape(client, factory, ds):
    headers = factory.headers(ds.user)
    body = await gql(client, headers, TIMESERIES, {**W_VARS, "metric": "latency"})
    series = body["data"]["governanceTimeseries"]["series"]
    assert series[2] == {
        "__typename": "LatencyPoint",
        "p50Ms": 300,
        "p95Ms": 393,
        "p99Ms": 399,
        "avgMs": 288,
    }
    body = await gql(client, headers, TIMESERIES, {**W_VARS, "metric": "violations"})
    series = body["data"]["governanceTimeseries"]["series"]
    assert [p["total"] for p in series] == [2, 7, 3]
    assert series[0]["byType"] == {"pii_exposure": 2}


ROLLUP = """query ($from: DateTime, $to: DateTime) {
  guardianRollup(from: $from, to: $to) {
    data { guardianId guardianName requests avgLatencyMs topViolationTypes { type count } }
  }
}"""


async def test_rollup_answers_plain_uuids_in_the_same_order(client, factory, ds):
    body = await gql(client, factory.headers(ds.user), ROLLUP, W_VARS)
    rows = body["data"]["guardianRollup"]["data"]
    assert [(r["guardianId"], r["requests"], r["avgLatencyMs"]) for r in rows] == [
        (str(ds.guardians["C"]["id"]), 7, 40),
        (str(ds.guardians["B"]["id"]), 4, 201),
        (str(ds.guardians["A"]["id"]), 4, 250),
    ]


GUARDIANS = """query ($from: DateTime, $to: DateTime, $first: Int!) {
  guardians(first: 50) {
    nodes {
      name
      verdictStats(from: $from, to: $to) {
        totals { requests passed corrected blocked errors }
        rates { passRate correctionRate blockRate }
        latencyP50Ms avgLatencyMs
      }
      recentVerdicts(first: $first) { verdict latencyMs createdAt guardianId }
    }
  }
}"""


async def test_guardian_verdict_stats_and_recent_verdicts(client, factory, ds):
    body = await gql(client, factory.headers(ds.user), GUARDIANS, {**W_VARS, "first": 2})
    nodes = {n["name"]: n for n in body["data"]["guardians"]["nodes"]}
    assert set(nodes) == {"Cred-Scanner", "Dormant", "Injection-Shield", "PII-Redactor"}
    # A over W, as the summary filtered to A: p50 250, avg 1001 / 4 = 250.25 -> 250.
    a = nodes["PII-Redactor"]["verdictStats"]
    assert a["totals"] == d.SUMMARY_A["totals"]
    assert a["rates"] == {"passRate": 0.25, "correctionRate": 0.5, "blockRate": 0.25}
    assert (a["latencyP50Ms"], a["avgLatencyMs"]) == (250, 250)
    # D has nothing in W: zeros and null latencies.
    dormant = nodes["Dormant"]["verdictStats"]
    assert dormant["totals"]["requests"] == 0
    assert (dormant["latencyP50Ms"], dormant["avgLatencyMs"]) == (None, None)
    # Newest first, whatever the window: A's 18 (05-02, 1 ms) then 5 (03:00, 1000 ms).
    recent = nodes["PII-Redactor"]["recentVerdicts"]
    assert [(v["verdict"], v["latencyMs"]) for v in recent] == [("passed", 1), ("passed", 1000)]
    assert {v["guardianId"] for v in recent} == {str(ds.guardians["A"]["id"])}
    assert [v["latencyMs"] for v in nodes["Dormant"]["recentVerdicts"]] == [5]


async def test_verdict_stats_default_to_the_last_day(client_at, factory, ds):
    query = "{ guardians(first: 10) { nodes { name verdictStats { totals { requests } } } } }"
    async with client_at(d.NOW) as c:
        body = await gql(c, factory.headers(ds.user), query)
    counts = {
        n["name"]: n["verdictStats"]["totals"]["requests"]
        for n in body["data"]["guardians"]["nodes"]
    }
    # [05-01 00:00, 05-02 00:00): A has 1-5 (18 is at `to`), D's one event is before.
    assert counts == {"PII-Redactor": 5, "Injection-Shield": 4, "Cred-Scanner": 7, "Dormant": 0}


async def test_guardian_relations_take_a_constant_number_of_statements(
    resolver_client, factory, statements
):
    async def count_for(guardians: int) -> int:
        org = await factory.org(f"Org{guardians}")
        user = await factory.user(org, f"user{guardians}")
        for n in range(guardians):
            guardian = await factory.guardian(org, f"G{n:02}")
            for minutes in range(3):
                await factory.verdict(guardian, d.at(1, minutes), "blocked", violation_type="x")
        headers = factory.headers(user)
        before = statements.count
        body = await gql(resolver_client, headers, GUARDIANS, {**W_VARS, "first": 2})
        nodes = body["data"]["guardians"]["nodes"]
        assert len(nodes) == guardians
        assert all(n["verdictStats"]["totals"]["requests"] == 3 for n in nodes)
        assert all(len(n["recentVerdicts"]) == 2 for n in nodes)
        return statements.count - before

    many, few = await count_for(20), await count_for(2)
    # The caller, the page of guardians, one grouped stats statement, one newest-per-key.
    assert many == few <= 4


async def test_another_organisations_guardian_is_unknown(client, factory, ds):
    variables = {**W_VARS, "guardianId": str(ds.other_guardian["id"])}
    body = await gql(client, factory.headers(ds.user), SUMMARY, variables)
    summary = body["data"]["governanceSummary"]
    assert summary["totals"]["requests"] == 0
    assert summary["latencyP50Ms"] is None
    query = "query ($id: UUID!) { guardian(id: $id) { name } }"
    body = await gql(client, factory.headers(ds.user), query, {"id": variables["guardianId"]})
    assert body["data"] == {"guardian": None}


async def test_scope(client, factory, ds):
    headers = factory.scoped_headers(ds.user, ["mcp:read"])
    body = await gql(client, headers, SUMMARY, W_VARS)
    assert codes(body) == ["INSUFFICIENT_SCOPE"]


async def test_window_too_long_for_its_bucket(client, factory, ds):
    query = """{ governanceTimeseries(bucket: "1m", from: "2026-04-01T00:00:00Z",
                 to: "2026-05-01T00:00:00Z") { metric } }"""
    body = await gql(client, factory.headers(ds.user), query)
    assert codes(body) == ["UNPROCESSABLE_ENTITY"]


async def test_latency_sums_past_32_bits(client, factory):
    """Two verdicts of 2,000,000,000 ms sum to 4e9, past a 32-bit integer: the average
    (and by-guardian's) is still exact."""
    from datetime import UTC, datetime

    org = await factory.org("Big")
    user = await factory.user(org, "big-admin", role="admin")
    guardian = await factory.guardian(org, "Slow")
    at = datetime(2026, 5, 1, 1, tzinfo=UTC)
    for _ in range(2):
        await factory.verdict(guardian, at, latency_ms=2_000_000_000)
    query = """query ($from: DateTime, $to: DateTime) {
      governanceTimeseries(metric: "latency", from: $from, to: $to) {
        series { ... on LatencyPoint { avgMs } }
      }
      guardianRollup(from: $from, to: $to) { data { avgLatencyMs } }
    }"""
    variables = {"from": "2026-05-01T01:00:00Z", "to": "2026-05-01T02:00:00Z"}
    body = await gql(client, factory.headers(user), query, variables)
    assert body.get("errors") is None, body
    assert body["data"]["governanceTimeseries"]["series"] == [{"avgMs": 2_000_000_000}]
    assert body["data"]["guardianRollup"]["data"] == [{"avgLatencyMs": 2_000_000_000}]
