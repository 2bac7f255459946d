"""Gauges read from an app's engine when ``/metrics`` is scraped: its connection pool and
the job queue's depth.

They live in a registry made for the scrape, not in the process-wide one: a process may
hold several apps (tests do), each with its own engine, and a collector registered once
would report whichever engine registered last, or outlive its app.
"""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.sql import table_of
from models.jobs import Job

log = logging.getLogger("gateway.metrics")

JOBS = table_of(Job)
# The queue is the work not yet done; finished jobs are history, not depth.
PENDING = ("queued", "running")
# A scrape must answer even when the database does not: a scraper times out at 10 s by
# default, and the pool's own timeout is as long.
QUEUE_TIMEOUT_SECONDS = 2.0


def pool_gauges(engine: AsyncEngine, registry: CollectorRegistry) -> None:
    """The pool's figures, where the pool keeps them (a QueuePool does; others skip)."""
    pool = engine.sync_engine.pool
    figures = {
        "size": ("gateway_db_pool_size", "Connections the pool keeps (its pool_size)."),
        "checkedout": (
            "gateway_db_pool_checked_out",
            "Connections in use by a request or a job right now.",
        ),
        "checkedin": (
            "gateway_db_pool_checked_in",
            "Idle connections in the pool, ready for the next request.",
        ),
        "overflow": (
            "gateway_db_pool_overflow",
            "Connections open beyond pool_size (negative while the pool is not yet full).",
        ),
    }
    for method, (name, documentation) in figures.items():
        read = getattr(pool, method, None)
        if callable(read):
            Gauge(name, documentation, registry=registry).set(read())


async def queue_gauge(engine: AsyncEngine, registry: CollectorRegistry) -> None:
    """Queued and running jobs of every organisation; skipped if the database fails."""
    statement = (
        select(JOBS.c.status, func.count())
        .where(JOBS.c.status.in_(PENDING))
        .group_by(JOBS.c.status)
    )
    try:
        async with asyncio.timeout(QUEUE_TIMEOUT_SECONDS), engine.connect() as connection:
            counts = {status: count for status, count in await connection.execute(statement)}
    except Exception:
        log.debug("job queue depth not read; the gauge is left out", exc_info=True)
        return
    depth = Gauge(
        "gateway_job_queue_depth",
        "Jobs waiting (queued) or being run (running), all organisations.",
        ["status"],
        registry=registry,
    )
    for status in PENDING:
        depth.labels(status).set(counts.get(status, 0))


async def scrape_gauges(engine: AsyncEngine) -> CollectorRegistry:
    """A registry holding this engine's pool and queue gauges, read now."""
    registry = CollectorRegistry()
    pool_gauges(engine, registry)
    await queue_gauge(engine, registry)
    return registry
