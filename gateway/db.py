"""The async engine (created once in the app's lifespan, tuned per dialect), and what
counts as the database being unavailable."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util import await_only

from gateway.errors import unavailable
from gateway.sql import SQLitePercentile

log = logging.getLogger("gateway.db")

# A pooled connection returned this recently is not pinged at checkout (_ping_postgresql).
FRESH_SECONDS = 1.0
RETURNED = "gateway.returned"

# SQLite's ways of saying "not now": the file cannot be opened, or another writer held
# the lock past busy_timeout. Anything else (no such table, a constraint) is a real error.
_SQLITE_UNAVAILABLE = ("unable to open database file", "database is locked", "disk i/o error")
# PostgreSQL SQLSTATE classes: 08 connection exception, 57P operator intervention
# (shutdown, cannot connect now), 53300 too many connections.
_PG_UNAVAILABLE = ("08", "57P", "53300")


def create_engine(
    url: str, *, pool_size: int = 10, pool_timeout: float = 10.0, echo: bool = False
) -> AsyncEngine:
    """An async engine for a PostgreSQL (asyncpg) or SQLite (aiosqlite) URL.

    A request holds one connection at most, so the pool (twice ``pool_size``
    connections) bounds concurrent requests in the database; a request that waits longer
    than ``pool_timeout`` for one is answered 503 rather than queued without end.

    The pool keeps every connection it opens. It used to be ``pool_size`` and as many
    overflow (the same bound), but SQLAlchemy closes an overflow connection when it comes
    back to a full pool, so a burst above ``pool_size`` opened and closed connections
    without end (2-8 a second at 16 clients in ``python -m bench postgraphile``), each a
    new PostgreSQL backend.
    """
    pool = {"pool_size": 2 * pool_size, "max_overflow": 0, "pool_timeout": pool_timeout}
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, **pool)
        event.listen(engine.sync_engine, "connect", _prepare_sqlite)
        return engine
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    engine = create_async_engine(
        url,
        echo=echo,
        # Statements are prepared once per connection by asyncpg; keep them. A server
        # that does not answer a connect is unavailable after pool_timeout, not 60 s.
        connect_args={"server_settings": {"timezone": "UTC"}, "timeout": pool_timeout},
        # The connection returned last is handed out first: under a steady load a few
        # connections stay in use (their prepared statements and plans warm, and fresh
        # enough to need no ping) while the rest sit idle.
        pool_use_lifo=True,
        **pool,
    )
    event.listen(engine.sync_engine, "checkin", _returned)
    event.listen(engine.sync_engine, "checkout", _ping_postgresql)
    return engine


def is_unavailable(error: BaseException) -> bool:
    """Whether a failure means the database is away (or busy), not that a statement is wrong."""
    if isinstance(error, sa_exc.TimeoutError | OSError | TimeoutError):
        return True  # pool exhausted past pool_timeout; connect refused or timed out
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error.orig, OSError | TimeoutError):
        return True
    state = str(getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", "") or "")
    if state.startswith(_PG_UNAVAILABLE):
        return True
    message = str(error.orig).lower()
    return isinstance(error, sa_exc.OperationalError) and any(
        text in message for text in _SQLITE_UNAVAILABLE
    )


@contextmanager
def database_errors() -> Iterator[None]:
    """Turns 'the database is away' into a 503 the client can retry; the rest pass."""
    try:
        yield
    except Exception as error:
        if not is_unavailable(error):
            raise
        log.warning("database unavailable: %s", error.__class__.__name__, exc_info=True)
        raise unavailable() from error


def is_disconnect(error: BaseException) -> bool:
    """Whether a failure (or the 503 it became) was a connection the server had closed:
    SQLAlchemy has then dropped every pooled connection as old as it, so a statement
    that had not run yet may be tried once more on a new one."""
    while error is not None and not isinstance(error, sa_exc.DBAPIError):
        error = error.__cause__  # type: ignore[assignment]
    return isinstance(error, sa_exc.DBAPIError) and bool(error.connection_invalidated)


def _returned(_dbapi_connection: Any, record: Any) -> None:
    record.info[RETURNED] = time.monotonic()


def _ping_postgresql(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """A connection the server dropped while it sat in the pool (a restart, a failover,
    pg_terminate_backend) is replaced at checkout, not failed on.

    A socket already closed is seen without a round trip, and costs none. A connection
    that came back to the pool within ``FRESH_SECONDS`` is handed out as it is: under load
    that is nearly every checkout, and the ping's round trip was about a tenth of a small
    query's time. The one case that leaves is a server that closed the connection in the
    instant before the checkout, before the event loop saw the socket close: the
    request's first statement (the caller's lookup) then fails as a disconnect, and
    Context retries it once on a new connection. A connection idle for longer is pinged
    with a bare empty statement: one round trip (SQLAlchemy's own ``pool_pre_ping`` wraps
    its ping in BEGIN/ROLLBACK on asyncpg, three). The pool discards a connection that
    raises DisconnectionError here and takes another.
    """
    driver = dbapi_connection.driver_connection
    if driver.is_closed():
        raise sa_exc.DisconnectionError("the server closed the connection")
    returned = record.info.get(RETURNED)
    if returned is not None and time.monotonic() - returned < FRESH_SECONDS:
        return
    try:
        await_only(driver.fetchrow(";"))
    except Exception as error:
        raise sa_exc.DisconnectionError(str(error)) from error


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
