"""The realtime WebSocket's fan-out: 1, 50 and 500 sockets on one organisation's
``/api/analytics/ws/realtime/{user_email}``, the gateway really served.

Data: 100,000 agent actions over the last 30 days in the measured organisation (about
140 of them in the last hour, which the ticks count), 10,000 in another one, and one
user with an ``agents:read`` API key. Every socket is that user's (the path must name
the key owner's email), so N sockets are N browser tabs of one person: the ticker is per
organisation, not per user, so this is the same work as N users of one organisation.

The gateway runs in its own process (bench/fanout_server.py): uvicorn on 127.0.0.1, a
free port, uvicorn's defaults as `gateway serve` uses them, ``ws_interval`` 0.5 s, no job
worker. The clients run here, in one event loop: the ``websockets`` library, each with
permessage-deflate as it offers by default (browsers offer it too), at most 50 opening
handshakes at a time. For each socket count, once every socket is open, the window is
the first 10 ticks computed for all of them:

- statements per tick: SQLAlchemy ``before_cursor_execute`` on the gateway's engine
  over the window (the counters as they stood at the start of the window's first tick
  and of the tick after its last), divided by 10; anything else run meanwhile would
  count too. Besides them, the driver's own queries (asyncpg's BEGIN and ROLLBACK, and
  the pool's pre-ping ``;`` in a transaction of its own) and the connections taken from
  the pool, counted the same way.
- compute: the ticker's ``compute`` (a connection, the overview query, ``SELECT 1``,
  the message encoded once), wall clock in the gateway.
- server sent: from the end of a tick's computation to the return of the last socket's
  ``send_text`` in the gateway (the message handed to uvicorn's transport).
- all received: from the end of a tick's computation to the moment the last of the N
  clients here read it (``time.time()`` in both processes, one machine's clock). It
  includes the clients' own work: N sockets read by one Python thread.
- both as p50 and max over the window's ticks (each tick's figure is its slowest
  socket). Sent and read: the window's updates whose ``send_text`` returned before the
  next tick began, and those the clients read, against N x 10; a missing read is a drop,
  and a socket the server closed is reported.
- RSS: the gateway process's resident memory before the sockets open and with them
  open at the end of the window.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import func, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.agents import load
from bench.common import fresh_database, machine, open_files
from bench.fanout_clients import all_read, clients
from gateway.auth import hash_api_key
from gateway.sql import table_of
from models.tenancy import ApiKey

ACTIONS = 100_000
SOCKETS = (1, 50, 500)
TICKS = 10
INTERVAL = 0.5
HANDSHAKES = 50  # opening at the same time
KEY = "agw_bench_fanout_key"
EMAIL = "admin@example.com"  # bench.common.add_tenant's user
PATH = f"/api/analytics/ws/realtime/{EMAIL}"
ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


# --- the gateway -----------------------------------------------------------------------


@dataclass
class Gateway:
    process: asyncio.subprocess.Process
    port: int | None = None
    ticks: list[dict[str, Any]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    ended: bool = False

    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{PATH}"

    def rss(self) -> float:
        return psutil.Process(self.process.pid).memory_info().rss / MB

    async def read(self) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            message = json.loads(line)
            if "ready" in message:
                self.port = message["ready"]
            else:
                self.ticks.append(message["tick"])
            self.changed.set()
        self.ended = True
        self.changed.set()

    async def until(self, found: Callable[[], Any], within: float, what: str) -> Any:
        async with asyncio.timeout(within):
            while (value := found()) is None:
                if self.ended:
                    raise RuntimeError(f"the gateway stopped while waiting for {what}")
                self.changed.clear()
                await self.changed.wait()
        return value


@asynccontextmanager
async def gateway(url: str) -> AsyncIterator[Gateway]:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bench.fanout_server", "--url", url, "--interval", str(INTERVAL)),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    served = Gateway(process)
    reading = asyncio.create_task(served.read())
    try:
        await served.until(lambda: served.port, 30, "it to start")
        yield served
    finally:
        assert process.stdin is not None
        process.stdin.close()  # it shuts down when its stdin closes
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()
        reading.cancel()


# --- one socket count ------------------------------------------------------------------


@dataclass
class Row:
    sockets: int
    connect_s: float
    per_tick: dict[str, float]
    compute_ms: list[float]
    sent_ms: list[float]
    received_ms: list[float]
    sent: int
    received: int
    server_closed: int
    rss_before: float
    rss_open: float
    last_hour: int

    def cells(self) -> list[str]:
        def spread(values: list[float]) -> str:
            return f"{statistics.median(values):.1f} / {max(values):.1f}" if values else "-"

        expected = self.sockets * TICKS
        return [
            str(self.sockets),
            f"{self.connect_s:.2f}",
            f"{self.per_tick['statements']:.1f}",
            f"{self.per_tick['driver_queries']:.1f}",
            f"{self.per_tick['checkouts']:.1f}",
            spread(self.compute_ms),
            spread(self.sent_ms),
            spread(self.received_ms),
            f"{self.sent}/{expected}",
            f"{self.received}/{expected}",
            str(expected - self.received),
            str(self.server_closed),
            f"{self.rss_before:.1f} / {self.rss_open:.1f}",
        ]


HEADER = [
    "sockets",
    "open s",
    "stmts/tick",
    "driver q/tick",
    "checkouts/tick",
    "compute ms p50/max",
    "server sent ms p50/max",
    "all read ms p50/max",
    "updates sent",
    "updates read",
    "drops",
    "closed",
    "RSS MB before/open",
]


def table(rows: list[Row]) -> list[str]:
    lines = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    return [
        "  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True))
        for line in lines
    ]


async def measure(served: Gateway, count: int) -> Row:
    rss_before = served.rss()
    mark = len(served.ticks)
    started = time.perf_counter()
    async with clients(served.url(), {"X-API-Key": KEY}, count, HANDSHAKES) as opened:
        connect_s = time.perf_counter() - started
        ticks = served.ticks

        def first_for_all() -> int | None:
            return next((i for i in range(mark, len(ticks)) if ticks[i]["audience"] == count), None)

        wait = INTERVAL * (TICKS + 8) + 10
        first = await served.until(first_for_all, wait, "a tick for every socket")
        # One more: the counters at the start of the tick after the window's last.
        await served.until(
            lambda: True if len(ticks) > first + TICKS else None, wait, f"{TICKS} ticks"
        )
        window, after = ticks[first : first + TICKS], ticks[first + TICKS]
        stamps = [tick["timestamp"] for tick in window]
        # The gateway reports a tick once its sends are done; the clients may still be
        # reading the last ones. What has not come within 5 s is a drop.
        await all_read(opened, stamps, 5)
        rss_open = served.rss()
        server_closed = sum(1 for c in opened if c.reading.done())
        received = sum(1 for c in opened for stamp in stamps if stamp in c.received)
        first_update = next((c.first for c in opened if c.first), None)
        last_hour = first_update["metrics"]["recent_actions_last_hour"] if first_update else -1
    per_tick = {
        name: (after[name] - window[0][name]) / TICKS
        for name in ("statements", "driver_queries", "checkouts")
    }

    def last_read(tick: dict[str, Any]) -> float | None:
        times = [c.received[tick["timestamp"]] for c in opened if tick["timestamp"] in c.received]
        return max(times) if times else None

    return Row(
        sockets=count,
        connect_s=connect_s,
        per_tick=per_tick,
        compute_ms=[(t["computed"] - t["started"]) * 1000 for t in window],
        sent_ms=[(t["last_send"] - t["computed"]) * 1000 for t in window if t["last_send"]],
        received_ms=[
            (read - t["computed"]) * 1000 for t in window if (read := last_read(t)) is not None
        ],
        sent=sum(t["sends"] for t in window),
        received=received,
        server_closed=server_closed,
        rss_before=rss_before,
        rss_open=rss_open,
        last_hour=last_hour,
    )


# --- the run ---------------------------------------------------------------------------


async def prepare(engine: AsyncEngine) -> None:
    org_id, user_id = uuid.uuid4(), uuid.uuid4()
    await load(engine, org_id, user_id, ACTIONS, "bench")
    await load(engine, uuid.uuid4(), uuid.uuid4(), ACTIONS // 10, "noise")
    async with engine.begin() as conn:
        await conn.execute(
            insert(table_of(ApiKey)).values(
                id=uuid.uuid4(),
                org_id=org_id,
                user_id=user_id,
                name="fan-out bench",
                key_hash=hash_api_key(KEY),
                scopes=["agents:read"],
                created_at=func.now(),
            )
        )


async def run(url: str) -> None:
    print(f"fanout: {machine()}", flush=True)
    print(f"fanout: {open_files(max(SOCKETS))}", flush=True)
    async with fresh_database(url, "gateway_bench_fanout") as engine:
        async with engine.connect() as conn:
            version = await conn.scalar(text("SHOW server_version"))
        started = time.perf_counter()
        await prepare(engine)
        print(
            f"fanout: PostgreSQL {version}; {ACTIONS:,} + {ACTIONS // 10:,} actions loaded "
            f"in {time.perf_counter() - started:.1f} s; ws_interval {INTERVAL} s, "
            f"{TICKS} ticks per socket count",
            flush=True,
        )
        async with gateway(engine.url.render_as_string(hide_password=False)) as served:
            idle = served.rss()
            rows = []
            async with asyncio.timeout(120):
                for count in SOCKETS:
                    rows.append(await measure(served, count))
                    print(f"fanout: {count} sockets measured", flush=True)
            closed = served.rss()
    print(f"fanout: gateway RSS idle {idle:.1f} MB, after every socket closed {closed:.1f} MB")
    print(f"fanout: each tick counted {rows[0].last_hour} actions in the last hour")
    for line in table(rows):
        print(f"fanout: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="postgresql+asyncpg://... (a server URL)")
    asyncio.run(run(parser.parse_args().url))


if __name__ == "__main__":
    main()
