"""Whether the read replica (``GATEWAY_DATABASE_READ_URL``) may serve a read now.

The replica is asked about itself about once a second, by one small statement with a
short timeout, never per request; requests read the cached answer. It serves reads
while that check succeeds and its lag is at most ``max_replica_lag``; otherwise reads go
to the primary, with one log line when it is bypassed and one when it is back in use.

Lag is 0 while the replica streams and has replayed everything it received: an idle
primary sends nothing, and the age of the last replayed transaction would make a
caught-up replica look minutes behind. Otherwise it is the age of the last replayed
transaction (``pg_last_xact_replay_timestamp()``), so a replica whose stream broke
ages out of use even though it has "replayed all it received".

Read-your-writes across requests: after a request commits a write, its organisation's
write position (a WAL LSN on the primary) is recorded (gateway/write_positions.py, in
memory and in Redis when set); that organisation's reads use the replica only once it
has replayed that position. A write the replica has not replayed ``max_replica_lag``
seconds after its commit means the replica lags more than that, and the next check
bypasses it anyway: the record expires then (plus one check's interval and timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Hashable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.db import create_engine
from gateway.metrics import REPLICA_IN_USE, REPLICA_LAG
from gateway.settings import Settings
from gateway.write_positions import WritePositions

log = logging.getLogger("gateway.replica")

# pg_last_wal_receive_lsn() restarts at the start of a WAL segment when the replica
# restarts, behind what it had replayed: "received at most what was replayed" is
# caught up. pg_stat_wal_receiver hides its status from roles without
# pg_read_all_stats; a receiver process that exists then counts as streaming.
HEALTH = text(
    """
    SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn AS replayed,
           CASE
             WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn()
                  AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver
                              WHERE coalesce(status, 'streaming') = 'streaming')
             THEN 0
             ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())
           END AS lag
    """
)
# After a commit, on the primary: the end of the WAL inserted so far, which includes the
# commit record. (pg_current_wal_lsn() is where WAL was written, which can be behind the
# commit record when synchronous_commit is off.)
WRITE_POSITION = text("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")
# A position no replica reaches (LSNs are 64-bit).
UNREACHED = 2**64


@dataclass(frozen=True)
class ReplicaHealth:
    """The last check: whether reads may use the replica, and what was measured."""

    in_use: bool
    # Seconds behind the primary; None when it could not be measured.
    lag: float | None = None
    # How far the replica has replayed the primary's WAL (an LSN as a byte count).
    replayed: int | None = None
    # Why it is bypassed, for the log and /readyz.
    reason: str | None = None

    def describe(self) -> dict[str, object]:
        """For /readyz: in use or not, the lag, and why not."""
        lag = None if self.lag is None else round(self.lag, 3)
        return {"in_use": self.in_use, "lag_seconds": lag, "reason": self.reason}


class ReplicaRoute:
    """The replica's cached health and the organisations' write positions."""

    def __init__(
        self,
        url: str,
        *,
        max_lag: float,
        redis_url: str | None = None,
        interval: float = 1.0,
        timeout: float = 1.0,
    ) -> None:
        # Its own connection, not one of the read pool's: a pool busy with requests
        # would make a healthy replica look unreachable, and move the load to the primary.
        self.engine = create_engine(url, pool_size=1, pool_timeout=timeout)
        self.max_lag = max_lag
        self.interval = interval
        self.timeout = timeout
        self.health = ReplicaHealth(in_use=False, reason="not checked yet")
        self._checked = False
        self.positions = WritePositions(max_lag + interval + timeout, redis_url)

    # --- health ----------------------------------------------------------------------

    async def check(self) -> ReplicaHealth:
        """Asks the replica how far behind it is, and keeps (and returns) the answer."""
        try:
            async with asyncio.timeout(self.timeout), self.engine.connect() as connection:
                row = (await connection.execute(HEALTH)).mappings().one()
        except Exception as error:
            self._set(ReplicaHealth(in_use=False, reason=f"unreachable ({_name(error)})"))
            return self.health
        lag = None if row["lag"] is None else float(row["lag"])
        replayed = None if row["replayed"] is None else int(row["replayed"])
        if replayed is None:
            health = ReplicaHealth(in_use=False, reason="not a streaming replica")
        elif lag is None or lag > self.max_lag:
            shown = "unknown" if lag is None else f"{lag:.1f} s"
            health = ReplicaHealth(
                in_use=False,
                lag=lag,
                replayed=replayed,
                reason=f"lag {shown} over the maximum {self.max_lag:g} s",
            )
        else:
            health = ReplicaHealth(in_use=True, lag=lag, replayed=replayed)
        self._set(health)
        return health

    def failed(self, error: BaseException) -> None:
        """A request could not reach the replica: bypass it until the next check says
        otherwise, so the requests in between do not each wait for it."""
        self._set(ReplicaHealth(in_use=False, reason=f"unreachable ({_name(error)})"))

    def _set(self, health: ReplicaHealth) -> None:
        before, self.health = self.health, health
        first, self._checked = not self._checked, True
        REPLICA_IN_USE.set(1 if health.in_use else 0)
        REPLICA_LAG.set(math.nan if health.lag is None else health.lag)
        if health.in_use and not before.in_use:
            log.info("read replica in use (lag %.1f s)", health.lag or 0.0)
        elif not health.in_use and (before.in_use or first):
            # The first check logs too: a gateway that starts without its replica says so.
            log.warning("read replica bypassed, reads go to the primary: %s", health.reason)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Checks once now (so the first requests know), then every ``interval``."""
        await self.check()
        task = asyncio.create_task(self._refresh(), name="replica-health")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self.positions.close()
            await self.engine.dispose()

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.check()
            self.positions.forget_expired()

    # --- read-your-writes ------------------------------------------------------------

    def serves(self, position: int | None = None) -> bool:
        """Whether a read may go to the replica now: one that must see the write at
        ``position`` only once the replica has replayed it."""
        health = self.health
        if not health.in_use:
            return False
        return position is None or (health.replayed is not None and health.replayed >= position)

    async def note_write(self, org_id: Hashable, connection: AsyncConnection) -> None:
        """Records where ``org_id``'s write just committed, read on its primary
        ``connection`` right after the commit."""
        try:
            lsn = int(await connection.scalar(WRITE_POSITION))
        except Exception:
            # The write is committed and must be answered as such; without its position,
            # the organisation reads from the primary until the record expires.
            log.warning("could not read the write position; reads stay on the primary")
            lsn = UNREACHED
        await self.positions.record(org_id, lsn)


def read_replica(settings: Settings) -> tuple[AsyncEngine | None, ReplicaRoute | None]:
    """The read engine (the primary's pool settings) and its route, when one is set."""
    if not settings.database_read_url:
        return None, None
    engine = create_engine(
        settings.database_read_url,
        pool_size=settings.db_pool_size,
        pool_timeout=settings.db_pool_timeout,
    )
    route = ReplicaRoute(
        settings.database_read_url, max_lag=settings.max_replica_lag, redis_url=settings.redis_url
    )
    return engine, route


def reads_from(
    primary: AsyncEngine, read_engine: AsyncEngine | None, replica: ReplicaRoute | None
) -> AsyncEngine:
    """The engine a read outside a request (a live feed's tick) takes now."""
    if read_engine is not None and replica is not None and replica.serves():
        return read_engine
    return primary


def _name(error: BaseException) -> str:
    return "timed out" if isinstance(error, TimeoutError) else error.__class__.__name__
