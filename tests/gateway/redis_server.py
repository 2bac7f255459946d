"""A Redis server of a test's own (``/usr/bin/redis-server`` on a free port, no
persistence), to stop or pause while a gateway uses it."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from types import TracebackType

import coredis
import pytest


class RedisServer:
    def __init__(self) -> None:
        self.port = self.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: asyncio.subprocess.Process | None = None

    @staticmethod
    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    async def __aenter__(self) -> RedisServer:
        await self.start()
        return self

    async def start(self) -> None:
        """Starts the server (again, after ``stop``: empty, on the same port)."""
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self._process = await asyncio.create_subprocess_exec(
            *(binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                await self._client().ping()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def _client(self) -> coredis.Redis[str]:
        return coredis.Redis.from_url(self.url, decode_responses=True)

    async def pause(self, *, seconds: float) -> None:
        """Every other client's commands wait for ``seconds``; the data stays."""
        client = self._client()
        await client.client_pause(int(seconds * 1000), coredis.PureToken.ALL)
        client.connection_pool.disconnect()

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            await asyncio.wait_for(self._process.wait(), 10)
