"""Shared fixtures: every test runs on SQLite, and again on PostgreSQL when
GATEWAY_TEST_POSTGRES_URL is set (CI sets it); without it the PostgreSQL half is
reported as skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("GATEWAY_JWT_SECRET", "test-secret-that-is-long-enough-for-hs256")
os.environ.setdefault("GATEWAY_GRAPHIQL", "true")
# Apps under test run no job worker unless a test asks: its polls would be statements
# that no test expects (and counts).
os.environ.setdefault("GATEWAY_RUN_WORKER", "false")
# No rate limits or cost budget unless a test sets them (tests/incidents/test_rate_limits.py,
# tests/gateway/test_rate_limits*.py): the walks call every path many times as one user.
os.environ.setdefault("GATEWAY_INCIDENTS_RATE_LIMITS", "")
os.environ.setdefault("GATEWAY_GOVERNANCE_RATE_LIMITS", "")
os.environ.setdefault("GATEWAY_GRAPHQL_COST_BUDGET", "")
# Webhook receivers in tests listen on 127.0.0.1, which a gateway refuses by default.
os.environ.setdefault("GATEWAY_WEBHOOK_ALLOW_PRIVATE", "true")
# The walks register an endpoint as every role and scope set, past the default 20;
# tests/webhooks/test_endpoints.py checks the limit with its own.
os.environ.setdefault("GATEWAY_WEBHOOK_MAX_ENDPOINTS", "1000")
# The walks and the contract fuzzing call the agent console's development list too;
# tests/agents/test_agents_auth.py checks that it is off by default.
os.environ.setdefault("GATEWAY_DEBUG_ENDPOINTS", "true")
# No answer cache unless a test asks (tests/gateway/test_answer_cache.py): tests write rows
# directly (factories), which no cache hears of, and read them back at once.
os.environ.setdefault("GATEWAY_CACHE_TTL", "0")

import httpx
import pytest
from sqlalchemy import event, exists, literal, select, text, union_all
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from gateway import migrate
from gateway.db import create_engine
from gateway.settings import Settings
from tests.apps import app_client
from tests.factories import Factory

POSTGRES_URL = os.environ.get("GATEWAY_TEST_POSTGRES_URL")
SKIP_POSTGRES = "PostgreSQL run skipped: set GATEWAY_TEST_POSTGRES_URL to include it"


def pytest_report_header(config: Any) -> str:
    return f"databases: sqlite, {'postgresql' if POSTGRES_URL else 'postgresql SKIPPED (no URL)'}"


# The walks send every call as every role and scope set: the longest tests (~40 s). Listed
# late (tests/walk/), they were the last tests left, one xdist worker walking while the
# other had nothing more to do; first in their dialect's half, they run beside the rest.
LONGEST_FIRST = ("tests/walk/",)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Moves LONGEST_FIRST to the front of each run of one dialect's tests (pytest orders
    all of SQLite's, then all of PostgreSQL's, so that each session engine is set up
    once); the order is otherwise unchanged."""

    def dialect(item: pytest.Item) -> Any:
        callspec = getattr(item, "callspec", None)
        return callspec.params.get("engine") if callspec is not None else None

    reordered: list[pytest.Item] = []
    start = 0
    for end in range(1, len(items) + 1):
        if end == len(items) or dialect(items[end]) != dialect(items[start]):
            run = items[start:end]
            first = [item for item in run if item.nodeid.startswith(LONGEST_FIRST)]
            reordered += first + [item for item in run if item not in first]
            start = end
    items[:] = reordered


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # One line instead of a skip reason per test: the whole PostgreSQL half is off.
    if not POSTGRES_URL:
        skipped = len(terminalreporter.stats.get("skipped", []))
        terminalreporter.write_line(
            f"{skipped} tests skipped: {SKIP_POSTGRES}", yellow=True, bold=True
        )


async def _fresh_postgres() -> tuple[AsyncEngine, AsyncEngine, str]:
    """A throwaway database beside the one in the URL, so runs never share state."""
    assert POSTGRES_URL
    url = make_url(POSTGRES_URL)
    name = f"gateway_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url.render_as_string(hide_password=False))
    async with admin.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A test database need not outlive a crash of the server: commits return without
        # waiting for the WAL flush (a few ms each, thousands per run). What a commit makes
        # visible, and when, is unchanged.
        await conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    engine = create_engine(url.set(database=name).render_as_string(hide_password=False))
    return admin, engine, name


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def engine(request: Any, tmp_path_factory: Any) -> AsyncIterator[AsyncEngine]:
    """A migrated database per dialect, for the whole session."""
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip(SKIP_POSTGRES)
        admin, db, name = await _fresh_postgres()
        await migrate.upgrade(db)
        yield db
        await db.dispose()
        async with admin.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
    else:
        path: Path = tmp_path_factory.mktemp("db") / "gateway.db"
        db = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate.upgrade(db)
        yield db
        await db.dispose()


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The session's database, emptied before the test."""
    await empty_tables(engine)
    yield engine


async def empty_tables(engine: AsyncEngine) -> None:
    """Deletes every row of every table, children before their parents.

    DELETE, not TRUNCATE, on PostgreSQL too: TRUNCATE gives each of the ~40 tables (and
    its indexes) new files, about half a second per test whatever they hold, where
    deleting the few rows a test leaves takes milliseconds. One statement first finds
    the tables that hold any row (a test writes to a few): only those are deleted from.
    """
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    holding = union_all(*(select(literal(t.name)).where(exists().select_from(t)) for t in tables))
    async with engine.begin() as conn:
        found = set((await conn.execute(holding)).scalars())
        for table in tables:
            if table.name in found:
                await conn.execute(text(f"DELETE FROM {table.name}"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


@pytest.fixture
async def client(db: AsyncEngine, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client speaking to the app in process, as a real client would."""
    async with app_client(db, settings) as c:
        yield c


@pytest.fixture
async def resolver_client(db: AsyncEngine, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app with the selection compiler off: every field through its
    resolver (the DataLoader path that computed fields and the fallbacks use)."""
    async with app_client(db, settings, compile_selections=False) as c:
        yield c


@pytest.fixture
def client_at(db: AsyncEngine, settings: Settings) -> Any:
    """``async with client_at(now) as c``: a client whose every request sees ``now`` as
    the current time (the injected clock a window edge is tested with)."""

    @asynccontextmanager
    async def make(now: datetime) -> AsyncIterator[httpx.AsyncClient]:
        async with app_client(db, settings, clock=lambda: now) as c:
            yield c

    return make


@pytest.fixture
def factory(db: AsyncEngine, settings: Settings) -> Factory:
    return Factory(db, settings)


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def statements(db: AsyncEngine) -> Any:
    """Counts the SQL statements the database receives while the test runs."""
    counter = StatementCounter()

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        counter.statements.append(statement)

    event.listen(db.sync_engine, "before_cursor_execute", on_execute)
    yield counter
    event.remove(db.sync_engine, "before_cursor_execute", on_execute)
