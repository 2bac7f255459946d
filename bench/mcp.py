"""MCP summary and tools over 1,000,000 tool calls (a week, 2,000 sessions, twelve tools,
one risky), through the gateway and as raw SQL, without and then with an hourly rollup.

The windows start and end on the half hour, so each has partial hours at its edges read
raw and, once rolled up, whole hours read from the rollup rows.

Runnable alone: ``python -m bench.mcp --url postgresql+asyncpg://...``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import add_tenant, fresh_database, measure_gets, vacuum_analyze
from gateway import jobs
from gateway.sql import bucket_floor, utcnow
from resolvers.governance.rollup import KIND

CALLS = 1_000_000
SESSIONS = 2_000
DAYS = 7
TOOLS = [
    "postgres.query",
    "github.search",
    "github.create_issue",
    "slack.post_message",
    "fs.read",
    "fs.write",
    "http.fetch",
    "jira.create_ticket",
    "s3.get_object",
    "s3.put_object",
    "email.send",
    "stripe.create_refund",  # the risky one: a fifth of its calls blocked
]

SESSIONS_SQL = """
INSERT INTO mcp_sessions (id, org_id, started_at, client)
SELECT gen_random_uuid(), :org,
       CAST(:end AS timestamptz) - random() * make_interval(days => CAST(:days AS int)),
       'client-' || (n % 5)
FROM generate_series(1, :sessions) AS n
"""

# Tools skewed towards the first of the list (random()^1.5), as real traffic is.
CALLS_SQL = """
WITH s AS (SELECT array_agg(id) AS ids FROM mcp_sessions WHERE org_id = :org)
INSERT INTO mcp_tool_calls (id, org_id, session_id, tool, verdict, latency_ms, created_at)
SELECT gen_random_uuid(), :org, s.ids[1 + floor(random() * :sessions)::int],
       (CAST(:tools AS text[]))[k],
       CASE WHEN r < (CASE WHEN k = :risky THEN 0.2 ELSE 0.01 END) THEN 'blocked'
            WHEN r < 0.08 THEN 'corrected' ELSE 'passed' END,
       20 + floor(random() * random() * 900)::int,
       CAST(:end AS timestamptz) - random() * make_interval(days => CAST(:days AS int))
FROM s,
     (SELECT n, random() AS r, 1 + floor(power(random(), 1.5) * :ntools)::int AS k
      FROM generate_series(1, :count) AS n) AS rows
"""


async def load(
    engine: AsyncEngine, org_id: uuid.UUID, admin_id: uuid.UUID, end: datetime, calls: int
) -> None:
    values = {
        "org": org_id,
        "end": end,
        "days": DAYS,
        "sessions": SESSIONS,
        "count": calls,
        "tools": TOOLS,
        "ntools": len(TOOLS),
        "risky": len(TOOLS),
    }
    async with engine.begin() as conn:
        await conn.execute(text("SELECT setseed(0.8)"))
        await add_tenant(conn, org_id, admin_id, f"bench-{org_id.hex[:6]}", "growth")
        await conn.execute(text(SESSIONS_SQL), values)
        await conn.execute(text(CALLS_SQL), values)
    await vacuum_analyze(engine)


async def roll_up(engine: AsyncEngine, org_id: uuid.UUID, start: datetime, end: datetime) -> None:
    """A rollup of ``[start, end)`` requested and run as the gateway runs it: a job."""
    async with engine.begin() as conn:
        await jobs.enqueue(
            conn,
            org_id=org_id,
            kind=KIND,
            payload={"from": start.isoformat(), "to": end.isoformat()},
            now=utcnow(),
        )
    started = time.perf_counter()
    ran = await jobs.Worker(engine).run_until_idle()
    print(f"mcp: rollup job(s) run: {ran} in {time.perf_counter() - started:.1f} s", flush=True)
    await vacuum_analyze(engine)


async def run(url: str, runs: int = 10, calls: int = CALLS) -> None:
    # The data ends at the last whole hour, so a rollup may cover every hour of it.
    end = bucket_floor(utcnow(), 3600)
    day = {"from": end - timedelta(hours=24, minutes=30), "to": end - timedelta(minutes=30)}
    week = {"from": end - timedelta(days=DAYS) + timedelta(minutes=30), "to": day["to"]}

    def path(name: str, window: dict[str, datetime]) -> str:
        query = urlencode({k: v.isoformat().replace("+00:00", "Z") for k, v in window.items()})
        return f"/v1/mcp/analytics/{name}?{query}"

    paths = [
        ("summary (24 h)", path("summary", day)),
        ("tools (24 h)", path("tools", day)),
        ("summary (7 d)", path("summary", week)),
        ("tools (7 d)", path("tools", week)),
    ]
    print(f"mcp: loading {calls:,} tool calls ...", flush=True)
    async with fresh_database(url, "gateway_bench_mcp") as engine:
        org_id, admin_id = uuid.uuid4(), uuid.uuid4()
        started = time.perf_counter()
        await load(engine, org_id, admin_id, end, calls)
        # Another organisation of a tenth the size, which must not be read.
        await load(engine, uuid.uuid4(), uuid.uuid4(), end, calls // 10)
        print(f"mcp: loaded in {time.perf_counter() - started:.1f} s", flush=True)
        measure = {"user_id": admin_id, "org_id": org_id, "runs": runs}
        await measure_gets("mcp (raw calls)", engine, paths=paths, **measure)
        await roll_up(engine, org_id, end - timedelta(days=DAYS + 1), end)
        await measure_gets("mcp (rolled up)", engine, paths=paths, **measure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="postgresql+asyncpg://... (a server URL)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--calls", type=int, default=CALLS)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.runs, args.calls))


if __name__ == "__main__":
    main()
