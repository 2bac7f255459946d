"""The pool's checkout rule (gateway/db.py) made deterministic for tests, and what a
connection sends besides its prepared statements."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db import RETURNED


@contextmanager
def returned_just_now(db: AsyncEngine) -> Iterator[None]:
    """Every checkout meanwhile finds its connection back in the pool a moment ago (a
    loaded machine may take longer than FRESH_SECONDS between two requests)."""

    def fresh(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        record.info[RETURNED] = time.monotonic()

    event.listen(db.sync_engine, "checkout", fresh, insert=True)
    try:
        yield
    finally:
        event.remove(db.sync_engine, "checkout", fresh)


@contextmanager
def simple_queries(db: AsyncEngine) -> Iterator[list[str]]:
    """What asyncpg sends as simple queries meanwhile (the ping, BEGIN, COMMIT), upper
    case, not the prepared statements that carry the reads and writes."""
    sent: list[str] = []
    logged: set[int] = set()

    def log_queries(dbapi_connection: Any, *_: Any) -> None:
        driver = dbapi_connection.driver_connection
        if id(driver) not in logged:
            logged.add(id(driver))
            driver.add_query_logger(lambda record: sent.append(record.query.strip().upper()))

    event.listen(db.sync_engine, "checkout", log_queries, insert=True)
    try:
        yield sent
    finally:
        event.remove(db.sync_engine, "checkout", log_queries)
