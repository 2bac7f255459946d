"""The fan-out bench's WebSocket clients (bench/fanout.py): the ``websockets`` library's,
all in this process's event loop, each noting when it read each tick.

A client reads from the moment it has had the connection message; ``received`` maps a
metrics_update's ``timestamp`` (which names its tick) to ``time.time()`` right after the
read returned, before the message is decoded. Everything the clients do (the frames,
permessage-deflate, waking each reader) runs in this one thread, so the time until the
last of many clients has read a tick includes their own queueing here.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


class Client:
    """One socket, read from the moment it has had its connection message."""

    def __init__(self, ws: ClientConnection, arrived: asyncio.Event) -> None:
        self.ws = ws
        # Set by every client on each message and when it closes (shared).
        self.arrived = arrived
        # A metrics_update's timestamp (it names the tick) -> when this client read it.
        self.received: dict[str, float] = {}
        self.first: dict[str, Any] | None = None
        self.reading = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                at = time.time()
                update = json.loads(message)
                if update["type"] == "metrics_update":
                    self.received[update["timestamp"]] = at
                    self.first = self.first or update
                    self.arrived.set()
        except ConnectionClosed:
            pass
        finally:
            self.arrived.set()


async def all_read(opened: list[Client], stamps: list[str], within: float) -> None:
    """Returns once every open client has read every tick in ``stamps``, or after
    ``within`` seconds."""
    arrived = opened[0].arrived
    deadline = time.monotonic() + within
    while any(s not in c.received for c in opened if not c.reading.done() for s in stamps):
        arrived.clear()
        try:
            await asyncio.wait_for(arrived.wait(), deadline - time.monotonic())
        except TimeoutError:
            return


async def open_client(
    url: str, headers: dict[str, str], handshakes: asyncio.Semaphore, arrived: asyncio.Event
) -> Client:
    async with handshakes:
        ws = await connect(url, additional_headers=headers, open_timeout=30)
        try:
            hello = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if hello["type"] != "connection":
                raise RuntimeError(f"expected the connection message, got {hello}")
        except BaseException:
            await ws.close()
            raise
    return Client(ws, arrived)


@asynccontextmanager
async def clients(
    url: str, headers: dict[str, str], count: int, handshakes: int
) -> AsyncIterator[list[Client]]:
    """``count`` sockets, each open once it has had the connection message, at most
    ``handshakes`` opening at a time; all closed on leaving."""
    limit, arrived = asyncio.Semaphore(handshakes), asyncio.Event()
    results = await asyncio.gather(
        *(open_client(url, headers, limit, arrived) for _ in range(count)),
        return_exceptions=True,
    )
    opened = [result for result in results if isinstance(result, Client)]
    try:
        for result in results:
            if isinstance(result, BaseException):
                raise result
        yield opened
    finally:
        await asyncio.gather(*(c.ws.close() for c in opened), return_exceptions=True)
        await asyncio.gather(*(c.reading for c in opened), return_exceptions=True)
