"""Issue 14's figures: a nested and a small catalog query over 1,000 components x
100,000 deployments (2 environments, one organisation), in process, each request handed
straight to the app's ASGI callable (bench/asgi.py: no HTTP client's own work), through
the compiled path, the same with the caller cache on (GATEWAY_CALLER_CACHE_SECONDS=1,
so a repeated caller costs no statement), the resolver path (compiler off) and the
raw-SQL floor (the compiled statement on asyncpg), beside a plain Strawberry + DataLoader
app over the same tables (bench/plain_strawberry.py, the baseline the resolver path is
held to). p50 at 1 client, requests/s at 16 concurrent clients, statements per request;
then two REST paths beside their stored operations sent to /graphql.

`python -m bench resolvers`, or `python -m bench.resolvers --url ... --profile out.prof`
to write a cProfile of the nested query at 1 client as well.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import bus_factor
from bench.asgi import AsgiClient
from bench.common import (
    add_tenant,
    asgi_client_as,
    capture_statements,
    fresh_database,
    machine,
    median_ms,
    vacuum_analyze,
)
from bench.plain_strawberry import PlainApp
from gateway.collector import settle_heap
from gateway.settings import Settings
from rest_compat.routing import load_operation

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


async def floor_per_second(
    engine: AsyncEngine, statement: tuple[str, Any], clients: int, seconds: float
) -> float:
    """The compiled statement run straight on ``clients`` asyncpg connections, no HTTP:
    requests/s the database alone allows (the raw-SQL floor's throughput)."""
    sql, parameters = statement
    connections = [await engine.connect() for _ in range(clients)]
    try:
        drivers = []
        for conn in connections:
            raw = await conn.get_raw_connection()
            drivers.append(raw.driver_connection)
        done = 0
        deadline = time.perf_counter() + seconds

        async def loop(driver: Any) -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                await driver.fetchval(sql, *(parameters or ()))
                done += 1

        start = time.perf_counter()
        await asyncio.gather(*(loop(driver) for driver in drivers))
        return done / (time.perf_counter() - start)
    finally:
        for conn in connections:
            await conn.close()


async def floor_p50(engine: AsyncEngine, statement: tuple[str, Any], runs: int) -> float:
    sql, parameters = statement
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None

        async def once() -> None:
            await driver.fetchval(sql, *(parameters or ()))

        return await median_ms(once, runs)


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
        await load_knowledge(engine, org_id)
        common: dict[str, Any] = {
            "user_id": user_id,
            "org_id": org_id,
            "cache_ttl": 0,
            "graphql_cost_budget": "",
        }
        plain = AsgiClient(PlainApp(engine, org_id), {})
        async with (
            asgi_client_as(engine, **common) as compiled,
            asgi_client_as(engine, **common, caller_cache_seconds=1.0) as kept,
            asgi_client_as(engine, **common, compile_selections=False) as resolved,
        ):
            # As `gateway serve` does once the app is built.
            settle_heap(Settings().gc_threshold)
            for name, query in (("nested", NESTED), ("small", SMALL)):
                if only and name != only:
                    continue
                figures: dict[str, tuple[float, float, int]] = {}
                await same_data(compiled, plain, query)
                paths = (
                    ("compiled", compiled),
                    ("callers", kept),
                    ("resolvers", resolved),
                    ("plain", plain),
                )
                for path, client in paths:
                    call = _call(client, query)
                    await call()  # the "callers" path keeps its caller from here
                    statements = await capture_statements(engine, call)
                    p50 = await median_ms(call, runs)
                    rate = await per_second(call, CLIENTS, seconds)
                    figures[path] = (p50, rate, len(statements))
                    if path == "compiled":
                        # The credential seen (the warm-up call): one statement, the
                        # caller's row beside the answer (gateway/callers.py), the floor's.
                        data_statement = statements[-1]
                floor = (
                    await floor_p50(engine, data_statement, runs),
                    await floor_per_second(engine, data_statement, CLIENTS, seconds),
                )
                for path, (p50, rate, count) in figures.items():
                    what = (
                        "plain Strawberry + DataLoader, no auth: bench/plain_strawberry.py"
                        if path == "plain"
                        else "the caller's lookup included"
                        if path != "callers"
                        else "the caller kept: no lookup"
                    )
                    print(
                        f"resolvers: {name:<7} {path:<9} p50 {p50:8.2f} ms at 1 client   "
                        f"{rate:7.1f} req/s at {CLIENTS} clients   ({count} statements per "
                        f"request, {what})",
                        flush=True,
                    )
                print(
                    f"resolvers: {name:<7} {'SQL floor':<9} p50 {floor[0]:8.2f} ms at 1 "
                    f"connection {floor[1]:7.1f} req/s on {CLIENTS} connections (the "
                    "compiled statement on asyncpg, no HTTP)",
                    flush=True,
                )
                compiled_p50, compiled_rate, _ = figures["compiled"]
                speedup = compiled_rate / figures["resolvers"][1]
                print(
                    f"resolvers: {name:<7} resolvers / plain Strawberry "
                    f"{figures['resolvers'][1] / figures['plain'][1]:5.2f}x req/s, p50 "
                    f"{figures['resolvers'][0] / figures['plain'][0]:5.2f}x (above 1 is slower)",
                    flush=True,
                )
                print(
                    f"resolvers: {name:<7} compiled / resolvers {speedup:5.2f}x "
                    f"req/s;  compiled / floor {compiled_rate / floor[1]:5.2f}x req/s, "
                    f"p50 {compiled_p50 / floor[0]:5.2f}x the floor's",
                    flush=True,
                )
            if not only:
                await rest_beside_graphql(compiled, runs)
            if profile:
                call = _call(resolved, NESTED)
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(runs):
                    await call()
                profiler.disable()
                profiler.dump_stats(profile)
                print(f"resolvers: cProfile of {runs} nested queries (resolver path) in {profile}")


async def same_data(gateway: AsgiClient, plain: AsgiClient, query: str) -> None:
    """The plain app answers the query with the gateway's data: the same work is timed."""
    answers = []
    for client in (gateway, plain):
        status, body = await client.post_json("/graphql", {"query": query})
        assert status == 200, body[:300]
        answers.append(json.loads(body)["data"])
    if answers[0] != answers[1]:
        raise RuntimeError("the plain Strawberry app's answer differs from the gateway's")


async def load_knowledge(engine: AsyncEngine, org_id: uuid.UUID) -> None:
    """Knowledge for the bus-factor REST path: bench.bus_factor's shape at a fifth of its
    size, in the same organisation (its own tenant row is skipped)."""
    values = {"org": org_id, "departments": 20, "users": 200, "count": 10_000}
    async with engine.begin() as conn:
        for statement in (
            bus_factor.DEPARTMENTS_SQL,
            bus_factor.USERS_SQL,
            bus_factor.ENTRIES_SQL,
            bus_factor.AUTHORS_SQL,
            bus_factor.CO_AUTHORS_SQL,
        ):
            await conn.execute(text(statement), values)
    await vacuum_analyze(engine)


async def rest_beside_graphql(client: AsgiClient, runs: int) -> None:
    """A REST path against its stored operation sent to /graphql: the REST layer's own
    cost (routing, parameters, the envelope) as a ratio."""
    for label, path, family, op in (
        ("catalog health", "/api/v1/analytics/catalog", "portal", "catalog"),
        ("bus factor", "/api/v1/analytics/bus-factor/", "knowledge", "bus_factor"),
    ):
        document = load_operation(family, op)

        async def rest(path: str = path) -> None:
            status, body = await client.get(path)
            assert status == 200, body[:300]

        async def graphql(document: str = document) -> None:
            status, body = await client.post_json("/graphql", {"query": document})
            assert status == 200 and b'"errors":' not in body, body[:300]

        rest_ms = await median_ms(rest, runs)
        graphql_ms = await median_ms(graphql, runs)
        rest_ms = min(rest_ms, await median_ms(rest, runs))
        graphql_ms = min(graphql_ms, await median_ms(graphql, runs))
        print(
            f"resolvers: {label:<15} REST {rest_ms:7.2f} ms   its GraphQL operation "
            f"{graphql_ms:7.2f} ms   REST / GraphQL {rest_ms / graphql_ms:4.2f}x",
            flush=True,
        )


def _call(client: AsgiClient, query: str) -> Callable[[], Awaitable[None]]:
    async def call() -> None:
        status, body = await client.post_json("/graphql", {"query": query})
        # Not parsed: the client's own JSON parsing (of 200 kB for the nested query)
        # would count against the gateway, and the floor parses nothing either. (No
        # name or version in the bench's data says "errors".)
        assert status == 200, body[:500]
        assert body.startswith(b'{"data":') and b'"errors":' not in body, body[:500]

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
