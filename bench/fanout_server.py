"""The gateway process of the fan-out bench (bench/fanout.py starts it): the app on
uvicorn on 127.0.0.1, a free port, with uvicorn's defaults as `gateway serve` uses them
(uvloop, the websockets-sansio implementation), without the job worker. It writes one
JSON line to stdout when it listens (``{"ready": port}``) and one per realtime tick.

Counters on its engine:

- ``statements``: SQLAlchemy's ``before_cursor_execute``, what the gateway's code runs.
- ``driver_queries``: what asyncpg sends besides: its query logger sees the queries it
  runs unprepared, which are the transactions' BEGIN and ROLLBACK and the pool's
  pre-ping (``;``, in a transaction of its own), not the gateway's statements (SQLAlchemy
  runs those as prepared statements, which the logger does not see).
- ``checkouts``: connections taken from the pool.

A tick's record (``{"tick": ...}``): ``timestamp`` (the metrics_update's, which names the
tick), ``audience`` (the realtime WebSockets it was computed for), ``started`` and
``computed`` (``time.time()`` around the ticker's ``compute``: a connection, the overview
query, ``SELECT 1``, the message encoded once), the counters as they stood when it
started, ``sends`` (the sockets whose ``send_text`` of it returned) and ``last_send``
(when the last one did). A record is written when the next tick starts, so that its sends
are done, and nothing is written while a tick is fanned out.

The hooks wrap two seams: the ``compute`` the realtime stream hands to ``Hub.ticking``,
and the WebSocket's ``_send`` loop (rest_compat/agents/ws.py), with the same loop plus a
clock reading. Stops when its stdin closes: the server shuts down, the engine is disposed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.websockets import WebSocket

from gateway.app import create_app
from gateway.db import create_engine
from gateway.live import Feed, Hub
from gateway.settings import Settings
from resolvers.agents.stream import Tick, z_time
from rest_compat.agents import ws

COUNTERS = ("statements", "driver_queries", "checkouts")
counts: Counter[str] = Counter()
# id(Tick) -> its record, until the next tick starts.
pending: dict[int, dict[str, Any]] = {}


def emit(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def count_database_work(engine: AsyncEngine) -> None:
    def statement(*args: Any) -> None:
        counts["statements"] += 1

    def checkout(*args: Any) -> None:
        counts["checkouts"] += 1

    def driver_query(query: Any) -> None:
        counts["driver_queries"] += 1

    def connected(dbapi_connection: Any, record: Any) -> None:
        record.driver_connection.add_query_logger(driver_query)

    event.listen(engine.sync_engine, "before_cursor_execute", statement)
    event.listen(engine.sync_engine, "checkout", checkout)
    event.listen(engine.sync_engine, "connect", connected)


def timed(compute: Callable[[Any], Awaitable[Tick]]) -> Callable[[Any], Awaitable[Tick]]:
    async def run(audience: Any) -> Tick:
        for record in pending.values():
            emit({"tick": record})
        pending.clear()
        at_start = {name: counts[name] for name in COUNTERS}
        started = time.time()
        tick = await compute(audience)
        pending[id(tick)] = {
            "timestamp": z_time(tick.metrics.timestamp),
            "audience": audience["websocket"],
            "started": started,
            "computed": time.time(),
            **at_start,
            "sends": 0,
            "last_send": None,
        }
        return tick

    return run


async def send(websocket: WebSocket, feed: Feed[Tick]) -> None:
    """rest_compat.agents.ws._send, with the time each send returned."""
    async for tick in feed:
        await websocket.send_text(tick.message)
        record = pending.get(id(tick))
        if record is not None:
            record["sends"] += 1
            record["last_send"] = time.time()


def hook() -> None:
    ticking = Hub.ticking

    def timed_ticking(
        self: Hub, stream: str, key: Any, **kw: Any
    ) -> AbstractAsyncContextManager[Any]:
        return ticking(self, stream, key, **{**kw, "compute": timed(kw["compute"])})

    Hub.ticking = timed_ticking  # type: ignore[assignment,method-assign]
    ws._send = send


async def serve(config: uvicorn.Config, engine: AsyncEngine) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the server stopped before it started")
            await asyncio.sleep(0.02)
        emit({"ready": sock.getsockname()[1]})
        # A thread waits for the bench to close our stdin (or to go away).
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        server.should_exit = True
        await task
    finally:
        sock.close()
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="postgresql+asyncpg://... (its database)")
    parser.add_argument("--interval", type=float, default=0.5)
    args = parser.parse_args()
    hook()
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            data_dir=Path(data_dir),
            database_url=args.url,
            run_worker=False,
            ws_interval=args.interval,
        )
        engine = create_engine(
            args.url, pool_size=settings.db_pool_size, pool_timeout=settings.db_pool_timeout
        )
        count_database_work(engine)
        app = create_app(settings, engine=engine, run_migrations=False)
        config = uvicorn.Config(app, lifespan="on", log_level="warning")
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            runner.run(serve(config, engine))


if __name__ == "__main__":
    main()
