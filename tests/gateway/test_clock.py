"""Each request reads the app's clock once: a fixed clock fixes every default window."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gateway.context import context_for


class _Request:
    def __init__(self, app: Any) -> None:
        self.app, self.headers, self.cookies = app, {}, {}


async def test_a_request_sees_the_injected_clock(client_at: Any) -> None:
    fixed = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    async with client_at(fixed) as client:
        app = client._transport.app  # type: ignore[attr-defined]
        assert context_for(_Request(app)).now == fixed
