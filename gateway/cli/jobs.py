"""`gateway worker` and `gateway jobs list`: the background-job commands."""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.config
import signal
from datetime import UTC
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import jobs
from gateway.cli.arguments import positive
from gateway.cli.common import with_engine
from gateway.settings import Settings
from models.jobs import JOB_STATUSES


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
    listing.add_argument("--limit", type=positive, default=50, metavar="N", help="default 50")
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
    from resolvers.webhooks.delivery import DeliveryWorker

    worker = jobs.Worker.from_settings(engine, settings)
    # Webhook deliveries are sent by the same process, beside the jobs.
    deliveries = DeliveryWorker.from_settings(engine, settings)

    def stop() -> None:
        worker.stop()
        deliveries.stop()

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        # One handler per signal (a second would replace the first): it stops both.
        loop.add_signal_handler(signum, stop)
    logging.getLogger("gateway.jobs").info(
        "job worker started: %s", ", ".join(jobs.registry.names())
    )
    try:
        await asyncio.gather(worker.run(), deliveries.run())
    finally:
        worker.close()


# --- handlers: parsed arguments in, exit status out -------------------------------------


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.log_format import logging_config

    # The same records and format as `gateway serve` (GATEWAY_LOG_FORMAT, GATEWAY_LOG_LEVEL).
    logging.config.dictConfig(logging_config(settings.log_format, settings.log_level))
    with_engine(settings, lambda engine: run_worker(engine, settings), needs_schema=False)
    return 0


def _jobs_list(args: argparse.Namespace, settings: Settings) -> int:
    lines = with_engine(
        settings,
        lambda engine: job_lines(engine, status=args.status, limit=args.limit),
        needs_schema=False,
    )
    for line in lines:
        print(line)
    return 0
