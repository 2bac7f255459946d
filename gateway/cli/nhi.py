"""`gateway nhi snapshot`: risk snapshots of every NHI, outside a detection run.

``--org`` limits it to one organisation (every organisation otherwise); ``--from`` and
``--to`` (RFC 3339, each defaulting on its own to now - 7 days and now) give the window,
at most 90 days, as a detection's. Each organisation's snapshots are written in one
transaction with source ``snapshot``; an NHI that already has a ``snapshot`` of exactly
that window gets no second one. One line per organisation: its id, name and count.
"""

from __future__ import annotations

import argparse
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.cli.common import with_engine
from gateway.credentials import CliError
from gateway.errors import GatewayError
from gateway.inputs import to_utc
from gateway.settings import Settings
from gateway.sql import table_of, utcnow
from models.tenancy import Organization
from resolvers.governance import nhi_detection
from resolvers.governance.window import NHI_SPAN
from rest_compat.governance.params import rfc3339

ORGS = table_of(Organization)


def add_commands(commands: Any) -> None:
    """Adds `nhi snapshot` to the `gateway` command's subcommands."""
    nhi = commands.add_parser("nhi", help="non-human identities")
    actions = nhi.add_subparsers(dest="nhi_command", required=True, metavar="ACTION")
    snapshot = actions.add_parser(
        "snapshot", help="write a risk snapshot of every NHI (default: every organisation)"
    )
    snapshot.add_argument("--org", metavar="ORG_ID", help="only this organisation (a UUID)")
    snapshot.add_argument("--from", dest="start", metavar="RFC3339", help="default now - 7 days")
    snapshot.add_argument("--to", dest="end", metavar="RFC3339", help="default now")
    snapshot.set_defaults(handler=_snapshot)


def _moment(text: str, option: str) -> datetime:
    try:
        rfc3339(text)
        return to_utc(datetime.fromisoformat(text.upper()))
    except ValueError:
        raise CliError(
            f"{option} {text!r} is not an RFC 3339 date-time such as 2026-05-01T00:00:00Z"
        ) from None


def _org(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise CliError(f"--org {text!r} is not an organisation id (a UUID)") from None


async def snapshot_lines(
    engine: AsyncEngine,
    *,
    org_id: uuid.UUID | None,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[str]:
    """Snapshots of each organisation's NHIs (or one's): one line per organisation."""
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
            added = await nhi_detection.snapshot(conn, org_id=org.id, start=start, end=end, now=now)
        lines.append(f"{org.id}  {org.name}  snapshots={added}")
    return lines


def _snapshot(args: argparse.Namespace, settings: Settings) -> int:
    now = utcnow()
    org_id = _org(args.org) if args.org is not None else None
    start = _moment(args.start, "--from") if args.start is not None else now - NHI_SPAN
    end = _moment(args.end, "--to") if args.end is not None else now
    try:
        nhi_detection.check_detection_window(start, end)
    except GatewayError as error:
        raise CliError(f"the window cannot be snapshot: {error.message}") from None
    lines = with_engine(
        settings,
        lambda engine: snapshot_lines(engine, org_id=org_id, start=start, end=end, now=now),
        changes_data=True,
    )
    for line in lines:
        print(line)
    return 0
