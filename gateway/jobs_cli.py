"""`gateway worker` and `gateway jobs list`: the background-job commands.

Kept apart from gateway/cli.py, which registers them with ``add_commands``. Handlers take
the parsed arguments and the settings and return the exit status, as cli.py's do.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any, TypeVar

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import jobs
from gateway.db import create_engine
from gateway.settings import Settings
from models.jobs import JOB_STATUSES

T = TypeVar("T")


def add_commands(commands: Any) -> None:
    """Adds `worker` and `jobs` to the `gateway` command's subcommands."""
    worker = commands.add_parser(
        "worker", help="run a background-job worker until SIGTERM or Ctrl-C"
    )
    worker.set_defaults(handler=_worker)

    jobs_parser = commands.add_parser("jobs", help="inspect background jobs")
    actions = jobs_parser.add_subparsers(dest="jobs_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="print jobs of every organisation, newest first")
    listing.add_argument("--status", choices=JOB_STATUSES, help="only jobs in this state")
    listing.add_argument("--limit", type=_positive, default=50, metavar="N", help="default 50")
    listing.set_defaults(handler=_jobs_list)


# --- the commands, callable in-process -------------------------------------------------


async def job_lines(engine: AsyncEngine, *, status: str | None, limit: int) -> list[str]:
    """`gateway jobs list`'s lines: id, organisation, kind, status, attempts, created."""
    async with engine.connect() as conn:
        rows = await jobs.list_all(conn, status=status, limit=limit)
    return [format_job(row) for row in rows]


def format_job(row: RowMapping) -> str:
    created = row["created_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return "  ".join(
        [
            str(row["id"]),
            str(row["org_id"]),
            row["kind"],
            row["status"],
            f"attempts={row['attempts']}",
            created,
        ]
    )


async def run_worker(engine: AsyncEngine, settings: Settings) -> None:
    """Runs a worker until SIGTERM or SIGINT; the job in hand is finished first."""
    # Registers every family's job kinds: each is declared beside the domain it serves,
    # which the families' manifests import.
    import gateway.families  # noqa: F401

    worker = jobs.Worker.from_settings(engine, settings)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, worker.stop)
    logging.getLogger("gateway.jobs").info(
        "job worker started: %s", ", ".join(jobs.registry.names())
    )
    try:
        await worker.run()
    finally:
        worker.close()


# --- handlers ----------------------------------------------------------------------------


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    _with_engine(settings, lambda engine: run_worker(engine, settings))
    return 0


def _jobs_list(args: argparse.Namespace, settings: Settings) -> int:
    lines = _with_engine(
        settings, lambda engine: job_lines(engine, status=args.status, limit=args.limit)
    )
    for line in lines:
        print(line)
    return 0


def _with_engine(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_engine(settings.database_url, pool_size=2)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value
