"""The resolver path's own cost (issue 14): a nested and a small catalog query over
1,000 components x 100,000 deployments (2 environments, one organisation), in process
over ASGI. p50 at 1 client, requests/s at 16 concurrent clients, statements per request.

`python -m bench resolvers`, or `python -m bench.resolvers --url ... --profile out.prof`
to write a cProfile of the nested query at 1 client as well.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import time
import uuid
from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy import text

from bench.common import (
    add_tenant,
    capture_statements,
    client_as,
    fresh_database,
    machine,
    median_ms,
    vacuum_analyze,
)
from gateway.collector import settle_heap
from gateway.settings import Settings

COMPONENTS = 1_000
DEPLOYMENTS = 100_000
ENVIRONMENTS = 2
CLIENTS = 16

NESTED = (
    "{ components(first: 100) { nodes { name deployments(first: 20) "
    "{ version status startedAt environment { name } } } } }"
)
SMALL = (
    "{ components(first: 10) { nodes { name deployments(first: 5) "
    "{ version status startedAt environment { name } } } } }"
)

LOAD = """
WITH c AS (SELECT array_agg(id ORDER BY name) AS ids FROM components WHERE org_id = :org),
     e AS (SELECT array_agg(id ORDER BY name) AS ids FROM environments WHERE org_id = :org)
INSERT INTO deployments (id, org_id, component_id, environment_id, status, version,
                         started_at, finished_at)
SELECT gen_random_uuid(), :org, c.ids[1 + n % :components], e.ids[1 + (n / 7) % :environments],
       CASE WHEN r < 0.85 THEN 'SUCCEEDED' WHEN r < 0.95 THEN 'FAILED' ELSE 'ROLLED_BACK' END,
       'v' || n, started, started + (r * interval '1 hour')
FROM c, e,
     (SELECT n, random() AS r, now() - (random() * interval '90 days') AS started
      FROM generate_series(1, :count) AS n) AS rows
"""


async def load(engine, org_id: uuid.UUID, user_id: uuid.UUID) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("SELECT setseed(0.14)"))
        await add_tenant(conn, org_id, user_id, "bench", "enterprise")
        await conn.execute(
            text(
                "INSERT INTO components (id, org_id, name, kind, lifecycle, owner, created_at, "
                "updated_at) SELECT gen_random_uuid(), :org, 'svc-' || lpad(n::text, 4, '0'), "
                "'service', 'production', 'team-' || (n % 9), now(), now() "
                "FROM generate_series(1, :n) AS n"
            ),
            {"org": org_id, "n": COMPONENTS},
        )
        await conn.execute(
            text(
                "INSERT INTO environments (id, org_id, name, created_at) SELECT "
                "gen_random_uuid(), :org, 'env-' || n, now() FROM generate_series(1, :n) AS n"
            ),
            {"org": org_id, "n": ENVIRONMENTS},
        )
        await conn.execute(
            text(LOAD),
            {
                "org": org_id,
                "components": COMPONENTS,
                "environments": ENVIRONMENTS,
                "count": DEPLOYMENTS,
            },
        )
    await vacuum_analyze(engine)


async def per_second(call: Callable[[], Awaitable[None]], clients: int, seconds: float) -> float:
    """Requests completed per second by ``clients`` concurrent loops for ``seconds``."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def loop() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await call()
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(clients)))
    return done / (time.perf_counter() - start)


async def run(
    url: str,
    runs: int = 20,
    seconds: float = 10.0,
    profile: str | None = None,
    only: str | None = None,
) -> None:
    print(f"resolvers: {machine()}", flush=True)
    print(f"resolvers: loading {COMPONENTS:,} components x {DEPLOYMENTS:,} deployments ...")
    async with fresh_database(url, "gateway_bench_resolvers") as engine:
        org_id, user_id = uuid.uuid4(), uuid.uuid4()
        await load(engine, org_id, user_id)
        async with client_as(
            engine, user_id=user_id, org_id=org_id, cache_ttl=0, graphql_cost_budget=""
        ) as (client, headers):
            # As `gateway serve` does once the app is built.
            settle_heap(Settings().gc_threshold)
            for name, query in (("nested", NESTED), ("small", SMALL)):
                if only and name != only:
                    continue
                call = _call(client, headers, query)
                statements = await capture_statements(engine, call)
                p50 = await median_ms(call, runs)
                rate = await per_second(call, CLIENTS, seconds)
                print(
                    f"resolvers: {name:<7} p50 {p50:8.2f} ms at 1 client   "
                    f"{rate:7.1f} req/s at {CLIENTS} clients   "
                    f"({len(statements)} statements per request)",
                    flush=True,
                )
            if profile:
                call = _call(client, headers, NESTED)
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(runs):
                    await call()
                profiler.disable()
                profiler.dump_stats(profile)
                print(f"resolvers: cProfile of {runs} nested queries in {profile}")


def _call(
    client: httpx.AsyncClient, headers: dict[str, str], query: str
) -> Callable[[], Awaitable[None]]:
    async def call() -> None:
        response = await client.post("/graphql", json={"query": query}, headers=headers)
        response.raise_for_status()
        assert "errors" not in response.json(), response.text[:500]

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="postgresql+asyncpg://... (a server URL)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--profile", help="write a cProfile of the nested query here")
    parser.add_argument("--only", choices=("nested", "small"), help="time only this query")
    args = parser.parse_args()
    asyncio.run(run(args.url, args.runs, args.seconds, args.profile, args.only))


if __name__ == "__main__":
    main()
