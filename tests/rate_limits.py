"""Helpers the rate-limit tests share: an app with changed settings and a client for it,
whether the shared Redis listens, and a Redis server of a test's own to stop and start."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import Settings

REDIS = "redis://127.0.0.1:6379/0"
REDIS_SERVER = shutil.which("redis-server")


@asynccontextmanager
async def app_with(db: Any, settings: Settings, **changes: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update=changes), engine=db, run_migrations=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            yield c


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not listening(6379), reason="no Redis on 127.0.0.1:6379")


class RedisServer:
    """``redis-server`` on a free port, keeping nothing on disk, stopped and started at will."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert REDIS_SERVER is not None
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not listening(self.port):
            assert time.monotonic() < deadline, "redis-server did not start in 10 s"
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
