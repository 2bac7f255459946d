"""Helpers for the live side's tests: the app on a real server, WebSocket clients (the
documented stream and graphql-transport-ws), and a client that never reads."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from gateway.live import Hub
from gateway.metrics import REGISTRY

PATH = "/api/analytics/ws/realtime/{email}"


@dataclass
class Served:
    app: Starlette
    address: str

    @property
    def hub(self) -> Hub:
        return self.app.state.runtime.hub

    def ws(self, path: str) -> str:
        return f"ws://{self.address}{path}"

    def realtime(self, email: str) -> str:
        return self.ws(PATH.format(email=email))

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=f"http://{self.address}")


@asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[Served]:
    """The app on uvicorn on 127.0.0.1 (a free port), in this event loop."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise AssertionError("the server stopped before it started")
            await asyncio.sleep(0.02)
        yield Served(app, f"127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await task
        sock.close()


async def receive(ws: ClientConnection, within: float = 3.0) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), within))


async def close_code(ws: ClientConnection, within: float = 3.0) -> int | None:
    """The code the server closed the socket with (it is expected to close it)."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), within)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def nothing_within(ws: ClientConnection, seconds: float) -> bool:
    try:
        await asyncio.wait_for(ws.recv(), seconds)
    except TimeoutError:
        return True
    return False


async def eventually(check: Callable[[], bool], within: float = 3.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        await asyncio.sleep(0.01)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class GraphQLSocket:
    """A graphql-transport-ws client: connection_init/ack, subscribe, next, complete."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    @classmethod
    @asynccontextmanager
    async def opened(
        cls, served: Served, headers: dict[str, str] | None = None
    ) -> AsyncIterator[GraphQLSocket]:
        async with connect(
            served.ws("/graphql"),
            subprotocols=[Subprotocol("graphql-transport-ws")],
            additional_headers=headers,
        ) as ws:
            yield cls(ws)

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
        return await receive(self.ws)

    async def subscribe(self, id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        message = {"query": query, "variables": variables or {}}
        await self.ws.send(json.dumps({"id": id, "type": "subscribe", "payload": message}))

    async def complete(self, id: str) -> None:
        await self.ws.send(json.dumps({"id": id, "type": "complete"}))

    async def message(self, within: float = 3.0) -> dict[str, Any]:
        return await receive(self.ws, within)


class StuckClient:
    """A WebSocket client at the ASGI level that reads nothing after the connection
    message: its first metrics_update ``send`` (and every later one) never returns, as a
    real server's send does once a client stops reading and the buffers fill."""

    def __init__(self, app: Starlette, path: str, headers: dict[str, str]) -> None:
        self.sent: list[dict[str, Any]] = []
        self.stuck = asyncio.Event()
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._inbox.put_nowait({"type": "websocket.connect"})
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "scheme": "ws",
            "server": ("127.0.0.1", 80),
            "client": ("127.0.0.1", 50000),
            "root_path": "",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [(b"host", b"127.0.0.1")]
            + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "subprotocols": [],
        }
        self.task = asyncio.create_task(app(scope, self._receive, self._send))

    async def _receive(self) -> dict[str, Any]:
        return await self._inbox.get()

    async def _send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        if self.stuck.is_set() or "metrics_update" in message.get("text", ""):
            self.stuck.set()
            await asyncio.Event().wait()

    def closed_with(self) -> int | None:
        codes = [m.get("code") for m in self.sent if m["type"] == "websocket.close"]
        return codes[-1] if codes else None
