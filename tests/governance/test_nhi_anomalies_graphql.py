"""NHI anomalies in GraphQL: ``nhiAnomalies``, ``detectNhiAnomalies``,
``acknowledgeNhiAnomaly``, and ``Nhi.anomalies(status)`` batched per request."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from gateway.auth import Credential
from gateway.context import Context
from gateway.jobs import Worker
from resolvers.governance.nhi_anomaly_loaders import anomalies_by_nhi
from tests.governance.nhi_anomaly_data import END, START, build
from tests.governance.test_nhi_anomalies_rest import NOW

ANOMALIES = """query($status: String!, $nhiId: UUID, $type: String, $severity: String,
    $first: Int!, $after: String) {
  nhiAnomalies(status: $status, nhiId: $nhiId, type: $type, severity: $severity,
      first: $first, after: $after) {
    nodes { id nhiId type severity status detectedAt evidence windowFrom windowTo note
            acknowledgedBy acknowledgedAt }
    pageInfo { hasNextPage endCursor }
  }
}"""
DETECT = """mutation($from: DateTime, $to: DateTime) {
  detectNhiAnomalies(from: $from, to: $to) { id kind status result error }
}"""
JOB = """query($id: UUID!) { job(id: $id) { id kind status result error } }"""
ACK = """mutation($id: UUID!, $note: String) {
  acknowledgeNhiAnomaly(id: $id, note: $note) { id status note acknowledgedBy acknowledgedAt }
}"""
NHIS_ANOMALIES = """query($status: String!) {
  nhis(first: 50) { nodes { label anomalies(status: $status) { type severity status } } }
}"""


@pytest.fixture
async def api(client_at: Any) -> Any:
    async with client_at(NOW) as client:
        yield client


async def gql(api: Any, headers: dict, query: str, variables: dict | None = None) -> dict:
    response = await api.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def code(body: dict) -> str:
    return str(body["errors"][0]["extensions"]["code"])


async def detected(api: Any, db: Any, headers: dict) -> dict:
    body = await gql(api, headers, DETECT, {"from": START.isoformat(), "to": END.isoformat()})
    job = body["data"]["detectNhiAnomalies"]
    assert job["kind"] == "nhi.detect" and job["status"] == "queued", body
    assert await Worker(db).run_until_idle() == 1
    return dict((await gql(api, headers, JOB, {"id": job["id"]}))["data"]["job"])


async def test_detect_then_list_and_acknowledge(api, db, factory):
    data = await build(factory)
    headers = factory.headers(data.user)
    job = await detected(api, db, headers)
    assert job["status"] == "succeeded", job
    assert job["result"]["anomalies_added"] == 6

    page = await gql(api, headers, ANOMALIES, {"status": "open", "first": 4})
    connection = page["data"]["nhiAnomalies"]
    assert len(connection["nodes"]) == 4 and connection["pageInfo"]["hasNextPage"]
    rest = await gql(
        api,
        headers,
        ANOMALIES,
        {"status": "open", "first": 4, "after": connection["pageInfo"]["endCursor"]},
    )
    nodes = connection["nodes"] + rest["data"]["nhiAnomalies"]["nodes"]
    assert len(nodes) == 6 and not rest["data"]["nhiAnomalies"]["pageInfo"]["hasNextPage"]
    assert len({node["id"] for node in nodes}) == 6

    critical = await gql(
        api, headers, ANOMALIES, {"status": "all", "severity": "critical", "first": 10}
    )
    labels = {
        data.label_of(uuid.UUID(node["nhiId"]))
        for node in critical["data"]["nhiAnomalies"]["nodes"]
    }
    assert labels == {"zero", "ratio20"}

    target = nodes[0]["id"]
    first = await gql(api, headers, ACK, {"id": target, "note": "seen"})
    ack = first["data"]["acknowledgeNhiAnomaly"]
    assert ack["status"] == "acknowledged" and ack["note"] == "seen"
    assert ack["acknowledgedBy"] == str(data.user["id"])
    again = await gql(api, headers, ACK, {"id": target, "note": "again"})
    assert again["data"]["acknowledgeNhiAnomaly"] == ack
    # Another organisation's user: not found.
    foreign = await gql(api, factory.headers(data.other_user), ACK, {"id": target})
    assert code(foreign) == "NOT_FOUND"


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [
        (ANOMALIES, {"status": "closed", "first": 5}, "BAD_USER_INPUT"),
        (ANOMALIES, {"status": "open", "type": "spend", "first": 5}, "BAD_USER_INPUT"),
        (ANOMALIES, {"status": "open", "severity": "x", "first": 5}, "BAD_USER_INPUT"),
        (ANOMALIES, {"status": "open", "first": 0}, "BAD_USER_INPUT"),
        (ANOMALIES, {"status": "open", "first": 5, "after": "WyJ4Il0"}, "BAD_USER_INPUT"),
        (DETECT, {"from": "2026-05-02T00:00:00Z", "to": "2026-05-01T00:00:00Z"}, "BAD_USER_INPUT"),
        (
            DETECT,
            {"from": "2026-01-01T00:00:00Z", "to": "2026-05-01T00:00:00Z"},
            "UNPROCESSABLE_ENTITY",
        ),
        (
            DETECT,
            {"from": "0001-01-01T00:00:00Z", "to": "0001-01-02T00:00:00Z"},
            "BAD_USER_INPUT",
        ),
        (ACK, {"id": "01890a5d-ac96-774b-bcce-b302099a8057", "note": "n" * 2001}, "BAD_USER_INPUT"),
        (ACK, {"id": "01890a5d-ac96-774b-bcce-b302099a8057", "note": "a\x00b"}, "BAD_USER_INPUT"),
        (ACK, {"id": "01890a5d-ac96-774b-bcce-b302099a8057"}, "NOT_FOUND"),
    ],
)
async def test_bad_arguments(api, factory, query, variables, expected):
    org = await factory.org()
    headers = factory.headers(await factory.user(org))
    assert code(await gql(api, headers, query, variables)) == expected


async def test_loader_cost_is_one_statement_whatever_the_nhis(db, factory, statements):
    # given organisations with 2 and 20 NHIs, each NHI with two anomalies
    counts = []
    for n in (2, 20):
        org = await factory.org(f"Org{n}")
        user = await factory.user(org, f"u{n}")
        nhis = [await factory.nhi(org, f"nhi-{i}") for i in range(n)]
        for nhi in nhis:
            await factory.anomaly(nhi, NOW - timedelta(hours=1))
            await factory.anomaly(nhi, NOW - timedelta(hours=2), "tool_denials", "medium")
        ctx = Context(
            engine=db,
            authenticator=factory.auth,
            credential=Credential("jwt", factory.token(user)),
            max_query_cost=10_000,
            now=NOW,
        )
        await ctx.principal()
        statements.statements.clear()
        loader = ctx.loaders.get(anomalies_by_nhi, "open")
        found = [await f for f in [loader.load(nhi["id"]) for nhi in nhis]]
        await ctx.close()
        assert [len(rows) for rows in found] == [2] * n
        counts.append(statements.count)
    assert counts == [1, 1], statements.statements


async def test_nhis_anomalies_through_the_nhis_field(api, db, factory):
    data = await build(factory)
    headers = factory.headers(data.user)
    await detected(api, db, headers)
    body = await gql(api, headers, NHIS_ANOMALIES, {"status": "open"})
    assert "errors" not in body, body
    found = {row["label"]: row["anomalies"] for row in body["data"]["nhis"]["nodes"]}
    assert found["zero"] == [{"type": "spend_burst", "severity": "critical", "status": "open"}]
    assert found["denied20"] == [{"type": "tool_denials", "severity": "high", "status": "open"}]
    assert found["five"] == [] and found["denied4"] == []
    acknowledged = await gql(api, headers, NHIS_ANOMALIES, {"status": "acknowledged"})
    assert all(row["anomalies"] == [] for row in acknowledged["data"]["nhis"]["nodes"])
