"""Issue 14's comparison: the gateway's catalog queries beside PostGraphile v5 on the
same data (bench.resolvers' 1,000 components x 100,000 deployments, 2 environments, one
organisation), both served for real on 127.0.0.1 and timed with one lean HTTP/1.1
client (bench/wire.py; the p50 httpx measures is printed beside it: httpx costs about
1 ms of client CPU per request, in every figure whichever server answers).

The gateway is ``gateway serve --no-worker`` (uvicorn, one process; answer cache off, no
cost budget, the selection compiler on as it ships); PostGraphile is
bench/postgraphile/server.mjs (the Amber preset over the ``public`` schema, grafserv on
Node's http module, one process) with a pool as large as the gateway's. Both queries ask
for the same rows in each server's own naming: 100 components by name, each with its 20
newest deployments (started_at, then id, descending) and their environment's name; and
10 x 5. The answers are checked to hold the same rows before any timing.

Per query and server, in 3 interleaved rounds (each server first in every other one):
p50 at 1 client (50 requests) and requests/s at 16 concurrent clients (each request
checked for a 200 without ``errors``), with the CPU per request of the server process,
of its PostgreSQL backends (when the server runs on this machine) and of the client,
and the connections the server opened per second. The summary is each figure's median
over the rounds.

PostGraphile v5 needs Node.js 22 or newer; bench/postgraphile/package.json pins Node
itself (the npm ``node`` package), so the machine's ``node`` and ``npm`` only install it
(``npm ci`` when bench/postgraphile/node_modules is missing).

`python -m bench postgraphile`, or `python -m bench.postgraphile --url ... --seconds 5`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from bench.backends import EVERY, Backends
from bench.common import fresh_database, machine, median_ms
from bench.processes import free_port
from bench.resolvers import CLIENTS, COMPONENTS, DEPLOYMENTS, NESTED, SMALL, load, per_second
from bench.served import Demo, Process, environment, launch, ready, serve
from bench.wire import Wire
from gateway.auth import Authenticator

DIRECTORY = Path(__file__).resolve().parent / "postgraphile"
DATABASE = "gateway_bench_postgraphile"
ROUNDS = 3
# As many connections as the gateway may hold: twice GATEWAY_DB_POOL_SIZE's default, 10
# (gateway/db.py); at 16 clients neither server queues for one.
POOL_SIZE = 20

# The same selections in PostGraphile's naming: its connections take an explicit order
# (the gateway's lists have theirs built in), and it adds the primary key to break ties.
POSTGRAPHILE_NESTED = (
    "{ allComponents(first: 100, orderBy: [NAME_ASC]) { nodes { name "
    "deploymentsByComponentId(first: 20, orderBy: [STARTED_AT_DESC, ROW_ID_DESC]) "
    "{ nodes { version status startedAt environmentByEnvironmentId { name } } } } } }"
)
POSTGRAPHILE_SMALL = POSTGRAPHILE_NESTED.replace("first: 100", "first: 10").replace(
    "first: 20", "first: 5"
)
QUERIES = {"nested": (NESTED, POSTGRAPHILE_NESTED), "small": (SMALL, POSTGRAPHILE_SMALL)}

Rows = list[tuple[str, list[tuple[str, str, datetime, str]]]]


def unavailable() -> str | None:
    """Why PostGraphile cannot be run here, or None when it can."""
    if (DIRECTORY / "node_modules" / ".bin" / "node").exists():
        return None
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not found (needed once to install bench/postgraphile)"
    return None


def install() -> None:
    """``npm ci`` (the lock file's versions) when bench/postgraphile has no node_modules."""
    if (DIRECTORY / "node_modules" / ".bin" / "node").exists():
        return
    print("postgraphile: npm ci in bench/postgraphile ...", flush=True)
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=DIRECTORY,
        check=True,
        timeout=300,
    )


def spawn(database_url: str, workdir: Path) -> Process:
    """server.mjs on a free 127.0.0.1 port, in a process group of its own."""
    port = free_port()
    env = {
        "PATH": f"{DIRECTORY / 'node_modules' / '.bin'}:/usr/bin:/bin",
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "POOL_SIZE": str(POOL_SIZE),
        # graphql-js and grafast skip their development-time checks.
        "NODE_ENV": "production",
    }
    node = DIRECTORY / "node_modules" / ".bin" / "node"
    process = launch("postgraphile", [str(node), "server.mjs"], env, workdir, DIRECTORY)
    process.port = port
    return process


async def start_postgraphile(database_url: str, workdir: Path, within: float = 60) -> Process:
    """PostGraphile served, once it answers a query."""
    process = spawn(database_url, workdir)
    return await ready(
        process, lambda client: client.post("/graphql", json={"query": "{ __typename }"}), within
    )


