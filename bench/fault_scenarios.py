"""The five faults of `python -m bench faults` (bench/faults.py runs them): each starts a
gateway under the background load, injects its fault ``fault_after`` seconds in, and
returns what happened, with notes on what it saw besides the requests."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil
from sqlalchemy import text
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from bench.faults import Outcome, Scenario, Stage, background, until
from bench.processes import RedisServer, new_replica
from bench.served import worker
from bench.traffic import FAULT_MIX

# `2026-12-07 15:43:22,962 WARNING gateway.live: message` (GATEWAY_LOG_FORMAT=text)
LOG_LINE = r"^\d{4}-\d\d-\d\d [\d:,]+ (WARNING|ERROR|CRITICAL) ([\w.]+): (.*)$"
KILL_ROUNDS = 3
KILL_EVERY = 1.0
HEARTBEAT_TIMEOUT = 2.0
JOB_WITHIN = 90.0


# --- PostgreSQL ------------------------------------------------------------------------


async def connections_killed(stage: Stage) -> Outcome:
    """pg_terminate_backend of every connection to the gateway's database (but this
    one), KILL_ROUNDS times a second apart: idle pooled ones and those in a query."""
    killed = []
    async with background(stage, stage.env(), "gateway-connections-killed") as load:
        await until(load.started + stage.fault_after)
        fault_at = time.monotonic()
        for _ in range(KILL_ROUNDS):
            async with stage.engine.connect() as conn:
                killed.append(
                    await conn.scalar(
                        text(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                            "AND backend_type = 'client backend'"
                        )
                    )
                )
            await asyncio.sleep(KILL_EVERY)
        await until(load.started + stage.seconds)
    return Outcome(
        "connections-killed",
        load.traffic.records,
        fault_at,
        notes=[f"backends terminated per round: {', '.join(map(str, killed))}"],
    )


async def primary_restart(stage: Stage) -> Outcome:
    """``pg_ctl restart -m fast``: every connection dropped, the server away while it
    stops and starts."""
    async with background(stage, stage.env(), "gateway-primary-restart") as load:
        await until(load.started + stage.fault_after)
        fault_at = time.monotonic()
        await asyncio.to_thread(stage.primary.restart, "fast")
        took = time.monotonic() - fault_at
        await until(load.started + stage.seconds)
    return Outcome(
        "primary-restart",
        load.traffic.records,
        fault_at,
        notes=[f"pg_ctl restart -m fast took {took:.2f} s"],
    )


async def replica_look(url: str) -> tuple[int, int] | None:
    """(transactions the replica has served in the bench database, the connections to it
    besides this one), or None when it cannot be reached."""
    from gateway.db import create_engine

    engine = create_engine(url, pool_timeout=2)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT (SELECT xact_commit + xact_rollback FROM pg_stat_database "
                        "WHERE datname = current_database()), (SELECT count(*) FROM "
                        "pg_stat_activity WHERE datname = current_database() AND "
                        "backend_type = 'client backend' AND pid <> pg_backend_pid())"
                    )
                )
            ).one()
            return int(row[0] or 0), int(row[1])
    except Exception:
        return None
    finally:
        await engine.dispose()


async def replica_stopped(stage: Stage) -> Outcome:
    """A streaming replica as GATEWAY_DATABASE_READ_URL, stopped mid-load: reads must
    fall back to the primary."""
    replica = await asyncio.to_thread(new_replica, "127.0.0.1", stage.primary.port)
    read_url = replica.url(stage.engine.url.database or "")
    try:
        env = stage.env(database_read_url=read_url, max_replica_lag="10")
        async with background(stage, env, "gateway-replica-stopped") as load:
            first = await replica_look(read_url)
            await until(load.started + stage.fault_after)
            last = await replica_look(read_url)
            fault_at = time.monotonic()
            await asyncio.to_thread(replica.stop, "fast")
            await until(load.started + stage.seconds)
    finally:
        await asyncio.to_thread(replica.remove)
    outcome = Outcome("replica-stopped", load.traffic.records, fault_at)
    if first is None or last is None:
        outcome.checks["the replica could be looked at before the stop"] = False
        return outcome
    writes = {kind.name for kind in FAULT_MIX if kind.table}
    reads = sum(1 for r in outcome.records if r.ended < fault_at and r.kind not in writes)
    outcome.notes.append(
        f"before the stop: {last[1]} gateway connections on the replica, "
        f"{last[0] - first[0]} transactions there while the gateway answered {reads} reads"
        + (
            ""
            if last[1]
            else "; this gateway does not read from a replica "
            "(no GATEWAY_DATABASE_READ_URL setting?), so the stop could not touch it"
        )
    )
    outcome.checks["the gateway read from the replica"] = last[1] > 0
    return outcome


# --- Redis -----------------------------------------------------------------------------


@dataclass
class Watch:
    """A live stream held open through the fault: when its messages came, how it ended."""

    name: str
    received: list[float] = field(default_factory=list)
    ended: str | None = None

    def counts(self, fault_at: float) -> str:
        before = sum(1 for t in self.received if t < fault_at)
        state = f"closed ({self.ended})" if self.ended else "still open"
        after = len(self.received) - before
        return f"{self.name}: {before} messages before the stop, {after} after, {state}"


async def watch(watcher: Watch, url: str, headers: dict[str, str], init: Any = None) -> None:
    protocols = [Subprotocol("graphql-transport-ws")] if init else None
    try:
        async with connect(url, additional_headers=headers, subprotocols=protocols) as ws:
            if init:
                await ws.send(json.dumps({"type": "connection_init", "payload": headers}))
                await ws.recv()  # connection_ack
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": init}))
            async for message in ws:
                kind = json.loads(message).get("type")
                if kind in ("error", "complete"):
                    watcher.ended = kind
                    return
                watcher.received.append(time.monotonic())
    except ConnectionClosed as closed:
        watcher.ended = f"code {closed.rcvd.code if closed.rcvd else 'none'}"
    except Exception as exc:  # what the stream died of is the finding
        watcher.ended = type(exc).__name__


async def redis_stopped(stage: Stage) -> Outcome:
    """Redis (rate-limit counters, live events) stopped mid-load: requests go on (the
    limits in memory), live streams degrade with a log line; no 5xx."""
    redis = RedisServer()
    await asyncio.to_thread(redis.start)
    streams = [Watch("agentActions subscription"), Watch("realtime WebSocket")]
    try:
        env = stage.env(redis_url=redis.url, ws_interval="1")
        async with background(stage, env, "gateway-redis-stopped") as load:
            ws = load.gateway.base_url.replace("http://", "ws://")
            key = {"X-API-Key": stage.demo.api_key}
            subscription = {"query": 'subscription { agentActions(minRisk: "low") { displayId } }'}
            tasks = [
                asyncio.create_task(watch(streams[0], f"{ws}/graphql", key, subscription)),
                asyncio.create_task(
                    watch(
                        streams[1], f"{ws}/api/analytics/ws/realtime/{stage.demo.admin_email}", key
                    )
                ),
            ]
            await until(load.started + stage.fault_after)
            fault_at = time.monotonic()
            await asyncio.to_thread(redis.stop)
            await until(load.started + stage.seconds)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            log = load.gateway.output()
    finally:
        await asyncio.to_thread(redis.stop)
    outcome = Outcome("redis-stopped", load.traffic.records, fault_at)
    outcome.notes += [stream.counts(fault_at) for stream in streams]
    logged = Counter(
        f"{match[1]} {match[2]}: {match[3][:90]}"
        for match in re.finditer(LOG_LINE, log, re.MULTILINE)
    )
    outcome.notes.append(
        f"gateway log, {sum(logged.values())} lines at WARNING or above: "
        + "; ".join(f"{line} (x{count})" for line, count in logged.most_common(4))
    )
    outcome.checks["no 5xx"] = outcome.server_errors == 0
    outcome.checks["streams still open"] = all(s.ended is None for s in streams)
    return outcome


# --- the job worker --------------------------------------------------------------------


async def job_state(stage: Stage, job_id: str) -> tuple[str, int]:
    async with stage.engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT status, attempts FROM jobs WHERE id = :id"), {"id": job_id}
            )
        ).one()
    return str(row.status), int(row.attempts)


async def poll(check: Any, within: float, what: str) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if (found := await check()) is not None:
            return found
        await asyncio.sleep(0.1)
    raise TimeoutError(f"no {what} within {within:g} s")


async def train(base_url: str, stage: Stage) -> str:
    """A new ARIMA incident forecast (as the demo's), and its training job's id."""
    headers = stage.demo.headers("token")
    model = {
        "name": "bench forecast",
        "model_type": "INCIDENT_PREDICTION",
        "algorithm_type": "ARIMA",
        "model_config": {"order": [1, 0, 1]},
        "min_training_samples": 30,
    }
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        created = await client.post(
            "/api/analytics/predictive-models/", headers=headers, json=model
        )
        created.raise_for_status()
        path = f"/api/analytics/predictive-models/{created.json()['id']}/train/"
        answer = await client.post(path, headers=headers)
    answer.raise_for_status()
    return str(answer.json()["job_id"])


async def worker_killed(stage: Stage) -> Outcome:
    """Two `gateway worker` processes (heartbeat timeout 2 s); a model training job
    (the ARIMA incident forecast, a few seconds) enqueued through the API; the worker
    that claimed it killed (SIGKILL, its process pool too) a second into the job. The
    other must claim it again once the heartbeat is stale, and finish it."""
    env = stage.env(job_heartbeat_timeout=str(HEARTBEAT_TIMEOUT), job_poll_interval="0.2")
    # The demo's own jobs (its models' first trainings) wait: the workers must be idle,
    # so that the one with a process pool is the one that claimed the bench's job.
    async with stage.engine.begin() as conn:
        postponed = (
            await conn.execute(
                text("UPDATE jobs SET run_after = now() + interval '1 day' WHERE status = 'queued'")
            )
        ).rowcount
    workers = [worker(name, env, stage.workdir) for name in ("worker-a", "worker-b")]
    outcome = Outcome("worker-killed", [], 0.0)
    try:
        async with background(stage, env, "gateway-worker-killed") as load:
            await until(load.started + stage.fault_after)
            job_id = await train(load.gateway.base_url, stage)

            async def claimed() -> bool | None:
                return True if (await job_state(stage, job_id))[0] == "running" else None

            await poll(claimed, 30, "claim")

            # The training runs in the claiming worker's process pool: its child.
            async def claimer() -> Any:
                return next((w for w in workers if psutil.Process(w.pid).children()), None)

            victim = await poll(claimer, 10, "worker with the job's process")
            await asyncio.sleep(1.0)
            status, _ = await job_state(stage, job_id)
            outcome.fault_at = time.monotonic()
            victim.kill()

            async def finished() -> tuple[str, int] | None:
                state = await job_state(stage, job_id)
                return state if state[0] in ("succeeded", "failed") else None

            final, attempts = await poll(finished, JOB_WITHIN, "end of the job")
            outcome.recovery_s = time.monotonic() - outcome.fault_at
            other = next(w for w in workers if w is not victim)
            survived = other.alive()
            await until(load.started + stage.seconds)
            outcome.records = load.traffic.records
    finally:
        for process in workers:
            process.stop()
    stale = [line for line in other.output().splitlines() if "stale job" in line]
    outcome.notes += [
        f"the demo's {postponed} queued jobs postponed; two workers, heartbeat timeout "
        f"{HEARTBEAT_TIMEOUT:g} s",
        f"job {job_id} claimed by {victim.name} (pid {victim.pid}), {status} when it was "
        f"killed; {final} after {attempts} attempts, {outcome.recovery_s:.2f} s after the kill",
        f"{other.name}'s log: {stale[0][:200] if stale else 'no stale job line'}",
    ]
    outcome.checks["job killed mid-run"] = status == "running"
    outcome.checks["job done by the other worker"] = (
        final == "succeeded" and attempts >= 2 and survived
    )
    return outcome


SCENARIOS: dict[str, Scenario] = {
    "connections-killed": connections_killed,
    "primary-restart": primary_restart,
    "replica-stopped": replica_stopped,
    "redis-stopped": redis_stopped,
    "worker-killed": worker_killed,
}
