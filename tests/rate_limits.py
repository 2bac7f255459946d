"""Helpers the Redis tests share: whether the shared Redis listens, and a Redis server of
a test's own to stop and start (bench/processes.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from bench import processes
from bench.processes import RedisServer, redis_unavailable

REDIS = "redis://127.0.0.1:6379/0"


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not listening(6379), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    reason = redis_unavailable()
    if reason:
        pytest.skip(reason)
    with processes.redis_server() as server:
        yield server
