"""`gateway incidents analyze-recurrence`: groups each organisation's incidents of the
last ``--days`` days (default 90) into recurrences (``resolvers/incidents/recurrence.py``),
updating the groups found before. ``--org`` limits it to one organisation. One
transaction and one line per organisation: its id, name, groups and incidents read."""

from __future__ import annotations

import argparse
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.cli.common import uuid_option, with_engine
from gateway.credentials import CliError
from gateway.settings import Settings
from gateway.sql import table_of, utcnow
from models.tenancy import Organization
from resolvers.incidents import recurrence

ORGS = table_of(Organization)


def add_commands(commands: Any) -> None:
    """Adds `incidents analyze-recurrence` to the `gateway` command's subcommands."""
    incidents = commands.add_parser("incidents", help="incident analytics")
    actions = incidents.add_subparsers(dest="incidents_command", required=True, metavar="ACTION")
    analyze = actions.add_parser(
        "analyze-recurrence", help="group recent incidents into recurrences"
    )
    analyze.add_argument("--org", metavar="ORG_ID", help="only this organisation (a UUID)")
    analyze.add_argument(
        "--days", metavar="N", help=f"look back N days (default {recurrence.DEFAULT_DAYS})"
    )
    analyze.set_defaults(handler=_analyze)


def _days(text: str) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= recurrence.MAX_DAYS:
        raise CliError(f"--days {text!r} is not a number of days from 1 to {recurrence.MAX_DAYS}")
    return int(value)


async def analyze_lines(
    engine: AsyncEngine, *, org_id: uuid.UUID | None, days: int, now: datetime
) -> list[str]:
    statement = select(ORGS.c.id, ORGS.c.name).order_by(ORGS.c.name, ORGS.c.id)
    if org_id is not None:
        statement = statement.where(ORGS.c.id == org_id)
    async with engine.connect() as conn:
        orgs = list(await conn.execute(statement))
    if org_id is not None and not orgs:
        raise CliError(f"no organisation {org_id}")
    lines = []
    for org in orgs:
        async with engine.begin() as conn:
            done = await recurrence.analyse(conn, org_id=org.id, now=now, days=days)
        lines.append(f"{org.id}  {org.name}  groups={done.groups} incidents={done.incidents}")
    return lines


def _analyze(args: argparse.Namespace, settings: Settings) -> int:
    org_id = uuid_option(args.org, "--org", "an organisation id") if args.org is not None else None
    days = _days(args.days) if args.days is not None else recurrence.DEFAULT_DAYS
    now = utcnow()
    lines = with_engine(
        settings,
        lambda engine: analyze_lines(engine, org_id=org_id, days=days, now=now),
        changes_data=True,
    )
    for line in lines:
        print(line)
    return 0
