"""What every benchmark needs: a fresh database, the gateway in process, timing, and
the gateway's own SQL replayed straight on the driver as the floor to compare with."""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bench.asgi import AsgiClient
from gateway import migrate
from gateway.app import create_app
from gateway.auth import Authenticator
from gateway.db import create_engine
from gateway.settings import Settings


@asynccontextmanager
async def fresh_database(url: str, name: str) -> AsyncIterator[AsyncEngine]:
    """A new, migrated PostgreSQL database beside the one in ``url``, dropped afterwards."""
    base = make_url(url)
    admin = create_engine(base.render_as_string(hide_password=False))
    async with admin.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(base.set(database=name).render_as_string(hide_password=False))
    try:
        await migrate.upgrade(engine)
        yield engine
    finally:
        await engine.dispose()
        async with admin.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@asynccontextmanager
async def gateway_client(
    engine: AsyncEngine, data_dir: Path, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app in process (no network), as a client sees it; ``overrides`` are
    settings (``cache_ttl=0`` to time the work rather than the answer cache).

    Without a job worker: its polling would be captured with a request's statements
    (inflating the floor) and would compete with the request for the database.
    """
    async with gateway_app(engine, data_dir, **overrides) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            yield client


@asynccontextmanager
async def gateway_app(engine: AsyncEngine, data_dir: Path, **overrides: Any) -> AsyncIterator[Any]:
    """The gateway app in process, its lifespan started (see ``gateway_client``)."""
    settings = Settings(data_dir=data_dir, run_worker=False, **overrides)
    app = create_app(settings, engine=engine, run_migrations=False)
    async with app.router.lifespan_context(app):
        yield app


@dataclass
class Figure:
    name: str
    gateway_ms: float
    floor_ms: float
    statements: int

    def line(self) -> str:
        ratio = self.gateway_ms / self.floor_ms if self.floor_ms else float("inf")
        return (
            f"{self.name:<28} gateway {self.gateway_ms:9.2f} ms   raw SQL {self.floor_ms:9.2f} ms"
            f"   ratio {ratio:5.2f}x   ({self.statements} statements)"
        )


async def median_ms(call: Callable[[], Awaitable[Any]], runs: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        await call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


async def capture_statements(
    engine: AsyncEngine, call: Callable[[], Awaitable[Any]]
) -> list[tuple[str, Any]]:
    """The SQL (with its driver-level parameters) that one gateway call sends."""
    captured: list[tuple[str, Any]] = []

    def listen(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        captured.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", listen)
    try:
        await call()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", listen)
    return captured


async def replay_ms(engine: AsyncEngine, statements: list[tuple[str, Any]], runs: int) -> float:
    """Median time of the same statements run straight on the asyncpg connection."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None

        async def run_all() -> None:
            for statement, parameters in statements:
                await driver.fetch(statement, *(parameters or ()))

        return await median_ms(run_all, runs)


async def compare(
    name: str,
    engine: AsyncEngine,
    client: httpx.AsyncClient,
    request: Callable[[], Awaitable[httpx.Response]],
    runs: int,
) -> Figure:
    """Median latency of a request through the gateway against its own SQL's floor."""

    async def call() -> None:
        response = await request()
        response.raise_for_status()

    statements = await capture_statements(engine, call)
    gateway = await median_ms(call, runs)
    floor = await replay_ms(engine, statements, runs)
    return Figure(name, gateway, floor, len(statements))


async def measure_gets(
    label: str,
    engine: AsyncEngine,
    *,
    user_id: uuid.UUID,
    org_id: uuid.UUID,
    paths: list[tuple[str, str]],
    runs: int,
) -> None:
    """Print a Figure for each (name, path) GET, as that user through the gateway."""
    async with client_as(engine, user_id=user_id, org_id=org_id) as (client, headers):
        for name, path in paths:
            figure = await compare(
                name, engine, client, lambda path=path: client.get(path, headers=headers), runs
            )
            print(f"{label}: {figure.line()}", flush=True)


@asynccontextmanager
async def client_as(
    engine: AsyncEngine, *, user_id: uuid.UUID, org_id: uuid.UUID, **overrides: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """The gateway in process, and the headers that make a request that user's."""
    with tempfile.TemporaryDirectory() as data_dir:
        headers = _credentials(Path(data_dir), user_id, org_id)
        async with gateway_client(engine, Path(data_dir), **overrides) as client:
            yield client, headers


@asynccontextmanager
async def asgi_client_as(
    engine: AsyncEngine, *, user_id: uuid.UUID, org_id: uuid.UUID, **overrides: Any
) -> AsyncIterator[AsgiClient]:
    """The gateway in process, called straight through ASGI (bench/asgi.py) as that user."""
    with tempfile.TemporaryDirectory() as data_dir:
        headers = _credentials(Path(data_dir), user_id, org_id)
        async with gateway_app(engine, Path(data_dir), **overrides) as app:
            yield AsgiClient(app, headers)


def _credentials(data_dir: Path, user_id: uuid.UUID, org_id: uuid.UUID) -> dict[str, str]:
    settings = Settings(data_dir=data_dir)
    token = Authenticator(secret=settings.resolved_jwt_secret()).issue(
        user_id=user_id, org_id=org_id
    )
    return {"Authorization": f"Bearer {token}"}


async def add_tenant(
    conn: AsyncConnection, org_id: uuid.UUID, admin_id: uuid.UUID, name: str, plan: str
) -> None:
    """The measured organisation and the admin whose token the requests carry."""
    await conn.execute(
        text(
            "INSERT INTO organizations (id, name, plan, subscription_active, created_at) "
            "VALUES (:id, :name, :plan, true, now())"
        ),
        {"id": org_id, "name": name, "plan": plan},
    )
    await conn.execute(
        text(
            "INSERT INTO users (id, org_id, username, name, email, role, is_active, "
            "created_at) VALUES (:id, :org, 'admin', 'Admin', 'admin@example.com', "
            "'admin', true, now())"
        ),
        {"id": admin_id, "org": org_id},
    )


async def vacuum_analyze(engine: AsyncEngine) -> None:
    """After a load: VACUUM for the visibility map (without it PostgreSQL cannot use
    index-only scans on freshly loaded rows), ANALYZE for the planner."""
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE"))


def machine() -> str:
    """What the figures were measured on: CPUs, their model, memory, and the load
    average (other work on a shared machine skews them)."""
    with open("/proc/cpuinfo") as cpuinfo:
        models = [
            line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")
        ]
    load1, load5, _ = os.getloadavg()
    return (
        f"machine: {os.cpu_count()} CPUs ({models[0] if models else 'model unknown'}), "
        f"{psutil.virtual_memory().total / 1024**3:.1f} GiB memory, "
        f"load average {load1:.2f} (1 min) {load5:.2f} (5 min); Python {sys.version.split()[0]}"
    )


def open_files(sockets: int) -> str:
    """Raises this process's soft open-file limit (up to the hard one) for ``sockets``
    sockets and some to spare, and says what it did; a child process inherits it."""
    needed = sockets + 512
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return f"open-file limit {soft}: enough for {sockets} sockets, left as it is"
    raised = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
    short = "" if raised >= needed else f" (the hard limit; {needed} wanted)"
    return f"open-file limit raised from {soft} to {raised}{short} for {sockets} sockets"
