"""Helpers the safety tests share: an app on its own engine, and a client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app import create_app
from gateway.db import create_engine
from gateway.settings import Settings


def engine_like(db: AsyncEngine, *, pool_size: int, pool_timeout: float = 10.0) -> AsyncEngine:
    """A second engine on the test database, with a pool of its own size."""
    url = db.url.render_as_string(hide_password=False)
    return create_engine(url, pool_size=pool_size, pool_timeout=pool_timeout)


@asynccontextmanager
async def app_client(
    engine: AsyncEngine,
    settings: Settings,
    base_url: str = "http://gateway.test",
    **options: Any,
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=engine, run_migrations=False, **options)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client
