"""`python -m bench faults [--only NAME ...] [--clients 8] [--seconds 20]`

Faults injected into a served gateway under a background load, one scenario at a time,
on throwaway servers of this machine (bench/processes.py: a PostgreSQL primary made by
initdb, and for the scenarios that need them a pg_basebackup replica and a redis-server,
each on a free 127.0.0.1 port). The demo data is seeded once into the primary; each
scenario starts its own ``gateway serve --no-worker`` with the settings it needs.

The background load (bench/traffic.py): ``--clients`` clients, one request at a time, a
mix of reads (REST portal and incidents, a small and a nested GraphQL query) and writes
(GraphQL ``recordAgentAction``, REST ``POST`` of a dashboard; 40 %), whose ids are kept
when the gateway acknowledged them (2xx). The fault comes ``--fault-after`` seconds in;
the load runs ``--seconds`` in all. Then, per scenario:

- requests, failed (an exception, another status than expected, GraphQL ``errors``),
  and how many of them were 5xx;
- recovery: from the start of the fault to the first success after the last failure,
  once 20 requests in a row (by start) have succeeded after it; 0 when nothing failed;
  for ``worker-killed``, from the kill to the job's success on the other worker;
- every acknowledged write looked up by id in the primary: missing must be 0.

PASS: no acknowledged write missing, recovered, and the scenario's own checks (the
gateway read from the replica before it stopped; no 5xx with Redis down, and the live
streams still open; the job killed mid-run and done by the other worker).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import fresh_database, machine
from bench.processes import PostgresServer, new_primary, unavailable
from bench.report import table
from bench.served import Demo, Process, environment, prepare, serve
from bench.traffic import FAULT_MIX, Record, Traffic, missing_writes, run_clients

DATABASE = "gateway_bench_faults"
RUN = 20  # successes in a row that make a recovery
MAX_CLIENTS = 32
MAX_SECONDS = 120


@dataclass
class Stage:
    """What every scenario works with."""

    primary: PostgresServer
    engine: AsyncEngine  # on the primary's bench database
    demo: Demo
    workdir: Path
    clients: int
    seconds: float
    fault_after: float

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    def env(self, **settings: str) -> dict[str, str]:
        return environment(self.url, self.workdir, self.demo, **settings)


@dataclass
class Background:
    gateway: Process
    traffic: Traffic
    started: float


@asynccontextmanager
async def background(stage: Stage, env: dict[str, str], name: str) -> AsyncIterator[Background]:
    """A gateway with ``env`` under the background load for the block."""
    gateway = await serve(name, env, stage.workdir)
    traffic = Traffic()
    tasks = run_clients(gateway.base_url, stage.demo, FAULT_MIX, traffic, stage.clients)
    try:
        yield Background(gateway, traffic, time.monotonic())
    finally:
        traffic.stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        gateway.stop()


async def until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.monotonic()))


@dataclass
class Outcome:
    name: str
    records: list[Record]
    fault_at: float
    written: int = 0
    missing: int = 0
    # Set by the scenario when recovery is not the requests' (the worker's job).
    recovery_s: float | None = None
    checks: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def failed(self) -> list[Record]:
        return [r for r in self.records if not r.ok]

    @property
    def server_errors(self) -> int:
        return sum(1 for r in self.records if r.status is not None and r.status >= 500)

    def recovery(self) -> float | None:
        """Seconds from the fault to the first success after the last failure, if RUN
        requests in a row succeeded from there; None when they did not."""
        if self.recovery_s is not None:
            return self.recovery_s
        after = sorted(
            (r for r in self.records if r.ended >= self.fault_at), key=lambda r: r.started
        )
        last = max((i for i, r in enumerate(after) if not r.ok), default=None)
        if last is None:
            return 0.0
        rest = after[last + 1 :]
        return rest[0].ended - self.fault_at if len(rest) >= RUN else None

    @property
    def passed(self) -> bool:
        return (
            self.error is None
            and self.missing == 0
            and self.recovery() is not None
            and all(self.checks.values())
        )

    def cells(self) -> list[str]:
        recovery = self.recovery()
        return [
            self.name,
            str(len(self.records)),
            str(len(self.failed)),
            str(self.server_errors),
            "never" if recovery is None else f"{recovery:.2f}",
            str(self.written),
            str(self.missing),
            "PASS" if self.passed else "FAIL",
        ]

    def lines(self) -> list[str]:
        lines = list(self.notes)
        if self.failed:
            outcomes = Counter(f"{r.kind}: {r.outcome}" for r in self.failed)
            lines.append("failed: " + "; ".join(f"{k} x{n}" for k, n in outcomes.most_common()))
        lines += [f"check {name}: {'ok' if ok else 'FAILED'}" for name, ok in self.checks.items()]
        if self.error:
            lines.append(f"error: {self.error}")
        return lines


HEADER = [
    "scenario",
    "requests",
    "failed",
    "5xx",
    "recovery s",
    "acknowledged writes",
    "missing writes",
    "result",
]

Scenario = Callable[[Stage], Awaitable[Outcome]]


async def settle(stage: Stage, outcome: Outcome) -> Outcome:
    """The acknowledged writes looked up in the primary (back up by now)."""
    outcome.written, outcome.missing = await missing_writes(stage.engine, outcome.records)
    return outcome


async def run(args: argparse.Namespace) -> bool:
    from bench.fault_scenarios import SCENARIOS

    print(f"faults: {machine()}", flush=True)
    reason = unavailable()
    if reason:
        print(f"faults: cannot run: {reason}")
        return False
    names = args.only or list(SCENARIOS)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="gateway-faults-") as tmp:
        primary = await asyncio.to_thread(new_primary)
        try:
            async with fresh_database(primary.url(), DATABASE) as engine:
                started = time.monotonic()
                demo = await prepare(engine, Path(tmp))
                print(
                    f"faults: throwaway primary on port {primary.port}, demo data seeded in "
                    f"{time.monotonic() - started:.1f} s; {args.clients} clients, fault "
                    f"{args.fault_after:g} s in, {args.seconds:g} s per scenario",
                    flush=True,
                )
                stage = Stage(
                    primary, engine, demo, Path(tmp), args.clients, args.seconds, args.fault_after
                )
                for name in names:
                    outcome = await attempt(name, SCENARIOS[name], stage)
                    outcomes.append(outcome)
                    for line in outcome.lines():
                        print(f"faults: {name}: {line}", flush=True)
        finally:
            await asyncio.to_thread(primary.remove)
    for line in table(HEADER, [o.cells() for o in outcomes]):
        print(f"faults: {line}")
    return all(o.passed for o in outcomes)


async def attempt(name: str, scenario: Scenario, stage: Stage) -> Outcome:
    """One scenario; one that breaks is a FAIL with its error, and the next one runs."""
    if not stage.primary.running:
        await asyncio.to_thread(stage.primary.start)
    try:
        return await settle(stage, await scenario(stage))
    except Exception as exc:  # a broken scenario is a result, not the end of the run
        return Outcome(name, [], 0.0, error=f"{type(exc).__name__}: {exc}")


def main(argv: Sequence[str] | None = None) -> int:
    from bench.fault_scenarios import SCENARIOS
    from bench.load import bounded

    parser = argparse.ArgumentParser(
        prog="python -m bench faults",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--only", action="append", choices=list(SCENARIOS), help="this scenario (repeatable)"
    )
    parser.add_argument(
        "--clients",
        type=bounded(1, MAX_CLIENTS),
        default=8,
        help=f"background clients (1 to {MAX_CLIENTS}; default 8)",
    )
    parser.add_argument(
        "--seconds",
        type=bounded(8, MAX_SECONDS, float),
        default=20.0,
        help=f"load per scenario (8 to {MAX_SECONDS}; default 20)",
    )
    parser.add_argument(
        "--fault-after",
        type=bounded(1, 30, float),
        default=4.0,
        help="seconds of load before the fault (default 4)",
    )
    args = parser.parse_args(argv)
    if args.fault_after >= args.seconds - 4:
        parser.error("--fault-after must leave at least 4 s of the load after it")
    try:
        return 0 if asyncio.run(run(args)) else 1
    except KeyboardInterrupt:
        # asyncio.run cancelled the run, whose finally blocks stopped what it started.
        print("faults: interrupted; everything it started is stopped and removed")
        return 130
