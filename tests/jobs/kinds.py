"""Job handlers the tests run, and helpers to look at jobs.

A CPU-bound handler runs in a spawned process, which imports it by module and name: so it
lives here, at module level, in a module that imports little.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.jobs import ClaimedJob, job_kind
from models.jobs import Job


def crunch(*, job: ClaimedJob, now: datetime) -> dict[str, Any]:
    """Busy for ``seconds`` of wall time without yielding: what would freeze a loop."""
    deadline = time.monotonic() + job.payload["seconds"]
    rounds = 0
    while time.monotonic() < deadline:
        rounds += sum(range(1000)) and 1
    return {"pid": os.getpid(), "busy": rounds > 0}


@job_kind("tests.echo")
async def echo(engine: AsyncEngine, *, job: ClaimedJob, now: datetime) -> dict[str, Any]:
    """In the app's own registry, for the lifespan test."""
    return {"echo": job.payload, "org": str(job.org_id)}


async def job_row(engine: AsyncEngine, job_id: uuid.UUID) -> dict[str, Any]:
    async with engine.connect() as conn:
        row = (await conn.execute(select(*Job.__table__.c).where(Job.id == job_id))).mappings()
        return dict(row.one())
