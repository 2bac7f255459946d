"""Recurrence grouping on a hand-worked dataset, on both dialects: chains and their
7-day gap, Jaccard similarity at exactly 0.6 (in) and 4/7 (out), a group that is both,
re-runs that update in place, and the REST filters.

Now is 2026-06-30T00:00Z; the analysis reads the last 90 days. Incidents (service,
category, title words):
  a1 06-01  db/Infra  "Database connection pool exhausted"          resolved
  a2 06-05  db/Infra  "Database connection pool exhausted again"    resolved  (J = 4/5)
  a3 06-12  db/Infra  "database connection pool exhausted"          resolved  (7 days: in)
  a4 06-20  db/Infra  same title, 8 days after a3: a new chain, alone
  -> SAME_SERVICE_CATEGORY {a1, a2, a3}, also a title group: confidence 1.0, resolved.
  b1 06-10  checkout/App  "Checkout latency high"
  b2 06-13  payments/App  "Checkout latency very high"   (J = 3/4) -> SIMILAR_TITLE 0.75
  c1 06-15  storage/Infra "Disk full on node"; c2 06-18 storage/Infra "Memory leak in
  worker" -> SAME_SERVICE_CATEGORY 0.8 (titles unlike)
  d1 06-22  x/X "alpha beta gamma delta"; d2 06-23 y/Y "alpha beta gamma epsilon"
  (J = 3/5 = 0.6) -> SIMILAR_TITLE 0.6
  e1 06-24  p/P "one two three four five"; e2 06-25 q/Q "one two three four six seven"
  (J = 4/7 < 0.6) -> nothing
  and one incident 91 days back, and another organisation's copies of a1-a3.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import Factory
from tests.governance.test_guardian_graphql import gql

NOW = datetime(2026, 6, 30, tzinfo=UTC)
ANALYZE = "mutation { analyzeRecurrence { groups incidents } }"
LIST = "/api/analytics/recurrence-analyses/"


def day(n: int) -> datetime:
    return datetime(2026, 6, n, 9, 0, tzinfo=UTC)


@pytest.fixture
async def data(factory: Factory) -> dict[str, Any]:
    org = await factory.org()

    async def incident(n: int, service: str, category: str, title: str, **values: Any) -> Any:
        return await factory.incident(
            org, day(n), service=service, category=category, title=title, **values
        )

    pool = "Database connection pool exhausted"
    done = {"resolved_at": NOW - timedelta(days=1)}
    rows = {
        "a1": await incident(1, "db", "Infra", pool, **done),
        "a2": await incident(5, "db", "Infra", pool + " again", **done),
        "a3": await incident(12, "db", "Infra", pool.lower(), **done),
        "a4": await incident(20, "db", "Infra", pool),
        "b1": await incident(10, "checkout", "App", "Checkout latency high"),
        "b2": await incident(13, "payments", "App", "Checkout latency very high"),
        "c1": await incident(15, "storage", "Infra", "Disk full on node"),
        "c2": await incident(18, "storage", "Infra", "Memory leak in worker"),
        "d1": await incident(22, "x", "X", "alpha beta gamma delta"),
        "d2": await incident(23, "y", "Y", "alpha beta gamma epsilon"),
        "e1": await incident(24, "p", "P", "one two three four five"),
        "e2": await incident(25, "q", "Q", "one two three four six seven"),
    }
    await factory.incident(
        org, NOW - timedelta(days=91), service="db", category="Infra", title=pool
    )
    stranger = await factory.org("Globex")
    for n in (1, 5, 12):
        await factory.incident(stranger, day(n), service="db", category="Infra", title=pool)
    return {"org": org, "rows": rows, "user": await factory.user(org)}


def ids(data: dict[str, Any], *names: str) -> list[str]:
    return [str(data["rows"][n]["id"]) for n in names]


async def analyze(client, factory, data) -> Any:
    return await gql(client, factory.headers(data["user"]), ANALYZE)


async def listed(client, factory, data, path: str = LIST, **params: Any) -> Any:
    answer = await client.get(path, params=params, headers=factory.headers(data["user"]))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_the_groups(client_at, factory, data):
    async with client_at(NOW) as client:
        assert (await analyze(client, factory, data))["data"]["analyzeRecurrence"] == {
            "groups": 4,
            "incidents": 12,
        }
        page = await listed(client, factory, data, ordering="first_occurrence")
    got = [
        (
            r["recurrence_type"],
            r["confidence_score"],
            r["incident_ids"],
            r["service"],
            r["category"],
            r["is_resolved"],
            r["incident_count"],
        )
        for r in page["results"]
    ]
    assert got == [
        ("SAME_SERVICE_CATEGORY", 1.0, ids(data, "a1", "a2", "a3"), "db", "Infra", True, 3),
        ("SIMILAR_TITLE", 0.75, ids(data, "b1", "b2"), None, None, False, 2),
        ("SAME_SERVICE_CATEGORY", 0.8, ids(data, "c1", "c2"), "storage", "Infra", False, 2),
        ("SIMILAR_TITLE", 0.6, ids(data, "d1", "d2"), None, None, False, 2),
    ]
    first = page["results"][0]
    assert (first["first_occurrence"], first["last_occurrence"]) == (
        "2026-06-01T09:00:00Z",
        "2026-06-12T09:00:00Z",
    )


async def test_a_rerun_updates_in_place(client_at, factory, data):
    async with client_at(NOW) as client:
        await analyze(client, factory, data)
        before = {r["incident_ids"][0]: r for r in (await listed(client, factory, data))["results"]}
        # c3 extends the storage chain (3 days after c2).
        c3 = await factory.incident(
            data["org"], day(21), service="storage", category="Infra", title="CPU throttled"
        )
    async with client_at(NOW + timedelta(hours=1)) as client:
        await analyze(client, factory, data)
        after = {r["incident_ids"][0]: r for r in (await listed(client, factory, data))["results"]}
    assert set(after) == set(before)
    grown = after[ids(data, "c1")[0]]
    assert grown["id"] == before[ids(data, "c1")[0]]["id"]
    assert grown["incident_ids"] == [*ids(data, "c1", "c2"), str(c3["id"])]
    assert grown["created_at"] == before[ids(data, "c1")[0]]["created_at"]
    assert grown["updated_at"] == "2026-06-30T01:00:00Z"


async def test_the_rest_filters(client_at, factory, data):
    async with client_at(NOW) as client:
        await analyze(client, factory, data)
        confident = await listed(client, factory, data, min_confidence="0.7")
        similar = await listed(client, factory, data, recurrence_type="SIMILAR_TITLE")
        resolved = await listed(client, factory, data, is_resolved="true")
        unresolved = await listed(
            client, factory, data, f"{LIST}unresolved/", ordering="confidence_score"
        )
        refused = await client.get(
            LIST,
            params={"min_confidence": "1.5", "recurrence_type": "X"},
            headers=factory.headers(data["user"]),
        )
    assert sorted(r["confidence_score"] for r in confident["results"]) == [0.75, 0.8, 1.0]
    assert {r["confidence_score"] for r in similar["results"]} == {0.75, 0.6}
    assert [r["incident_count"] for r in resolved["results"]] == [3]
    assert [r["confidence_score"] for r in unresolved["results"]] == [0.6, 0.75, 0.8]
    assert refused.status_code == 400
    assert set(refused.json()["details"]) == {"min_confidence", "recurrence_type"}


INCIDENTS_OF = """{ recurrenceAnalyses(ordering: "first_occurrence") {
  results { incidents { title service } } } }"""


async def test_each_analysis_lists_its_incidents_batched(client_at, factory, data, statements):
    async with client_at(NOW) as client:
        await analyze(client, factory, data)
        before = statements.count
        body = await gql(client, factory.headers(data["user"]), INCIDENTS_OF)
        used = statements.count - before
    results = body["data"]["recurrenceAnalyses"]["results"]
    assert [len(r["incidents"]) for r in results] == [3, 2, 2, 2]
    assert results[1]["incidents"] == [
        {"title": "Checkout latency high", "service": "checkout"},
        {"title": "Checkout latency very high", "service": "payments"},
    ]
    # Principal, count, page, and one statement for every analysis's incidents.
    assert used == 4
