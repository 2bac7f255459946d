"""Persisted background jobs: the kinds, enqueueing, and the worker that runs them.

A request that starts long work enqueues a job in its own transaction (so the job exists
exactly when the request's other writes do) and answers 202 with the job's id. A Worker
(in the app's lifespan, or `gateway worker` on its own) claims one queued job at a time,
runs its kind's handler and records the result or the error. A claim is one atomic
statement on both dialects, so any number of workers never run one attempt twice. While a
job runs, its worker heartbeats; a worker that dies mid-job stops, and once the heartbeat
is older than the timeout the job is claimed again, up to ``MAX_ATTEMPTS`` claims in all.

Handlers::

    @job_kind("rollup.daily")
    async def daily_rollup(engine, *, job, now) -> dict: ...   # on the event loop

    @job_kind("model.train", cpu_bound=True)
    def train(*, job, now) -> dict: ...   # in a process; claim and heartbeats on the loop
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import multiprocessing
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.answer_cache import AnswerCache
from gateway.ids import new_id
from gateway.settings import Settings
from gateway.sql import table_of, utcnow
from models.jobs import Job

log = logging.getLogger("gateway.jobs")

MAX_ATTEMPTS = 3
JOBS = table_of(Job)
# What a job looks like outside the worker (GraphQL, the CLI): every column but payload.
PUBLIC_COLUMNS = [c for c in JOBS.c if c.name != "payload"]


class JobFailed(Exception):
    """Raised by a handler whose job cannot succeed on another attempt (the data says
    no): the job fails at once, with this message, instead of being retried."""


@dataclass(frozen=True)
class ClaimedJob:
    """What a handler is given: the job as claimed (picklable, for a worker process)."""

    id: uuid.UUID
    org_id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Callable[..., Any]
    # A synchronous handler run in a worker process, so it never holds the event loop.
    cpu_bound: bool


# A periodic hook: given the engine and the start of the current hour (and, as keyword
# ``data_dir``, where the gateway keeps files), it enqueues the jobs that hour is due and
# returns how many. It runs once per hour per worker, so it must not enqueue twice what
# one hour needs (``enqueue_once``).
Periodic = Callable[..., Awaitable[int]]


class JobRegistry:
    """Job kinds by name. The app and `gateway worker` use ``registry``; tests make their own."""

    def __init__(self) -> None:
        self._kinds: dict[str, JobKind] = {}
        self._periodic: dict[str, Periodic] = {}

    def periodic(self, name: str) -> Callable[[Periodic], Periodic]:
        """Registers an hourly hook under ``name`` (a setting switches it on)."""

        def register(hook: Periodic) -> Periodic:
            if name in self._periodic:
                raise ValueError(f"periodic hook {name!r} is registered twice")
            self._periodic[name] = hook
            return hook

        return register

    def periodic_hooks(self, names: Iterable[str]) -> list[Periodic]:
        return [self._periodic[name] for name in names if name in self._periodic]

    def job_kind(
        self, name: str, *, cpu_bound: bool = False
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Registers a handler: async ``(engine, *, job, now)``, or with ``cpu_bound`` a plain
        function ``(*, job, now)`` defined at module level (it is sent to another process)."""

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            if name in self._kinds:
                raise ValueError(f"job kind {name!r} is registered twice")
            if cpu_bound == asyncio.iscoroutinefunction(handler):
                raise TypeError(
                    f"job kind {name!r}: a cpu_bound handler is a plain function, "
                    "any other an async one"
                )
            self._kinds[name] = JobKind(name=name, handler=handler, cpu_bound=cpu_bound)
            return handler

        return register

    def get(self, name: str) -> JobKind | None:
        return self._kinds.get(name)

    def names(self) -> list[str]:
        return sorted(self._kinds)


registry = JobRegistry()
job_kind = registry.job_kind

# The executor of the worker running the current job: an async handler hands its
# CPU-heavy step to it (``off_loop``) and keeps its database work on the loop.
_executor: contextvars.ContextVar[Executor | None] = contextvars.ContextVar(
    "job_executor", default=None
)


