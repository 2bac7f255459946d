"""The clients of the load and fault benches: asyncio tasks with httpx, each with its own
connection, sending a weighted mix of requests until told to stop, and a record of
every request (when, what came back, and the id of a write that was acknowledged).

A request counts as an error when it raised (no answer, a timeout), when its status is
not the one its kind expects, or, for GraphQL, when the answer carries ``errors``.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.served import Demo

TIMEOUT = 30.0


@dataclass(frozen=True)
class Kind:
    """One kind of request: how to send it, what it must answer, and, for a write, where
    the written row's id is in the answer and in which table it must be."""

    name: str
    weight: int
    method: str
    path: str
    scheme: str  # Demo.headers
    expect: int = 200
    body: Callable[[int], dict[str, Any]] | None = None
    written_id: Callable[[Any], str] | None = None
    table: str | None = None

    @property
    def graphql(self) -> bool:
        return self.path == "/graphql"


@dataclass
class Record:
    kind: str
    started: float
    ended: float
    outcome: str  # the status, or the exception's name, or "graphql <code>"
    ok: bool
    status: int | None = None
    written: str | None = None  # the id of an acknowledged write

    @property
    def ms(self) -> float:
        return (self.ended - self.started) * 1000


@dataclass
class Traffic:
    """Records of every request so far, and the stop signal."""

    records: list[Record] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    counter: itertools.count[int] = field(default_factory=itertools.count)


def _graphql(query: str, variables: dict[str, Any] | None = None) -> Callable[[int], Any]:
    return lambda _: {"query": query, **({"variables": variables} if variables else {})}


NESTED = (
    "{ components(first: 10) { nodes { name owner latestDeployment { version } "
    "deployments(first: 5) { version status environment { name } } } } }"
)
SMALL = "{ viewer { username role } organization { name plan } }"
RECORD_ACTION = (
    "mutation($input: AgentActionInput!) { recordAgentAction(input: $input) { id displayId } }"
)


def _action(n: int) -> dict[str, Any]:
    return {
        "query": RECORD_ACTION,
        "variables": {
            "input": {
                "agentId": "bench-agent",
                "actionType": "read_file",
                "riskLevel": ("low", "medium", "high", "critical")[n % 4],
                "summary": f"bench action {n}",
                "status": "auto_approved",
            }
        },
    }


def _dashboard(n: int) -> dict[str, Any]:
    return {"name": f"bench dashboard {n}", "dashboard_type": "CUSTOM"}


RECORD_AGENT_ACTION = Kind(
    "graphql mutation recordAgentAction",
    10,
    "POST",
    "/graphql",
    "key",
    body=_action,
    written_id=lambda answer: answer["data"]["recordAgentAction"]["id"],
    table="agent_actions",
)
CREATE_DASHBOARD = Kind(
    "REST POST incidents dashboard-configurations/",
    10,
    "POST",
    "/api/analytics/dashboard-configurations/",
    "token",
    expect=201,
    body=_dashboard,
    written_id=lambda answer: answer["id"],
    table="dashboard_configurations",
)

# The load bench's mix: REST reads of five families (each with the credential scheme its
# clients use), a nested and a small GraphQL query, and two writes (20 % of requests).
LOAD_MIX = [
    Kind("REST GET portal dora?days=30", 10, "GET", "/api/v1/analytics/dora?days=30", "jwt"),
    Kind("REST GET knowledge bus-factor/", 10, "GET", "/api/v1/analytics/bus-factor/", "jwt"),
    Kind("REST GET governance summary", 10, "GET", "/v1/analytics/governance/summary", "bearer"),
    Kind(
        "REST GET incidents kpi-metrics/summary/",
        10,
        "GET",
        "/api/analytics/kpi-metrics/summary/",
        "token",
    ),
    Kind("REST GET agents realtime/metrics", 10, "GET", "/api/analytics/realtime/metrics", "key"),
    Kind("graphql query nested", 15, "POST", "/graphql", "jwt", body=_graphql(NESTED)),
    Kind("graphql query small", 15, "POST", "/graphql", "jwt", body=_graphql(SMALL)),
    RECORD_AGENT_ACTION,
    CREATE_DASHBOARD,
]

# The fault benches' background: reads that a replica would serve (GraphQL, analytics,
# the rate-limited incidents family) and the same two acknowledged writes (40 %).
FAULT_MIX = [
    Kind("REST GET portal dora?days=30", 15, "GET", "/api/v1/analytics/dora?days=30", "jwt"),
    Kind(
        "REST GET incidents kpi-metrics/summary/",
        15,
        "GET",
        "/api/analytics/kpi-metrics/summary/",
        "token",
    ),
    Kind("graphql query small", 15, "POST", "/graphql", "jwt", body=_graphql(SMALL)),
    Kind("graphql query nested", 15, "POST", "/graphql", "jwt", body=_graphql(NESTED)),
    replace(RECORD_AGENT_ACTION, weight=20),
    replace(CREATE_DASHBOARD, weight=20),
]


async def _send(client: httpx.AsyncClient, kind: Kind, demo: Demo, n: int) -> Record:
    started = time.monotonic()
    try:
        response = await client.request(
            kind.method,
            kind.path,
            headers=demo.headers(kind.scheme),
            json=kind.body(n) if kind.body else None,
        )
    except httpx.HTTPError as exc:
        return Record(kind.name, started, time.monotonic(), type(exc).__name__, ok=False)
    ended = time.monotonic()
    status = response.status_code
    if status != kind.expect:
        return Record(kind.name, started, ended, str(status), ok=False, status=status)
    answer: Any = response.json() if (kind.graphql or kind.written_id) else None
    if kind.graphql and answer.get("errors"):
        code = answer["errors"][0].get("extensions", {}).get("code", "error")
        return Record(kind.name, started, ended, f"graphql {code}", ok=False, status=status)
    written = kind.written_id(answer) if kind.written_id else None
    return Record(kind.name, started, ended, str(status), ok=True, status=status, written=written)


async def client(base_url: str, demo: Demo, mix: list[Kind], traffic: Traffic, seed: int) -> None:
    """One client: a request at a time, each of a kind drawn by weight, until the stop."""
    draw = random.Random(seed)
    weights = [kind.weight for kind in mix]
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT, limits=limits) as http:
        while not traffic.stop.is_set():
            kind = draw.choices(mix, weights)[0]
            traffic.records.append(await _send(http, kind, demo, next(traffic.counter)))


def run_clients(
    base_url: str, demo: Demo, mix: list[Kind], traffic: Traffic, count: int
) -> list[asyncio.Task[None]]:
    """``count`` clients started in the background; set ``traffic.stop`` and await them."""
    return [
        asyncio.create_task(client(base_url, demo, mix, traffic, seed)) for seed in range(count)
    ]


async def missing_writes(engine: AsyncEngine, records: list[Record]) -> tuple[int, int]:
    """(acknowledged writes, how many of them the database does not hold)."""
    tables = {kind.name: kind.table for kind in (*LOAD_MIX, *FAULT_MIX) if kind.table}
    wanted: dict[str, list[uuid.UUID]] = {}
    for record in records:
        if record.written is not None:
            wanted.setdefault(tables[record.kind], []).append(uuid.UUID(record.written))
    found = 0
    async with engine.connect() as conn:
        for name, ids in wanted.items():
            # The table names come from the kinds above, never from input.
            found += int(
                await conn.scalar(
                    text(f"SELECT count(*) FROM {name} WHERE id = ANY(:ids)"), {"ids": ids}
                )
                or 0
            )
    written = sum(len(ids) for ids in wanted.values())
    return written, written - found
