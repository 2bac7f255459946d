"""The worker: claims, results, retries, stale heartbeats, concurrency, CPU-bound work."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import jobs
from gateway.db import create_engine
from gateway.jobs import ClaimedJob, JobRegistry, Worker
from models.jobs import Job
from tests.factories import Factory
from tests.jobs.kinds import crunch, job_row

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def enqueue(
    engine: AsyncEngine, org: dict[str, Any], kind: str, kinds: JobRegistry, **payload: Any
) -> uuid.UUID:
    async with engine.begin() as conn:
        row = await jobs.enqueue(
            conn, org_id=org["id"], kind=kind, payload=payload, now=T0, kinds=kinds
        )
    return uuid.UUID(str(row["id"]))


async def test_an_enqueued_job_runs_once_and_keeps_its_result(
    db: AsyncEngine, factory: Factory
) -> None:
    # given
    org = await factory.org()
    kinds = JobRegistry()
    seen: list[tuple[dict[str, Any], datetime]] = []

    @kinds.job_kind("double")
    async def double(engine: AsyncEngine, *, job: ClaimedJob, now: datetime) -> dict[str, Any]:
        seen.append((job.payload, now))
        return {"value": job.payload["n"] * 2}

    job_id = await enqueue(db, org, "double", kinds, n=21)
    clock = Clock(T0 + timedelta(seconds=3))

    # when
    ran = await Worker(db, kinds=kinds, clock=clock).run_until_idle()

    # then
    row = await job_row(db, job_id)
    assert ran == 1
    assert seen == [({"n": 21}, T0 + timedelta(seconds=3))]
    assert (row["status"], row["attempts"], row["result"], row["error"]) == (
        "succeeded",
        1,
        {"value": 42},
        None,
    )
    assert (row["org_id"], row["kind"], row["created_at"]) == (org["id"], "double", T0)
    assert row["started_at"] == row["finished_at"] == T0 + timedelta(seconds=3)


async def test_a_job_enqueued_in_a_rolled_back_transaction_does_not_exist(
    db: AsyncEngine, factory: Factory
) -> None:
    # given
    org = await factory.org()
    kinds = JobRegistry()
    kinds.job_kind("noop")(_noop)

    # when
    async with db.connect() as conn:
        transaction = await conn.begin()
        await jobs.enqueue(conn, org_id=org["id"], kind="noop", payload={}, now=T0, kinds=kinds)
        await transaction.rollback()

    # then
    async with db.connect() as conn:
        assert (await conn.execute(select(Job.id))).all() == []


async def test_an_unknown_kind_is_refused_at_enqueue(db: AsyncEngine, factory: Factory) -> None:
    org = await factory.org()
    async with db.begin() as conn:
        with pytest.raises(ValueError, match="unknown job kind 'nope'"):
            await jobs.enqueue(
                conn, org_id=org["id"], kind="nope", payload={}, now=T0, kinds=JobRegistry()
            )


async def test_a_failing_job_is_retried_with_back_off_then_failed_after_three_attempts(
    db: AsyncEngine, factory: Factory
) -> None:
    # given
    org = await factory.org()
    kinds = JobRegistry()
    calls: list[int] = []

    @kinds.job_kind("flaky")
    async def flaky(engine: AsyncEngine, *, job: ClaimedJob, now: datetime) -> dict[str, Any]:
        calls.append(job.attempts)
        raise RuntimeError(f"boom on attempt {job.attempts}")

    job_id = await enqueue(db, org, "flaky", kinds)
    clock = Clock()
    worker = Worker(db, kinds=kinds, clock=clock, retry_delay=timedelta(seconds=10))

    # when: the first attempt fails
    assert await worker.run_once() is True

    # then: it waits 10 s for its second attempt
    row = await job_row(db, job_id)
    assert (row["status"], row["attempts"], row["error"]) == (
        "queued",
        1,
        "RuntimeError: boom on attempt 1",
    )
    assert row["run_after"] == T0 + timedelta(seconds=10)
    clock.advance(seconds=9)
    assert await worker.run_once() is False

    # when: the second attempt fails, it waits twice as long (20 s) for the third
    clock.advance(seconds=1)
    assert await worker.run_once() is True
    assert (await job_row(db, job_id))["run_after"] == T0 + timedelta(seconds=30)
    clock.advance(seconds=20)
    assert await worker.run_once() is True

    # then: three attempts, then failed for good
    clock.advance(days=1)
    assert await worker.run_once() is False
    row = await job_row(db, job_id)
    assert calls == [1, 2, 3]
    assert (row["status"], row["attempts"], row["result"]) == ("failed", 3, None)
    assert row["error"] == "RuntimeError: boom on attempt 3 (failed after 3 attempts)"
    assert row["finished_at"] == T0 + timedelta(seconds=30)


async def test_two_workers_never_run_one_job_twice(db: AsyncEngine, factory: Factory) -> None:
    # given: two workers, each on an engine (a pool of connections) of its own
    org = await factory.org()
    calls: Counter[uuid.UUID] = Counter()
    registries = {"a": JobRegistry(), "b": JobRegistry()}
    for name, kinds in registries.items():

        async def handler(
            engine: AsyncEngine, *, job: ClaimedJob, now: datetime, name: str = name
        ) -> dict[str, Any]:
            calls[job.id] += 1
            await asyncio.sleep(0.002)  # let the other worker claim meanwhile
            return {"by": name}

        kinds.job_kind("count")(handler)
    ids = [await enqueue(db, org, "count", registries["a"], n=n) for n in range(50)]
    other = create_engine(db.url.render_as_string(hide_password=False), pool_size=2)

    # when
    try:
        ran = await asyncio.gather(
            Worker(db, kinds=registries["a"]).run_until_idle(),
            Worker(other, kinds=registries["b"]).run_until_idle(),
        )
    finally:
        await other.dispose()

    # then
    assert calls == Counter(dict.fromkeys(ids, 1))
    assert sum(ran) == 50
    assert min(ran) > 0, f"both workers should have run jobs: {ran}"
    async with db.connect() as conn:
        rows = (await conn.execute(select(Job.status, Job.attempts, Job.result))).all()
    assert {(status, attempts) for status, attempts, _ in rows} == {("succeeded", 1)}
    assert Counter(result["by"] for _, _, result in rows) == {"a": ran[0], "b": ran[1]}


async def test_a_job_whose_worker_died_completes_after_a_restart(
    db: AsyncEngine, factory: Factory
) -> None:
    # given: a worker claimed the job, then died (no heartbeat, no outcome)
    org = await factory.org()
    kinds = JobRegistry()
    calls: list[int] = []

    @kinds.job_kind("report")
    async def report(engine: AsyncEngine, *, job: ClaimedJob, now: datetime) -> dict[str, Any]:
        calls.append(job.attempts)
        return {"rows": 7}

    job_id = await enqueue(db, org, "report", kinds)
    clock = Clock()
    crashed, _ = await Worker(db, kinds=kinds, clock=clock).claim()
    assert crashed is not None and crashed.id == job_id
    assert (await job_row(db, job_id))["status"] == "running"

    # when: before the heartbeat timeout, a new worker leaves it alone
    clock.advance(seconds=59)
    restarted = Worker(db, kinds=kinds, clock=clock, heartbeat_timeout=60)
    assert await restarted.run_once() is False

    # when: after it, the job is claimed again and completes
    clock.advance(seconds=2)
    assert await Worker(db, kinds=kinds, clock=clock, heartbeat_timeout=60).run_until_idle() == 1

    # then
    row = await job_row(db, job_id)
    assert calls == [2]
    assert (row["status"], row["attempts"], row["result"], row["error"]) == (
        "succeeded",
        2,
        {"rows": 7},
        None,
    )


async def test_a_stale_job_on_its_last_attempt_fails_saying_why(
    db: AsyncEngine, factory: Factory
) -> None:
    # given: the third attempt's worker died
    org = await factory.org()
    kinds = JobRegistry()
    kinds.job_kind("noop")(_noop)
    job_id = uuid.uuid4()
    async with db.begin() as conn:
        await conn.execute(
            insert(Job.__table__).values(
                id=job_id,
                org_id=org["id"],
                kind="noop",
                payload={},
                status="running",
                attempts=3,
                created_at=T0,
                run_after=T0,
                started_at=T0,
                heartbeat_at=T0,
            )
        )
    clock = Clock(T0 + timedelta(minutes=5))

    # when
    ran = await Worker(db, kinds=kinds, clock=clock, heartbeat_timeout=60).run_until_idle()

    # then
    row = await job_row(db, job_id)
    assert ran == 0
    assert (row["status"], row["attempts"], row["finished_at"]) == ("failed", 3, clock.now)
    assert row["error"] == (
        "its worker stopped heartbeating (none for 60s); failed after 3 attempts"
    )


async def test_a_running_job_heartbeats_so_no_other_worker_takes_it(
    db: AsyncEngine, factory: Factory
) -> None:
    # given: a job that runs for four heartbeat timeouts. The timeout is long enough
    # that a CI machine busy with other tests still gets a heartbeat in (at 0.2 s one
    # delayed write let the other worker reclaim the job).
    org = await factory.org()
    kinds = JobRegistry()
    calls: list[int] = []

    @kinds.job_kind("slow")
    async def slow(engine: AsyncEngine, *, job: ClaimedJob, now: datetime) -> dict[str, Any]:
        calls.append(job.attempts)
        await asyncio.sleep(2.4)
        return {}

    job_id = await enqueue(db, org, "slow", kinds)
    first = Worker(db, kinds=kinds, heartbeat_timeout=0.6)
    second = Worker(db, kinds=kinds, heartbeat_timeout=0.6)

    # when: the second worker keeps looking while the first runs the job
    running = asyncio.create_task(first.run_once())
    reclaimed = 0
    while not running.done():
        await asyncio.sleep(0.2)
        reclaimed += await second.reclaim_stale()
        assert await second.run_once() is False
    await running

    # then
    row = await job_row(db, job_id)
    assert (reclaimed, calls) == (0, [1])
    assert (row["status"], row["attempts"]) == ("succeeded", 1)
    assert row["heartbeat_at"] > row["started_at"]


async def test_cpu_bound_work_runs_in_another_process_and_the_loop_keeps_ticking(
    db: AsyncEngine, factory: Factory
) -> None:
    # given: 0.8 s of busy work
    org = await factory.org()
    kinds = JobRegistry()
    kinds.job_kind("crunch", cpu_bound=True)(crunch)
    job_id = await enqueue(db, org, "crunch", kinds, seconds=0.8)
    worker = Worker(db, kinds=kinds)
    ticks: list[float] = []

    async def tick() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    # when
    ticker = asyncio.create_task(tick())
    try:
        assert await worker.run_until_idle() == 1
    finally:
        ticker.cancel()
        worker.close()

    # then: the loop never stalled for anything like the second the work took
    row = await job_row(db, job_id)
    assert row["status"] == "succeeded", row["error"]
    assert row["result"]["busy"] is True
    assert row["result"]["pid"] != os.getpid()
    assert max(b - a for a, b in itertools.pairwise(ticks)) < 0.4


def test_a_handler_must_declare_how_it_runs() -> None:
    kinds = JobRegistry()
    with pytest.raises(TypeError, match="cpu_bound handler is a plain function"):
        kinds.job_kind("sync")(crunch)
    with pytest.raises(TypeError, match="cpu_bound handler is a plain function"):
        kinds.job_kind("async", cpu_bound=True)(_noop)
    kinds.job_kind("noop")(_noop)
    with pytest.raises(ValueError, match="registered twice"):
        kinds.job_kind("noop")(_noop)


async def _noop(engine: AsyncEngine, *, job: ClaimedJob, now: datetime) -> dict[str, Any]:
    return {}