@dataclass(frozen=True)
class Server:
    """A served GraphQL endpoint as the bench drives it."""

    name: str
    process: Process
    client: httpx.AsyncClient
    wire: Wire
    headers: dict[str, str]

    async def post(self, query: str) -> httpx.Response:
        return await self.client.post("/graphql", json={"query": query}, headers=self.headers)

    def call(self, query: str) -> Any:
        """One timed request: the wire client (bench/wire.py), the request's bytes built
        once, the answer checked as bytes."""
        body = json.dumps({"query": query}).encode()
        request = self.wire.post_json("/graphql", body, self.headers)

        async def call() -> None:
            status, body = await self.wire.send(request)
            # Bytes, not JSON: parsing a 100 x 20 answer would be the client's biggest
            # cost per request, on the same two cores as the servers.
            if status != 200 or b'"errors"' in body:
                raise RuntimeError(f"{self.name}: {status} {body[:500]!r}")

        return call

    def httpx_call(self, query: str) -> Any:
        """The same request through httpx, for the p50 earlier runs reported."""

        async def call() -> None:
            response = await self.post(query)
            if response.status_code != 200 or b'"errors"' in response.content:
                raise RuntimeError(f"{self.name}: {response.status_code} {response.text[:500]}")

        return call


def gateway_rows(data: dict[str, Any]) -> Rows:
    return [
        (
            component["name"],
            [
                (d["version"], d["status"], _instant(d["startedAt"]), d["environment"]["name"])
                for d in component["deployments"]
            ],
        )
        for component in data["components"]["nodes"]
    ]


def postgraphile_rows(data: dict[str, Any]) -> Rows:
    return [
        (
            component["name"],
            [
                (
                    d["version"],
                    d["status"],
                    _instant(d["startedAt"]),
                    d["environmentByEnvironmentId"]["name"],
                )
                for d in component["deploymentsByComponentId"]["nodes"]
            ],
        )
        for component in data["allComponents"]["nodes"]
    ]


def _instant(value: str) -> datetime:
    # The gateway writes RFC 3339 UTC with a Z, PostGraphile PostgreSQL's +00:00.
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def same_answers(gateway: Server, postgraphile: Server) -> None:
    """Both servers answer each query with the same rows, in the same order."""
    for name, (ours, theirs) in QUERIES.items():
        mine = (await gateway.post(ours)).json()
        other = (await postgraphile.post(theirs)).json()
        for server, body in (("gateway", mine), ("PostGraphile", other)):
            if "errors" in body:
                raise RuntimeError(f"{server} refused the {name} query: {body['errors']}")
        rows, expected = gateway_rows(mine["data"]), postgraphile_rows(other["data"])
        if rows != expected:
            raise RuntimeError(f"the {name} query's answers differ between the servers")
        deployments = sum(len(d) for _, d in rows)
        print(
            f"postgraphile: {name:<6} same answer from both: {len(rows)} components, "
            f"{deployments} deployments (names, versions, statuses, starts, environments)",
            flush=True,
        )


@dataclass(frozen=True)
class Figure:
    p50_ms: float
    per_second: float
    server_cpu_ms: float  # the server process's CPU per request at 16 clients
    database_cpu_ms: float  # its PostgreSQL backends' (0 where they cannot be seen)
    client_cpu_ms: float  # this process's (the 16 clients')
    connections_opened: float  # by the server while at 16 clients, per second
    httpx_p50_ms: float  # p50 at 1 client through httpx (the client of earlier runs)


async def measure(server: Server, query: str, runs: int, seconds: float) -> Figure:
    call = server.call(query)
    httpx_p50 = await median_ms(server.httpx_call(query), runs)
    p50 = await median_ms(call, runs)
    cpu, own, start = server.process.cpu_s(), time.process_time(), time.perf_counter()
    backends = Backends(DATABASE)
    rate, _ = await asyncio.gather(
        per_second(call, CLIENTS, seconds), backends.watch(seconds + EVERY)
    )
    elapsed = time.perf_counter() - start
    requests = rate * elapsed
    return Figure(
        p50,
        rate,
        (server.process.cpu_s() - cpu) * 1000 / requests,
        backends.cpu_s() * 1000 / requests,
        (time.process_time() - own) * 1000 / requests,
        backends.opened() / elapsed,
        httpx_p50,
    )


