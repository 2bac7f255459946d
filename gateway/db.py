"""The async engine: created once in the app's lifespan, per dialect tuned."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from gateway.sql import SQLitePercentile


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """An async engine for a PostgreSQL (asyncpg) or SQLite (aiosqlite) URL."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _prepare_sqlite)
        return engine
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    return create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        # Statements are prepared once per connection by asyncpg; keep them.
        connect_args={"server_settings": {"timezone": "UTC"}},
    )


def _prepare_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite, and WAL lets readers run beside
    # the single writer (the demo server and `gateway import` at once).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # aiosqlite exposes create_function but not create_aggregate; the aggregate must
    # be registered from aiosqlite's own thread, which _execute runs it on.
    dbapi_connection.run_async(
        lambda conn: conn._execute(
            conn._conn.create_aggregate, "percentile_cont", 2, SQLitePercentile
        )
    )
