"""The app on a test's engine, with its lifespan, and an HTTP client speaking to it in
process, as a real client would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from gateway.app import create_app
from gateway.settings import Settings
from gateway.sql import utcnow


@asynccontextmanager
async def app_client(
    db: Any, settings: Settings, *, clock: Any = utcnow, **changes: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """``settings`` with ``changes``; ``clock`` the app's (a fixed one for window edges)."""
    app = create_app(
        settings.model_copy(update=changes) if changes else settings,
        engine=db,
        run_migrations=False,
        clock=clock,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            yield c
