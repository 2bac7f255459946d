"""MCP rollups: requested over REST and GraphQL, run by the worker, idempotent, and
answers identical with and without rollup rows (tests/governance/mcp_data.py)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from gateway.ids import ROLLUP, render_id
from gateway.jobs import ClaimedJob, Worker
from gateway.settings import Settings
from models.governance import McpHourlyRollup, McpToolCall
from resolvers.governance.mcp_analytics import _uncovered
from resolvers.governance.rollup import mcp_rollup, whole_hours
from tests.governance.mcp_data import SUMMARY, TOOLS, at, build_mcp

WINDOW = {"from": "2026-05-01T09:30:00Z", "to": "2026-05-01T12:30:00Z"}
ROLLUP_QUERY = """query($id: UUID!) { mcpRollup(id: $id) {
    id status from to rows createdAt finishedAt error } }"""
REQUEST = """mutation($from: DateTime!, $to: DateTime!) {
    requestMcpRollup(from: $from, to: $to) { id status from to rows } }"""


@pytest.fixture
def settings(tmp_path: Any) -> Settings:
    # No background worker: rollups run when a test runs them.
    return Settings(data_dir=tmp_path, run_worker=False)


async def run_jobs(db: Any) -> int:
    # The real clock: requests are queued at it, and every hour of the dataset has ended.
    return await Worker(db).run_until_idle()


async def rollup_rows(db: Any, org_id: uuid.UUID) -> list[tuple[Any, ...]]:
    table = McpHourlyRollup.__table__
    statement = (
        select(
            table.c.hour,
            table.c.tool,
            table.c.calls,
            table.c.passed,
            table.c.corrected,
            table.c.blocked,
            table.c.latency_sum_ms,
        )
        .where(table.c.org_id == org_id)
        .order_by(table.c.hour, table.c.tool)
    )
    async with db.connect() as conn:
        return [tuple(row) for row in await conn.execute(statement)]


async def answers(client: Any, headers: dict[str, str]) -> tuple[Any, Any]:
    summary = await client.get("/v1/mcp/analytics/summary", params=WINDOW, headers=headers)
    tools = await client.get("/v1/mcp/analytics/tools", params=WINDOW, headers=headers)
    return summary.json(), tools.json()


async def request_rollup(client: Any, headers: dict[str, str], start: str, end: str) -> str:
    response = await client.post(
        "/v1/mcp/analytics/rollup", json={"from": start, "to": end}, headers=headers
    )
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["rollup_id"].startswith("rlp_")
    return str(body["rollup_id"])


async def test_a_rollup_fills_hourly_rows_and_reruns_leave_the_same_rows(client, db, factory):
    data = await build_mcp(factory)
    headers = factory.headers(data.user)
    first = await request_rollup(client, headers, "2026-05-01T08:00:00Z", "2026-05-01T13:00:00Z")
    assert await run_jobs(db) == 1
    rows = await rollup_rows(db, data.org["id"])
    h = lambda hour: at(hour)  # noqa: E731
    assert rows == [
        (h(8), "stripe.create_refund", 1, 1, 0, 0, 70),
        (h(9), "postgres.query", 2, 2, 0, 0, 600),  # #2 500 + #3 100
        (h(9), "stripe.create_refund", 1, 0, 0, 1, 300),
        (h(10), "postgres.query", 2, 1, 1, 0, 500),  # #5 200 + #6 300
        (h(10), "stripe.create_refund", 1, 1, 0, 0, 101),
        (h(11), "github.search", 1, 0, 0, 1, 50),
        (h(11), "postgres.query", 1, 0, 0, 1, 400),
        (h(12), "github.search", 1, 1, 0, 0, 150),
        (h(12), "postgres.query", 1, 1, 0, 0, 999),
    ]
    status = await client.get(f"/v1/mcp/analytics/rollup/{first}", headers=headers)
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "succeeded" and body["rows"] == 9 and body["error"] is None
    assert (body["from"], body["to"]) == ("2026-05-01T08:00:00Z", "2026-05-01T13:00:00Z")
    assert body["rollup_id"] == first and body["finished_at"].endswith("Z")
    # The other organisation's calls are in no row of Acme's, and it has none.
    assert await rollup_rows(db, data.other["id"]) == []

    # Run again (a second request over the same hours): the same rows.
    await request_rollup(client, headers, "2026-05-01T08:00:00Z", "2026-05-01T13:00:00Z")
    assert await run_jobs(db) == 1
    assert await rollup_rows(db, data.org["id"]) == rows

    # Call #1 (08:05, alone in its hour) deleted: a rerun drops its row.
    async with db.begin() as conn:
        await conn.execute(
            delete(McpToolCall.__table__).where(McpToolCall.id == data.calls[0]["id"])
        )
    await request_rollup(client, headers, "2026-05-01T08:00:00Z", "2026-05-01T13:00:00Z")
    await run_jobs(db)
    assert await rollup_rows(db, data.org["id"]) == rows[1:]


async def test_answers_are_identical_with_and_without_rollup_rows(client, db, factory):
    data = await build_mcp(factory)
    headers = factory.headers(data.user)
    raw = await answers(client, headers)
    assert raw == (SUMMARY, TOOLS)
    # Only the 10:00 hour rolled up: 11:00 is a whole hour no rollup covers, read raw.
    await request_rollup(client, headers, "2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z")
    await run_jobs(db)
    assert await answers(client, headers) == raw
    # Everything rolled up: 10:00 and 11:00 come from rollups, the edges from raw calls.
    await request_rollup(client, headers, "2026-05-01T08:00:00Z", "2026-05-01T13:00:00Z")
    await run_jobs(db)
    assert await answers(client, headers) == raw


async def test_rolled_up_hours_are_read_from_the_rollup_rows(client, db, factory):
    # Proof the rollup is read: delete call #5 (10:00, postgres.query, passed) after the
    # rollup. The summary still counts it (its hour comes from the rollup row), while
    # p95 and sessions come from the raw calls.
    data = await build_mcp(factory)
    headers = factory.headers(data.user)
    await request_rollup(client, headers, "2026-05-01T08:00:00Z", "2026-05-01T13:00:00Z")
    await run_jobs(db)
    async with db.begin() as conn:
        await conn.execute(
            delete(McpToolCall.__table__).where(McpToolCall.id == data.calls[4]["id"])
        )
    summary, tools = await answers(client, headers)
    assert summary == SUMMARY
    postgres = tools["data"][0]
    assert postgres["calls"] == 4
    # p95 over [100, 300, 400]: position 2 * 0.95 = 1.9 -> 300 + 0.9 * 100 = 390.
    assert postgres["p95_latency_ms"] == 390


async def test_a_window_with_no_whole_hour_reads_raw_only(client, db, factory):
    data = await build_mcp(factory)
    headers = factory.headers(data.user)
    await request_rollup(client, headers, "2026-05-01T08:00:00Z", "2026-05-01T13:00:00Z")
    await run_jobs(db)
    # Corrupt the 10:00 rows: a window inside that hour must not read them.
    async with db.begin() as conn:
        await conn.execute(update(McpHourlyRollup.__table__).values(calls=1000))
    inside = {"from": "2026-05-01T10:05:00Z", "to": "2026-05-01T10:55:00Z"}
    body = (await client.get("/v1/mcp/analytics/summary", params=inside, headers=headers)).json()
    # #6 only (10:15, postgres.query, corrected).
    assert body["totals"] == {"tool_calls": 1, "passed": 0, "corrected": 1, "blocked": 0}


async def test_a_rollup_covers_only_hours_that_have_ended(db, factory):
    # Run at 11:30: the hours 08:00, 09:00 and 10:00 have ended; 11:00 has not.
    data = await build_mcp(factory)
    job = ClaimedJob(
        id=uuid.uuid4(),
        org_id=data.org["id"],
        kind="mcp.rollup",
        payload={"from": "2026-05-01T08:30:00+00:00", "to": "2026-05-01T13:00:00+00:00"},
        attempts=1,
    )
    result = await mcp_rollup(db, job=job, now=at(11, 30))
    # 08:30 is not a whole hour: 09:00 and 10:00 -> 2 + 2 rows.
    assert result == {
        "rows": 4,
        "covered_from": "2026-05-01T09:00:00+00:00",
        "covered_to": "2026-05-01T11:00:00+00:00",
    }
    assert await mcp_rollup(db, job=job, now=at(9, 59)) == {
        "rows": 0,
        "covered_from": None,
        "covered_to": None,
    }


def test_raw_ranges_are_the_window_less_the_covered_hours():
    assert _uncovered(at(9, 30), at(12, 30), [(at(10), at(11))]) == [
        (at(9, 30), at(10)),
        (at(11), at(12, 30)),
    ]
    assert _uncovered(at(10), at(12), [(at(10), at(12))]) == []
    assert _uncovered(at(10), at(12), []) == [(at(10), at(12))]


def test_whole_hours():
    assert whole_hours(at(9, 30), at(12, 30)) == (at(10), at(12))
    assert whole_hours(at(10), at(12)) == (at(10), at(12))
    assert whole_hours(at(10, 5), at(10, 55)) is None
    assert whole_hours(at(10, 5), at(11, 5)) is None


async def test_graphql_requests_and_reads_a_rollup(client, db, factory):
    data = await build_mcp(factory)
    headers = factory.headers(data.user)
    variables = {"from": "2026-05-01T08:00:00Z", "to": "2026-05-01T13:00:00Z"}
    body = (
        await client.post(
            "/graphql", json={"query": REQUEST, "variables": variables}, headers=headers
        )
    ).json()
    queued = body["data"]["requestMcpRollup"]
    assert queued["status"] == "queued" and queued["rows"] is None
    assert queued["from"] == "2026-05-01T08:00:00+00:00"
    await run_jobs(db)
    read = (
        await client.post(
            "/graphql",
            json={"query": ROLLUP_QUERY, "variables": {"id": queued["id"]}},
            headers=headers,
        )
    ).json()["data"]["mcpRollup"]
    assert read["status"] == "succeeded" and read["rows"] == 9
    # The REST id is the same 128 bits; a plain UUID is accepted in the path too.
    rendered = render_id(ROLLUP, uuid.UUID(queued["id"]))
    for ident in (rendered, queued["id"]):
        found = await client.get(f"/v1/mcp/analytics/rollup/{ident}", headers=headers)
        assert found.json()["rollup_id"] == rendered


async def test_rollup_ids_of_others_or_of_other_jobs_are_not_found(client, factory, db):
    data = await build_mcp(factory)
    mine = factory.headers(data.user)
    rollup_id = await request_rollup(client, mine, "2026-05-01T08:00:00Z", "2026-05-01T09:00:00Z")
    other_job = await factory.job(data.org, "tests.echo")
    for path, headers in [
        (rollup_id, factory.headers(data.stranger)),
        (render_id(ROLLUP, other_job["id"]), mine),
        (render_id(ROLLUP, uuid.uuid4()), mine),
        ("rlp_nonsense", mine),
        ("job_" + rollup_id[4:], mine),
        (str(uuid.uuid4()), mine),
    ]:
        response = await client.get(f"/v1/mcp/analytics/rollup/{path}", headers=headers)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"from": "2026-05-01T08:00:00Z"},
        {"to": "2026-05-01T08:00:00Z"},
        {"from": "2026-05-01T08:00:00Z", "to": "2026-05-01T08:00:00Z"},
        {"from": "2026-05-01T09:00:00Z", "to": "2026-05-01T08:00:00Z"},
        {"from": "2026-05-01", "to": "2026-05-02"},
        {"from": 1, "to": 2},
    ],
)
async def test_bad_rollup_bodies_are_400(client, factory, body):
    data = await build_mcp(factory)
    response = await client.post(
        "/v1/mcp/analytics/rollup", json=body, headers=factory.headers(data.user)
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


async def test_rollup_paths_need_mcp_read(client, factory):
    data = await build_mcp(factory)
    logs_only = factory.scoped_headers(data.user, ["logs:read"])
    body = {"from": "2026-05-01T08:00:00Z", "to": "2026-05-01T09:00:00Z"}
    for method, url in [
        ("POST", "/v1/mcp/analytics/rollup"),
        ("GET", f"/v1/mcp/analytics/rollup/{render_id(ROLLUP, uuid.uuid4())}"),
    ]:
        anonymous = await client.request(method, url, json=body)
        assert anonymous.status_code == 401
        refused = await client.request(method, url, json=body, headers=logs_only)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    allowed = factory.scoped_headers(data.user, ["mcp:read"])
    assert (
        await client.post("/v1/mcp/analytics/rollup", json=body, headers=allowed)
    ).status_code == 202
