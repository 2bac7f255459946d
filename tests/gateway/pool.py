"""The pool's checkout rule (gateway/db.py) made deterministic for tests."""

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
