"""The webhook delivery worker: POSTs each pending delivery until it is accepted, with
exponential backoff and jitter between attempts, at most ``MAX_ATTEMPTS`` of them.

- **Claim.** One statement takes a batch of due deliveries (``pending``,
  ``next_attempt_at <= now``, not locked by a live claim), counts the attempt and sets
  ``locked_until``: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas never wait on
  or share a row; SQLite's single writer serialises claims. A worker that dies mid-POST
  leaves a lock that expires, and the delivery is claimed again (that attempt counted).
- **Send.** ``signing.py``'s body and headers; 2xx is accepted, anything else (a status
  of 300 or more, a timeout, a refused connection) is a failure. Redirects are not
  followed: a receiver that moved registers its new URL.
- **Record.** Every attempt writes a ``webhook_attempts`` row (status code, latency,
  error) and settles the delivery: ``delivered``, ``failed`` after the last attempt, or
  ``pending`` again at ``now + min(cap, base x 2^(attempt-1) x jitter)``, jitter uniform
  in [0.5, 1.5] (so endpoints recovering together are not hit in step).

At least once: an answer lost after the receiver acted on it means a second POST of the
same event, so receivers deduplicate by ``X-Webhook-Id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx
from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.settings import Settings
from gateway.sql import utcnow
from models.webhooks import MAX_ATTEMPTS
from resolvers.webhooks.reads import ATTEMPTS, DELIVERIES, ENDPOINTS, EVENTS
from resolvers.webhooks.signing import body_of, headers_of

log = logging.getLogger("gateway.webhooks")

MAX_ERROR = 1000  # characters of an attempt's error kept
BATCH = 20  # deliveries claimed (and sent concurrently) at a time
# A claim outlives the POST it covers by this much (the statements around it).
LOCK_MARGIN = 30.0


class Jitter(Protocol):
    """The random source (``random.Random`` is one); tests inject a fixed one."""

    def uniform(self, a: float, b: float) -> float: ...


def retry_delay(attempt: int, *, base: float, cap: float, jitter: float) -> float:
    """Seconds from failed attempt ``attempt`` (1 for the first) to the next one."""
    return min(cap, base * 2 ** (attempt - 1) * jitter)


@dataclass(frozen=True)
class Claimed:
    """One delivery in hand, with what its POST needs."""

    id: uuid.UUID
    org_id: uuid.UUID
    attempt: int
    url: str
    secret: str
    event_id: uuid.UUID
    event: str
    occurred_at: datetime
    data: Any


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    latency_ms: float
    attempted_at: datetime


class DeliveryWorker:
    """Claims due deliveries and POSTs them, a batch at a time, until stopped."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        timeout: float = 10.0,
        retry_base: float = 10.0,
        retry_cap: float = 3600.0,
        max_attempts: int = MAX_ATTEMPTS,
        poll_interval: float = 1.0,
        batch: int = BATCH,
        clock: Callable[[], datetime] = utcnow,
        rng: Jitter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.engine = engine
        self.timeout = timeout
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.max_attempts = max_attempts
        self.poll_interval = poll_interval
        self.batch = batch
        self.clock = clock
        self.rng: Jitter = rng or random.Random()
        self.lock_for = timedelta(seconds=timeout + LOCK_MARGIN)
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._stopping = asyncio.Event()

    @classmethod
    def from_settings(
        cls, engine: AsyncEngine, settings: Settings, **options: Any
    ) -> DeliveryWorker:
        return cls(
            engine,
            timeout=settings.webhook_timeout,
            retry_base=settings.webhook_retry_base,
            retry_cap=settings.webhook_retry_cap,
            poll_interval=settings.job_poll_interval,
            **options,
        )

    # --- running ---------------------------------------------------------------------

    async def run(self) -> None:
        """Sends deliveries until ``stop()``; idle, it looks again every ``poll_interval``."""
        try:
            while not self._stopping.is_set():
                try:
                    sent = await self.run_once()
                except Exception:
                    # The database away, most likely: the deliveries wait in it.
                    log.exception("webhook worker: could not claim deliveries")
                    sent = 0
                if not sent:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), self.poll_interval)
        finally:
            await self.aclose()

    async def run_once(self) -> int:
        """Claims a batch of due deliveries and sends them: how many it sent."""
        claimed = await self.claim()
        if claimed:
            await asyncio.gather(*(self.deliver(one) for one in claimed))
        return len(claimed)

    async def run_until_idle(self) -> int:
        """Sends until nothing is due (by the worker's clock): how many POSTs in all."""
        total = 0
        while sent := await self.run_once():
            total += sent
        return total

    def stop(self) -> None:
        self._stopping.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Runs the worker in the background for the block (the app's lifespan)."""
        task = asyncio.create_task(self.run(), name="webhook-worker")
        try:
            yield
        finally:
            self.stop()
            try:
                # The POSTs in hand end within their timeout; past it they are cut off,
                # and their claims expire, so they are sent again later.
                await asyncio.wait_for(asyncio.shield(task), self.timeout + 1)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self.timeout,
                transport=self._transport,
                follow_redirects=False,
                # The environment's proxies are not the receivers' business.
                trust_env=False,
                headers={"User-Agent": "analytics-gateway-webhooks"},
            )
        return self._client

    # --- the statements --------------------------------------------------------------

    def _due(self, now: datetime) -> Any:
        return (
            (DELIVERIES.c.status == "pending")
            & (DELIVERIES.c.next_attempt_at <= now)
            & or_(DELIVERIES.c.locked_until.is_(None), DELIVERIES.c.locked_until < now)
        )

    async def claim(self) -> list[Claimed]:
        """Up to ``batch`` due deliveries, oldest due first, now locked and counted."""
        now = self.clock()
        pick = (
            select(DELIVERIES.c.id)
            .where(self._due(now))
            .order_by(DELIVERIES.c.next_attempt_at, DELIVERIES.c.id)
            .limit(self.batch)
        )
        chosen: Any = pick
        if self.engine.dialect.name == "postgresql":
            # Concurrent claimers skip the rows another one holds instead of queueing. The
            # pick is a MATERIALIZED CTE, run once: as an IN subquery the planner may rescan
            # it per row, and each rescan skips the rows this UPDATE already changed, so
            # more than `batch` rows would be claimed.
            picked = (
                pick.with_for_update(skip_locked=True)
                .cte("picked")
                .prefix_with("MATERIALIZED", dialect="postgresql")
            )
            chosen = select(picked.c.id)
        # The due test again in the UPDATE: on SQLite it makes a row claimed in between a
        # no-op (the single writer lock is taken at the UPDATE's first read anyway).
        claim = (
            update(DELIVERIES)
            .where(DELIVERIES.c.id.in_(chosen), self._due(now))
            .values(locked_until=now + self.lock_for, attempts=DELIVERIES.c.attempts + 1)
            .returning(DELIVERIES.c.id, DELIVERIES.c.attempts)
        )
        async with self.engine.begin() as conn:
            attempts = {row.id: row.attempts for row in await conn.execute(claim)}
            if not attempts:
                return []
            details = await conn.execute(
                select(
                    DELIVERIES.c.id,
                    DELIVERIES.c.org_id,
                    ENDPOINTS.c.url,
                    ENDPOINTS.c.secret,
                    EVENTS.c.id.label("event_id"),
                    EVENTS.c.event,
                    EVENTS.c.occurred_at,
                    EVENTS.c.data,
                )
                .join(ENDPOINTS, ENDPOINTS.c.id == DELIVERIES.c.endpoint_id)
                .join(EVENTS, EVENTS.c.id == DELIVERIES.c.event_id)
                .where(DELIVERIES.c.id.in_(list(attempts)))
            )
            rows = list(details.mappings())
        return [Claimed(**row, attempt=attempts[row["id"]]) for row in rows]

    # --- one delivery ----------------------------------------------------------------

    async def deliver(self, claimed: Claimed) -> Outcome:
        """POSTs ``claimed`` once and records how it went."""
        outcome = await self.post(claimed)
        try:
            await self.record(claimed, outcome)
        except Exception:
            # Its claim expires and it is sent again: at least once.
            log.exception("webhook delivery %s: could not record attempt", claimed.id)
        return outcome

    async def post(self, claimed: Claimed) -> Outcome:
        body = body_of(claimed.event_id, claimed.event, claimed.occurred_at, claimed.data)
        headers = headers_of(claimed.secret, claimed.event_id, claimed.event, body)
        attempted_at = self.clock()
        started = time.perf_counter()
        status_code: int | None = None
        error: str | None = None
        try:
            # Streamed and left unread: only the status matters, whatever the body's size.
            async with self.client().stream(
                "POST", claimed.url, content=body, headers=headers
            ) as response:
                status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code} {response.reason_phrase}".strip()
        except httpx.TimeoutException:
            error = f"timed out after {self.timeout:g}s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        latency_ms = round((time.perf_counter() - started) * 1000, 3)
        return Outcome(status_code, error and error[:MAX_ERROR], latency_ms, attempted_at)

    def settle(self, claimed: Claimed, outcome: Outcome, now: datetime) -> dict[str, Any]:
        """The delivery's new columns after ``outcome``."""
        values: dict[str, Any] = {
            "locked_until": None,
            "last_status_code": outcome.status_code,
            "last_error": outcome.error,
        }
        if outcome.error is None:
            return {**values, "status": "delivered", "delivered_at": now}
        if claimed.attempt >= self.max_attempts:
            return {**values, "status": "failed"}
        delay = retry_delay(
            claimed.attempt,
            base=self.retry_base,
            cap=self.retry_cap,
            jitter=self.rng.uniform(0.5, 1.5),
        )
        return {**values, "next_attempt_at": now + timedelta(seconds=delay)}

    async def record(self, claimed: Claimed, outcome: Outcome) -> bool:
        """The attempt's row and the delivery's new state, in one transaction; False when
        the claim was lost (it expired and another worker took the delivery, or the
        endpoint was deleted meanwhile)."""
        now = self.clock()
        mine = (
            (DELIVERIES.c.id == claimed.id)
            & (DELIVERIES.c.status == "pending")
            & (DELIVERIES.c.attempts == claimed.attempt)
        )
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(DELIVERIES).where(mine).values(**self.settle(claimed, outcome, now))
            )
            if not result.rowcount:
                log.warning(
                    "webhook delivery %s attempt %d: claimed again elsewhere",
                    claimed.id,
                    claimed.attempt,
                )
                return False
            await conn.execute(
                insert(ATTEMPTS).values(
                    id=uuid.uuid4(),
                    org_id=claimed.org_id,
                    delivery_id=claimed.id,
                    attempt=claimed.attempt,
                    attempted_at=outcome.attempted_at,
                    status_code=outcome.status_code,
                    latency_ms=outcome.latency_ms,
                    error=outcome.error,
                )
            )
        return True
