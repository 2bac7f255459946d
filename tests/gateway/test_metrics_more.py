"""Issue 13: /metrics shows the GraphQL operations (duration by type, bounded name and
outcome; cost estimates), the app's connection pool, the job queue's depth and the
rate-limit refusals.

The process-wide counters are shared by every test of a worker, so each test reads the
figures before and after what it does and asserts the difference."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from gateway.app import create_app
from gateway.db import create_engine
from gateway.metrics import REGISTRY
from gateway.operation_metrics import MAX_NAMES, name_label
from gateway.settings import Settings
from tests.agents.live import GraphQLSocket, eventually, serving
from tests.apps import app_client

DURATION = "gateway_graphql_operation_duration_seconds_count"
COST = "gateway_graphql_cost_estimate"
CHEAP = "query Components_1 { components(first: 5) { nodes { id name } } }"
KPIS = "/api/analytics/kpi-metrics/"


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_graphql_and_rest_operations_are_timed_with_their_labels(client, factory):
    # given
    org = await factory.org()
    headers = factory.headers(await factory.user(org, "mia", role="member"))
    await factory.component(org, "api")
    before = await scrape(client)
    # when
    for _ in range(2):
        answer = await client.post(
            "/graphql",
            json={"query": CHEAP, "operationName": "Components_1"},
            headers=headers,
        )
        assert answer.json()["data"]["components"]["nodes"][0]["name"] == "api"
    failed = await client.post("/graphql", json={"query": "{ nosuchfield }"}, headers=headers)
    assert failed.json()["errors"]
    assert (await client.get(KPIS, headers=headers)).status_code == 200
    after = await scrape(client)

    # then
    def grew(**labels: str) -> float:
        return value(after, DURATION, **labels) - value(before, DURATION, **labels)

    assert grew(type="query", operation="Components_1", outcome="ok") == 2
    assert grew(type="query", operation="anonymous", outcome="error") == 1
    assert grew(type="query", operation="incidents.kpi_metrics", outcome="ok") == 1
    # Every operation that ran (the two named, the REST call) estimated its cost; the
    # invalid one was refused at validation, before the estimate.
    assert value(after, f"{COST}_count") - value(before, f"{COST}_count") == 3
    # components 1; nodes, id and name once per component: 1 + 5 x 3 = 16, twice.
    assert value(after, f"{COST}_sum") - value(before, f"{COST}_sum") >= 32


async def test_a_costly_query_is_counted_as_refused(client, factory):
    headers = factory.headers(await factory.user(await factory.org(), "mia"))
    before = await scrape(client)
    costly = "{components(first:500){nodes{deployments(first:500){component{id}}}}}"
    answer = await client.post("/graphql", json={"query": costly}, headers=headers)
    assert answer.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    after = await scrape(client)
    refusals = "gateway_graphql_cost_refusals_total"
    assert value(after, refusals) - value(before, refusals) == 1
    # 1 + 500 + 500 + 250,000 + 250,000 = 501,001: in the 1,000,000 bucket, not 100,000.
    bucket = f"{COST}_bucket"
    assert value(after, bucket, le="1e+06") - value(before, bucket, le="1e+06") == 1
    assert value(after, bucket, le="100000.0") - value(before, bucket, le="100000.0") == 0


async def test_a_client_chosen_name_is_a_label_only_when_it_looks_like_one(client, factory):
    headers = factory.headers(await factory.user(await factory.org(), "mia"))
    long_name = "x" * 65  # a valid GraphQL name, one character too long for a label
    before = await scrape(client)
    answer = await client.post(
        "/graphql",
        json={"query": f"query {long_name} {{ __typename }}", "operationName": long_name},
        headers=headers,
    )
    assert answer.json() == {"data": {"__typename": "Query"}, "extensions": {"cost": 0}}
    # Not even a name: the document has no such operation, and the name is no label.
    await client.post(
        "/graphql",
        json={"query": "query Q { __typename }", "operationName": "drop table; --"},
        headers=headers,
    )
    after = await scrape(client)
    labels = {"type": "query", "operation": "other", "outcome": "ok"}
    assert value(after, DURATION, **labels) - value(before, DURATION, **labels) == 1
    for name in (long_name, "drop table; --"):
        assert not any(("operation", name) in labels for _, labels in after)


def test_names_beyond_the_cap_are_other():
    for i in range(MAX_NAMES):
        name_label(f"Seen_{i}", None)
    assert name_label(f"Unseen_{MAX_NAMES}_more", None) == "other"
    assert name_label("Seen_0", None) == "Seen_0"  # a name already seen keeps its label
    assert name_label("anything goes", "incidents.kpi_metrics") == "incidents.kpi_metrics"
    assert name_label(None, None) == "anonymous"


async def test_pool_gauges_read_the_apps_engine(client):
    samples = await scrape(client)
    # tests/conftest.py builds its engines with gateway.db.create_engine's pool_size, 10:
    # a pool that keeps twice that many.
    assert value(samples, "gateway_db_pool_size") == 20
    assert value(samples, "gateway_db_pool_checked_out") >= 0
    assert value(samples, "gateway_db_pool_checked_in") >= 0
    assert ("gateway_db_pool_overflow", frozenset()) in samples


async def test_job_queue_depth_counts_queued_and_running_jobs(client, factory):
    org = await factory.org()
    for status in ("queued", "queued", "running", "succeeded", "failed"):
        await factory.job(org, "export", status=status)
    samples = await scrape(client)
    assert value(samples, "gateway_job_queue_depth", status="queued") == 2
    assert value(samples, "gateway_job_queue_depth", status="running") == 1


async def test_metrics_answer_without_the_database(settings, tmp_path):
    away = create_engine(f"sqlite+aiosqlite:///{tmp_path}/missing/dir/gateway.db")
    try:
        async with app_client(away, settings) as client:
            samples = await scrape(client)
    finally:
        await away.dispose()
    assert value(samples, "gateway_db_pool_size") == 20
    assert not any(name == "gateway_job_queue_depth" for name, _ in samples)


async def test_a_429_counts_as_a_rate_limit_rejection(db, settings, factory):
    headers = factory.headers(await factory.user(await factory.org(), "ana"))
    async with app_client(db, settings, incidents_rate_limits="2/minute") as client:
        before = await scrape(client)
        statuses = [(await client.get(KPIS, headers=headers)).status_code for _ in range(4)]
        after = await scrape(client)
    assert statuses == [200, 200, 429, 429]
    name = "gateway_rate_limit_rejections_total"
    assert value(after, name, family="incidents") - value(before, name, family="incidents") == 2


async def test_a_subscription_is_timed_until_its_client_completes_it(db, tmp_path, factory):
    # given: a subscriber over graphql-transport-ws on uvicorn
    ann = await factory.user(await factory.org(), "ann")
    await factory.api_key(ann, "agw_metrics_ann", ["agents:read"])
    app = create_app(Settings(data_dir=tmp_path, ws_interval=0.1), engine=db, run_migrations=False)
    labels = {"type": "subscription", "operation": "Live", "outcome": "ok"}

    def count() -> float:
        return REGISTRY.get_sample_value(DURATION, labels) or 0.0

    before = count()
    async with serving(app) as served, GraphQLSocket.opened(served) as gql:
        assert await gql.init({"X-API-Key": "agw_metrics_ann"}) == {"type": "connection_ack"}
        await gql.subscribe("m", "subscription Live { realtimeMetrics { timestamp } }")
        assert (await gql.message())["type"] == "next"
        assert count() == before  # still running: observed when it ends
        # when
        await gql.complete("m")
        # then: a client that leaves is the normal end of a subscription, not an error
        await eventually(lambda: count() == before + 1)
