"""`python -m bench load [--clients 64] [--seconds 60] [--database-url URL]`

The gateway served for real under a steady load: ``gateway serve`` (uvicorn, one
process, no job worker) on a free 127.0.0.1 port over the demo data, and ``--clients``
httpx clients here, each with one connection and one request at a time, for ``--warmup``
seconds not counted and then ``--seconds`` measured. The mix (bench/traffic.py): REST
reads of the portal, knowledge, governance, incidents and agents families, a nested and a
small GraphQL query, and two writes, a GraphQL ``recordAgentAction`` and a REST ``POST``
of a dashboard (20 % of the requests).

It prints, per kind of request and overall: requests, throughput, p50/p95/p99 and max
latency, errors (an exception, another status than the kind's, or GraphQL ``errors``);
the gateway process's RSS after the warm-up, at the end and at its peak; that every
acknowledged write is in the database; and PASS when there was no error (warm-up
included), no write is missing and the RSS moved by less than 10 %.

The database: a throwaway PostgreSQL cluster (bench/processes.py), or with
``--database-url`` a fresh database beside the one named, dropped afterwards. The rate
limits are raised for the run (incidents per user and governance per organisation to
1,000,000/minute, the GraphQL cost budget to 1,000,000,000/minute), so that they count
every request but refuse none. The gateway logs warnings only (no access lines).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import fresh_database, machine
from bench.processes import new_primary
from bench.report import percentile, table
from bench.served import Demo, Process, environment, prepare, serve
from bench.traffic import LOAD_MIX, Record, Traffic, missing_writes, run_clients

MAX_CLIENTS = 256
MAX_SECONDS = 600
RSS_TOLERANCE = 0.10
DATABASE = "gateway_bench_load"


@asynccontextmanager
async def database(url: str | None) -> AsyncIterator[tuple[AsyncEngine, str]]:
    """A fresh, empty database, and what it is: beside ``url``, or on a throwaway cluster."""
    if url:
        async with fresh_database(url, DATABASE) as engine:
            yield engine, "a fresh database beside --database-url"
        return
    primary = await asyncio.to_thread(new_primary)
    try:
        async with fresh_database(primary.url(), DATABASE) as engine:
            yield engine, f"a throwaway cluster on port {primary.port}"
    finally:
        await asyncio.to_thread(primary.remove)


@dataclass
class Run:
    records: list[Record]  # those started in the measured window
    warmup: list[Record]
    seconds: float
    rss_start: float
    rss_end: float
    rss_peak: float
    gateway_cpu_s: float  # over the measured window
    clients_cpu_s: float  # this process's, the clients'


async def measure(gateway: Process, demo: Demo, clients: int, seconds: float, warmup: float) -> Run:
    traffic = Traffic()
    tasks = run_clients(gateway.base_url, demo, LOAD_MIX, traffic, clients)
    try:
        await asyncio.sleep(warmup)
        rss_start = gateway.rss_mb()
        rss_peak = rss_start
        cpu_start, own_start = gateway.cpu_s(), time.process_time()
        start = time.monotonic()
        while (left := start + seconds - time.monotonic()) > 0:
            await asyncio.sleep(min(1.0, left))
            rss_peak = max(rss_peak, gateway.rss_mb())
        end = time.monotonic()
        rss_end = gateway.rss_mb()
        gateway_cpu, own_cpu = gateway.cpu_s() - cpu_start, time.process_time() - own_start
    finally:
        traffic.stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    return Run(
        records=[r for r in traffic.records if start <= r.started < end],
        warmup=[r for r in traffic.records if r.started < start],
        seconds=end - start,
        rss_start=rss_start,
        rss_end=rss_end,
        rss_peak=rss_peak,
        gateway_cpu_s=gateway_cpu,
        clients_cpu_s=own_cpu,
    )


def row(name: str, records: Sequence[Record], seconds: float) -> list[str]:
    times = [r.ms for r in records]
    errors = sum(1 for r in records if not r.ok)
    figures = [f"{percentile(times, q):.1f}" for q in (50, 95, 99)] if times else ["-"] * 3
    return [
        name,
        f"{len(records):,}",
        f"{len(records) / seconds:.1f}",
        *figures,
        f"{max(times):.1f}" if times else "-",
        str(errors),
    ]


HEADER = ["request", "count", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"]


def report(run: Run, written: int, missing: int) -> list[str]:
    rows = [
        row(kind.name, [r for r in run.records if r.kind == kind.name], run.seconds)
        for kind in LOAD_MIX
    ]
    rows.append(row("all", run.records, run.seconds))
    lines = table(HEADER, rows)
    failed = [r for r in run.warmup + run.records if not r.ok]
    if failed:
        outcomes = Counter(f"{r.kind}: {r.outcome}" for r in failed)
        lines.append("errors: " + "; ".join(f"{k} x{n}" for k, n in outcomes.most_common()))
    change = (run.rss_end - run.rss_start) / run.rss_start
    lines.append(
        f"warm-up: {len(run.warmup):,} requests, "
        f"{sum(1 for r in run.warmup if not r.ok)} errors (not in the table)"
    )
    lines.append(
        f"gateway RSS: {run.rss_start:.1f} MB after the warm-up, {run.rss_end:.1f} MB at the "
        f"end ({change:+.1%}), peak {run.rss_peak:.1f} MB"
    )
    lines.append(
        f"CPU over the {run.seconds:.0f} s: the gateway {run.gateway_cpu_s:.1f} s "
        f"({run.gateway_cpu_s / run.seconds:.0%} of one core), the clients' process "
        f"{run.clients_cpu_s:.1f} s ({run.clients_cpu_s / run.seconds:.0%})"
    )
    lines.append(f"acknowledged writes: {written:,}, missing from the database: {missing}")
    verdicts = [
        ("errors", not failed),
        ("RSS within 10 %", abs(change) <= RSS_TOLERANCE),
        ("no missing write", missing == 0),
    ]
    passed = all(ok for _, ok in verdicts)
    lines.append(
        ("PASS" if passed else "FAIL")
        + ": "
        + ", ".join(f"{name} {'ok' if ok else 'FAILED'}" for name, ok in verdicts)
    )
    return lines


async def run(args: argparse.Namespace) -> bool:
    print(f"load: {machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="gateway-load-") as tmp:
        workdir = Path(tmp)
        async with database(args.database_url) as (engine, where):
            async with engine.connect() as conn:
                version = await conn.scalar(text("SHOW server_version"))
            started = time.monotonic()
            demo = await prepare(engine, workdir)
            print(
                f"load: PostgreSQL {version}, {where}; demo data seeded in "
                f"{time.monotonic() - started:.1f} s; {args.clients} clients, "
                f"{args.warmup:g} s warm-up, {args.seconds:g} s measured",
                flush=True,
            )
            url = engine.url.render_as_string(hide_password=False)
            gateway = await serve("gateway", environment(url, workdir, demo), workdir)
            try:
                result = await measure(gateway, demo, args.clients, args.seconds, args.warmup)
            finally:
                gateway.stop()
            written, missing = await missing_writes(engine, result.warmup + result.records)
    lines = report(result, written, missing)
    for line in lines:
        print(f"load: {line}", flush=True)
    return lines[-1].startswith("PASS")


def bounded(low: float, high: float, kind: Callable[[str], float] = int) -> Callable[[str], float]:
    def parse(value: str) -> float:
        number = kind(value)
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{value} is not within {low:g} to {high:g}")
        return number

    return parse


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--clients",
        type=bounded(1, MAX_CLIENTS),
        default=64,
        help=f"concurrent clients (1 to {MAX_CLIENTS}; default 64)",
    )
    parser.add_argument(
        "--seconds",
        type=bounded(1, MAX_SECONDS, float),
        default=60.0,
        help=f"measured seconds (1 to {MAX_SECONDS}; default 60)",
    )
    parser.add_argument(
        "--warmup",
        type=bounded(0, 60, float),
        default=10.0,
        help="seconds of load before the measurement (default 10)",
    )
    parser.add_argument(
        "--database-url",
        help="postgresql+asyncpg://... : use a fresh database "
        "beside this one instead of a throwaway cluster",
    )
    args = parser.parse_args(argv)
    try:
        return 0 if asyncio.run(run(args)) else 1
    except KeyboardInterrupt:
        # asyncio.run cancelled the run, whose finally blocks stopped what it started.
        print("load: interrupted; everything it started is stopped and removed")
        return 130