async def off_loop(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` off the event loop: in the job worker's process pool when a worker
    runs the caller, else (a CLI command) in a thread. ``fn`` and its arguments are
    picklable, module-level."""
    executor = _executor.get()
    if executor is None:
        return await asyncio.to_thread(fn, *args)
    return await asyncio.get_running_loop().run_in_executor(executor, functools.partial(fn, *args))


# --- the service: enqueue and read -------------------------------------------------------


async def enqueue(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    run_after: datetime | None = None,
    kinds: JobRegistry = registry,
) -> RowMapping:
    """A new queued job, written in the caller's transaction; committed with its other writes."""
    if kinds.get(kind) is None:
        # A typo would otherwise wait in the queue for ever: no worker claims an unknown kind.
        raise ValueError(f"unknown job kind {kind!r}")
    statement = (
        insert(JOBS)
        .values(
            # Time-ordered, as every id the governance family renders (job_, rlp_).
            id=new_id(now),
            org_id=org_id,
            kind=kind,
            payload=payload,
            status="queued",
            attempts=0,
            created_at=now,
            run_after=run_after or now,
        )
        .returning(*PUBLIC_COLUMNS)
    )
    return (await conn.execute(statement)).mappings().one()


async def enqueue_once(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    kind: str,
    payload: dict[str, Any],
    run_after: datetime,
    kinds: JobRegistry = registry,
) -> bool:
    """A job of ``kind`` due at ``run_after``, unless the organisation has one already
    (another worker's periodic hook made it): whether it enqueued."""
    existing = await conn.execute(
        select(JOBS.c.id).where(
            JOBS.c.org_id == org_id, JOBS.c.kind == kind, JOBS.c.run_after == run_after
        )
    )
    if existing.first() is not None:
        return False
    await enqueue(
        conn,
        org_id=org_id,
        kind=kind,
        payload=payload,
        now=run_after,
        run_after=run_after,
        kinds=kinds,
    )
    return True


async def get(conn: AsyncConnection, *, org_id: uuid.UUID, job_id: uuid.UUID) -> RowMapping | None:
    """One job of the organisation, or None (also for another organisation's job)."""
    statement = select(*PUBLIC_COLUMNS).where(JOBS.c.id == job_id, JOBS.c.org_id == org_id)
    return (await conn.execute(statement)).mappings().first()


async def list_all(
    conn: AsyncConnection, *, status: str | None = None, limit: int = 50
) -> list[RowMapping]:
    """Jobs of every organisation, newest first: for operators (`gateway jobs list`) only."""
    statement = select(*PUBLIC_COLUMNS).order_by(JOBS.c.created_at.desc(), JOBS.c.id).limit(limit)
    if status is not None:
        statement = statement.where(JOBS.c.status == status)
    return list((await conn.execute(statement)).mappings())


# --- the worker ----------------------------------------------------------------------------


class Worker:
    """Claims and runs jobs, one at a time, until stopped."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        kinds: JobRegistry = registry,
        poll_interval: float = 1.0,
        heartbeat_timeout: float = 60.0,
        retry_delay: timedelta = timedelta(seconds=5),
        max_attempts: int = MAX_ATTEMPTS,
        clock: Callable[[], datetime] = utcnow,
        cpu_executor: Executor | None = None,
        stop_grace: float = 10.0,
        periodic: Sequence[Periodic] = (),
        answers: AnswerCache | None = None,
    ) -> None:
        self.engine = engine
        # A finished job changed its organisation's data (its result, what it wrote).
        self.answers = answers
        self.kinds = kinds
        self.poll_interval = poll_interval
        self.heartbeat_timeout = heartbeat_timeout
        # Several beats per timeout, so one slow statement never makes a live job look dead.
        self.heartbeat_interval = heartbeat_timeout / 4
        self.retry_delay = retry_delay
        self.max_attempts = max_attempts
        self.clock = clock
        self.stop_grace = stop_grace
        self._executor = cpu_executor
        self._own_executor = cpu_executor is None
        self._stopping = asyncio.Event()
        self._last_reclaim: float | None = None
        self.periodic = list(periodic)
        self._periodic_hour: datetime | None = None

    @classmethod
    def from_settings(cls, engine: AsyncEngine, settings: Settings, **options: Any) -> Worker:
        names = ["predictive"] if settings.predictive_schedule else []
        hooks = [
            functools.partial(hook, data_dir=settings.data_dir)
            for hook in registry.periodic_hooks(names)
        ]
        return cls(
            engine,
            poll_interval=settings.job_poll_interval,
            heartbeat_timeout=settings.job_heartbeat_timeout,
            periodic=options.pop("periodic", None) or hooks,
            answers=options.pop("answers", None) or AnswerCache.from_settings(settings),
            **options,
        )

    # --- running ---------------------------------------------------------------------

    async def run(self) -> None:
        """Runs jobs until ``stop()``; an idle worker looks again every ``poll_interval``."""
        while not self._stopping.is_set():
            try:
                ran = await self.run_once()
            except Exception:
                # The database away, most likely: the jobs wait in it, so try again later.
                log.exception("job worker: could not claim a job")
                ran = False
            if not ran:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.poll_interval)

    async def run_once(self) -> bool:
        """Reclaims stale jobs (now and then), then claims and runs one: whether there was one."""
        due = self._last_reclaim is None or (
            time.monotonic() - self._last_reclaim >= self.heartbeat_interval
        )
        if due:
            await self.reclaim_stale()
        await self.run_periodic()
        job, now = await self.claim()
        if job is None:
            return False
        await self._execute(job, now)
        return True

    async def run_until_idle(self) -> int:
        """Runs jobs until none is claimable: how many it ran."""
        count = 0
        while await self.run_once():
            count += 1
        return count

    async def run_periodic(self) -> int:
        """The periodic hooks, once per hour of the worker's clock: how many jobs they
        enqueued."""
        if not self.periodic:
            return 0
        hour = self.clock().replace(minute=0, second=0, microsecond=0)
        if hour == self._periodic_hour:
            return 0
        self._periodic_hour = hour
        count = 0
        for hook in self.periodic:
            try:
                count += await hook(self.engine, hour)
            except Exception:
                log.exception("job worker: a periodic hook failed")
        return count

    def stop(self) -> None:
        """Asks ``run()`` to return once the job in hand (if any) is done."""
        self._stopping.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Runs the worker in the background for the block (the app's lifespan)."""
        task = asyncio.create_task(self.run(), name="job-worker")
        try:
            yield
        finally:
            self.stop()
            try:
                await asyncio.wait_for(asyncio.shield(task), self.stop_grace)
            except TimeoutError:
                # The job in hand is recorded as an interrupted attempt (see _execute).
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self.close()

    def close(self) -> None:
        if self._own_executor and self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    # --- the statements --------------------------------------------------------------

    async def reclaim_stale(self) -> int:
        """Jobs whose worker stopped heartbeating: queued again, or failed after the last
        attempt. How many it found."""
        self._last_reclaim = time.monotonic()
        now = self.clock()
        cutoff = now - timedelta(seconds=self.heartbeat_timeout)
        stale = (JOBS.c.status == "running") & (JOBS.c.heartbeat_at < cutoff)
        lost = f"its worker stopped heartbeating (none for {self.heartbeat_timeout:g}s)"
        async with self.engine.begin() as conn:
            given_up = await conn.execute(
                update(JOBS)
                .where(stale, JOBS.c.attempts >= self.max_attempts)
                .values(
                    status="failed",
                    finished_at=now,
                    error=f"{lost}; failed after {self.max_attempts} attempts",
                )
            )
            requeued = await conn.execute(
                update(JOBS)
                .where(stale, JOBS.c.attempts < self.max_attempts)
                .values(status="queued", run_after=now, error=f"{lost}; claimed again")
            )
        found = int(given_up.rowcount or 0) + int(requeued.rowcount or 0)
        if found:
            log.warning(
                "job worker: %d stale job(s): %d queued again, %d failed",
                found,
                requeued.rowcount,
                given_up.rowcount,
            )
        return found

    async def claim(self) -> tuple[ClaimedJob | None, datetime]:
        """The oldest due job of a kind this worker knows, now ``running``; one statement."""
        now = self.clock()
        names = self.kinds.names()
        if not names:
            return None, now
        pick = (
            select(JOBS.c.id)
            .where(JOBS.c.status == "queued", JOBS.c.run_after <= now, JOBS.c.kind.in_(names))
            .order_by(JOBS.c.run_after, JOBS.c.id)
            .limit(1)
        )
        if self.engine.dialect.name == "postgresql":
            # Concurrent claimers skip a row another one holds instead of queueing behind it.
            pick = pick.with_for_update(skip_locked=True)
        # On SQLite the UPDATE holds the single write lock from its first read, and the
        # status test makes it a no-op should the row have been claimed in between.
        statement = (
            update(JOBS)
            .where(JOBS.c.id == pick.scalar_subquery(), JOBS.c.status == "queued")
            .values(
                status="running",
                attempts=JOBS.c.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                finished_at=None,
            )
            .returning(JOBS.c.id, JOBS.c.org_id, JOBS.c.kind, JOBS.c.payload, JOBS.c.attempts)
        )
        async with self.engine.begin() as conn:
            row = (await conn.execute(statement)).mappings().first()
        return (ClaimedJob(**row) if row else None), now

    def _this_attempt(self, job: ClaimedJob) -> Any:
        # Every write about a running job names its attempt: if the job was reclaimed
        # meanwhile (this worker looked dead), the stale worker's writes change nothing.
        return (
            (JOBS.c.id == job.id) & (JOBS.c.status == "running") & (JOBS.c.attempts == job.attempts)
        )

    async def _record(self, job: ClaimedJob, **values: Any) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(JOBS).where(self._this_attempt(job)).values(**values)
            )
        if not result.rowcount:
            log.warning("job %s attempt %d was claimed again elsewhere", job.id, job.attempts)
        return bool(result.rowcount)

    async def _succeed(self, job: ClaimedJob, result: dict[str, Any]) -> None:
        await self._record(
            job, status="succeeded", result=result, error=None, finished_at=self.clock()
        )

    async def _fail(self, job: ClaimedJob, error: str) -> None:
        now = self.clock()
        if job.attempts >= self.max_attempts:
            message = f"{error} (failed after {job.attempts} attempts)"
            await self._record(job, status="failed", error=message, finished_at=now)
            return
        delay = self.retry_delay * 2 ** (job.attempts - 1)
        await self._record(job, status="queued", error=error, run_after=now + delay)

    async def _heartbeat(self, job: ClaimedJob) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            try:
                await self._record(job, heartbeat_at=self.clock())
            except Exception:
                log.warning("job %s: heartbeat failed", job.id, exc_info=True)

    # --- running one job -------------------------------------------------------------

    async def _execute(self, job: ClaimedJob, now: datetime) -> None:
        try:
            await self._run(job, now)
        finally:
            # Succeeded, failed or queued again: the job's own row changed at least.
            if self.answers is not None:
                await self.answers.changed(job.org_id)

    async def _run(self, job: ClaimedJob, now: datetime) -> None:
        kind = self.kinds.get(job.kind)
        assert kind is not None  # claims name only registered kinds
        heartbeat = asyncio.create_task(self._heartbeat(job), name=f"heartbeat-{job.id}")
        try:
            result = await self._call(kind, job, now)
            if not isinstance(result, dict):
                raise TypeError(f"handler returned {type(result).__name__}, not a dict")
        except asyncio.CancelledError:
            await self._fail(job, "the worker stopped while the job ran")
            raise
        except JobFailed as exc:
            log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
            await self._record(job, status="failed", error=str(exc), finished_at=self.clock())
            return
        except Exception as exc:
            log.exception("job %s (%s) attempt %d failed", job.id, job.kind, job.attempts)
            await self._fail(job, f"{type(exc).__name__}: {exc}")
            return
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        try:
            await self._succeed(job, result)
        except Exception as exc:
            log.exception("job %s: could not store its result", job.id)
            await self._fail(job, f"the result could not be stored: {type(exc).__name__}")

    async def _call(self, kind: JobKind, job: ClaimedJob, now: datetime) -> Any:
        if not kind.cpu_bound:
            token = _executor.set(self._cpu_executor())
            try:
                return await kind.handler(self.engine, job=job, now=now)
            finally:
                _executor.reset(token)
        loop = asyncio.get_running_loop()
        call = functools.partial(kind.handler, job=job, now=now)
        return await loop.run_in_executor(self._cpu_executor(), call)

    def _cpu_executor(self) -> Executor:
        if self._executor is None:
            # A process, not a thread: pure-Python work in a thread still takes the GIL
            # from the loop. Spawned, not forked: forking a process with threads (the
            # SQLite driver's, the loop's) can copy a held lock into the child.
            self._executor = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        return self._executor
