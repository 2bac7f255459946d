"""`gateway kpis calculate`: the seed's ``calculate_kpis`` management command.

``--metric-id`` measures one metric (active or not), else every active metric of every
organisation (or of ``--org``); ``--time-window HOURS`` overrides each metric's window
for this run; ``--force`` replaces a period's existing measurement instead of skipping
it. The period ends at the current time truncated to the hour. Each organisation is
measured in one transaction; one line per organisation: its id, name, what was written
and what was skipped.
"""

from __future__ import annotations

import argparse
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.cli.common import uuid_option, with_engine
from gateway.credentials import CliError
from gateway.errors import GatewayError
from gateway.settings import Settings
from gateway.sql import table_of, utcnow
from models.incidents import MAX_WINDOW_HOURS, KpiMetric
from models.tenancy import Organization
from resolvers.incidents import kpi_service

ORGS = table_of(Organization)
METRICS = table_of(KpiMetric)


def add_commands(commands: Any) -> None:
    """Adds `kpis calculate` to the `gateway` command's subcommands."""
    kpis = commands.add_parser("kpis", help="incident KPIs")
    actions = kpis.add_subparsers(dest="kpis_command", required=True, metavar="ACTION")
    calculate = actions.add_parser(
        "calculate", help="measure the active KPI metrics for the period ending this hour"
    )
    calculate.add_argument("--metric-id", metavar="ID", help="only this metric (a UUID)")
    calculate.add_argument("--org", metavar="ORG_ID", help="only this organisation (a UUID)")
    calculate.add_argument(
        "--time-window",
        metavar="HOURS",
        help=f"override each metric's window (1-{MAX_WINDOW_HOURS})",
    )
    calculate.add_argument(
        "--force", action="store_true", help="replace a period's measurement instead of skipping"
    )
    calculate.set_defaults(handler=_calculate)


def _hours(text: str) -> int:
    if (
        not (text.strip().isascii() and text.strip().isdigit())
        or not 1 <= int(text) <= MAX_WINDOW_HOURS
    ):
        raise CliError(
            f"--time-window {text!r} is not a number of hours from 1 to {MAX_WINDOW_HOURS}"
        )
    return int(text)


async def calculate_lines(
    engine: AsyncEngine,
    *,
    org_id: uuid.UUID | None,
    metric_id: uuid.UUID | None,
    hours: int | None,
    force: bool,
    now: datetime,
) -> list[str]:
    """Measurements of each organisation's metrics (or one's, or one metric's)."""
    statement = select(ORGS.c.id, ORGS.c.name).order_by(ORGS.c.name, ORGS.c.id)
    async with engine.connect() as conn:
        if metric_id is not None:
            owner = (
                await conn.execute(select(METRICS.c.org_id).where(METRICS.c.id == metric_id))
            ).scalar()
            if owner is None or (org_id is not None and owner != org_id):
                raise CliError(f"no KPI metric {metric_id}")
            org_id = owner
        if org_id is not None:
            statement = statement.where(ORGS.c.id == org_id)
        orgs = list(await conn.execute(statement))
    if org_id is not None and not orgs:
        raise CliError(f"no organisation {org_id}")
    lines = []
    for org in orgs:
        try:
            async with engine.begin() as conn:
                done = await kpi_service.calculate_metrics(
                    conn, org_id=org.id, now=now, metric_id=metric_id, hours=hours, force=force
                )
        except GatewayError as error:
            raise CliError(error.message) from None
        lines.append(
            f"{org.id}  {org.name}  written={done.written} skipped={done.skipped} "
            f"period_end={done.period_end:%Y-%m-%dT%H:%M:%SZ}"
        )
    return lines


def _calculate(args: argparse.Namespace, settings: Settings) -> int:
    metric_id = (
        uuid_option(args.metric_id, "--metric-id", "a KPI metric id") if args.metric_id else None
    )
    org_id = uuid_option(args.org, "--org", "an organisation id") if args.org else None
    hours = _hours(args.time_window) if args.time_window is not None else None
    now = utcnow()
    lines = with_engine(
        settings,
        lambda engine: calculate_lines(
            engine, org_id=org_id, metric_id=metric_id, hours=hours, force=args.force, now=now
        ),
        changes_data=True,
    )
    for line in lines:
        print(line)
    return 0