async def run(url: str, rounds: int = ROUNDS, runs: int = 50, seconds: float = 6.0) -> None:
    print(f"postgraphile: {machine()}", flush=True)
    why = unavailable()
    if why:
        print(f"postgraphile: skipped: {why}", flush=True)
        return
    install()
    print(f"postgraphile: loading {COMPONENTS:,} components x {DEPLOYMENTS:,} deployments ...")
    with tempfile.TemporaryDirectory(prefix="gateway-postgraphile-") as tmp:
        workdir = Path(tmp)
        async with fresh_database(url, DATABASE) as engine:
            org_id, user_id = uuid.uuid4(), uuid.uuid4()
            await load(engine, org_id, user_id)
            database = engine.url.render_as_string(hide_password=False)
            secret = uuid.uuid4().hex
            token = Authenticator(secret=secret).issue(user_id=user_id, org_id=org_id)
            ours = theirs = None
            try:
                ours = await _gateway(database, workdir, secret)
                node_url = make_url(database).set(drivername="postgresql")
                theirs = await start_postgraphile(
                    node_url.render_as_string(hide_password=False), workdir
                )
                limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
                wires = Wire(ours.base_url, CLIENTS), Wire(theirs.base_url, CLIENTS)
                async with (
                    httpx.AsyncClient(base_url=ours.base_url, timeout=60, limits=limits) as a,
                    httpx.AsyncClient(base_url=theirs.base_url, timeout=60, limits=limits) as b,
                ):
                    credentials = {"Authorization": f"Bearer {token}"}
                    gateway = Server("gateway", ours, a, wires[0], credentials)
                    postgraphile = Server("PostGraphile", theirs, b, wires[1], {})
                    try:
                        await same_answers(gateway, postgraphile)
                        await compare(gateway, postgraphile, rounds, runs, seconds)
                    finally:
                        for wire in wires:
                            await wire.close()
            finally:
                for process in (ours, theirs):
                    if process is not None:
                        process.stop()


async def _gateway(database: str, workdir: Path, secret: str) -> Process:
    # served.environment reads only a Demo's secret; the requests carry a token of
    # bench.resolvers' admin signed with it.
    demo = Demo("admin@example.com", jwt="", api_key="", secret=secret)
    env = environment(database, workdir, demo, cache_ttl="0", graphql_cost_budget="")
    return await serve("gateway", env, workdir)


async def compare(
    gateway: Server, postgraphile: Server, rounds: int, runs: int, seconds: float
) -> None:
    """Both queries on both servers, interleaved round by round; then the medians."""
    servers = (gateway, postgraphile)
    for queries in QUERIES.values():
        # Node's JIT and the gateway's plan cache warm up before anything counts.
        for server, query in zip(servers, queries, strict=True):
            await per_second(server.call(query), CLIENTS, 1.0)
    figures: dict[tuple[str, str], list[Figure]] = {}
    for round_ in range(1, rounds + 1):
        for name, queries in QUERIES.items():
            pairs = list(zip(servers, queries, strict=True))
            # Each server goes first in every other round: neither always follows the
            # other's load (the database's caches, the other process's memory).
            for server, query in pairs if round_ % 2 else pairs[::-1]:
                figure = await measure(server, query, runs, seconds)
                figures.setdefault((name, server.name), []).append(figure)
                print(
                    f"postgraphile: round {round_} {name:<6} {server.name:<12} "
                    f"{figure.per_second:7.1f} req/s at {CLIENTS} clients   p50 "
                    f"{figure.p50_ms:7.2f} ms at 1 client (httpx {figure.httpx_p50_ms:5.2f})  "
                    "server CPU "
                    f"{figure.server_cpu_ms:5.2f} + database {figure.database_cpu_ms:5.2f} "
                    f"ms/request, client CPU {figure.client_cpu_ms:5.2f} ms/request, "
                    f"{figure.connections_opened:4.1f} connections opened/s",
                    flush=True,
                )
    print(f"postgraphile: medians of {rounds} rounds", flush=True)
    for name in QUERIES:
        ours = _median(figures[(name, gateway.name)])
        theirs = _median(figures[(name, postgraphile.name)])
        for label, figure in (("gateway compiled", ours), ("PostGraphile v5", theirs)):
            print(
                f"postgraphile: {name:<6} {label:<16} {figure.per_second:7.1f} req/s at "
                f"{CLIENTS} clients   p50 {figure.p50_ms:7.2f} ms at 1 client (httpx "
                f"{figure.httpx_p50_ms:5.2f})   server CPU "
                f"{figure.server_cpu_ms:5.2f} + database {figure.database_cpu_ms:5.2f} ms/request",
                flush=True,
            )
        print(
            f"postgraphile: {name:<6} gateway / PostGraphile "
            f"{ours.per_second / theirs.per_second:5.2f}x req/s   "
            f"{ours.p50_ms / theirs.p50_ms:5.2f}x p50 (above 1 is slower)",
            flush=True,
        )


def _median(figures: list[Figure]) -> Figure:
    return Figure(
        statistics.median(f.p50_ms for f in figures),
        statistics.median(f.per_second for f in figures),
        statistics.median(f.server_cpu_ms for f in figures),
        statistics.median(f.database_cpu_ms for f in figures),
        statistics.median(f.client_cpu_ms for f in figures),
        statistics.median(f.connections_opened for f in figures),
        statistics.median(f.httpx_p50_ms for f in figures),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="postgresql+asyncpg://... (a server URL)")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--runs", type=int, default=50, help="requests for each p50")
    parser.add_argument("--seconds", type=float, default=6.0, help="per req/s figure")
    args = parser.parse_args()
    asyncio.run(run(args.url, args.rounds, args.runs, args.seconds))


if __name__ == "__main__":
    main()
