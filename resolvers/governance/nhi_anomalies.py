"""NHI anomalies in SQL: the anomalies page, one NHI batch's anomalies (the ``anomalies``
field's DataLoader), and acknowledging one.

The page is newest first on ``(detected_at desc, id desc)``, keyset-paginated exactly as
the MCP sessions page. ``status`` is ``open`` (the default), ``acknowledged`` or ``all``.

Acknowledging is one conditional ``UPDATE ... WHERE status = 'open'``: the first
acknowledgement sets the status, note, ``acknowledged_by`` and ``acknowledged_at``; a
later one changes nothing and answers the row as the first left it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.sql import table_of
from models.identities import ANOMALY_STATUSES, NhiAnomaly
from resolvers.pagination import Page, newest_first_after, newest_first_cursor, page_of

ANOMALIES = table_of(NhiAnomaly)
ALL = "all"
# What a status filter may say: one status, or every one.
STATUS_FILTERS: tuple[str, ...] = (*ANOMALY_STATUSES, ALL)


def _where(org_id: uuid.UUID, status: str) -> list[Any]:
    conditions: list[Any] = [ANOMALIES.c.org_id == org_id]
    if status != ALL:
        conditions.append(ANOMALIES.c.status == status)
    return conditions


async def anomalies(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    status: str = "open",
    nhi_id: uuid.UUID | None = None,
    type: str | None = None,
    severity: str | None = None,
    first: int,
    after: str | None,
) -> Page:
    """The organisation's anomalies matching the filters, newest first, then by id."""
    conditions = _where(org_id, status)
    if nhi_id is not None:
        conditions.append(ANOMALIES.c.nhi_id == nhi_id)
    if type is not None:
        conditions.append(ANOMALIES.c.type == type)
    if severity is not None:
        conditions.append(ANOMALIES.c.severity == severity)
    if after is not None:
        conditions.append(newest_first_after(ANOMALIES.c.detected_at, ANOMALIES.c.id, after))
    statement = (
        select(*ANOMALIES.c)
        .where(*conditions)
        .order_by(ANOMALIES.c.detected_at.desc(), ANOMALIES.c.id.desc())
        .limit(first + 1)
    )
    rows = list((await conn.execute(statement)).mappings())
    return page_of(rows, first, newest_first_cursor("detected_at"))


def anomalies_of(org_id: uuid.UUID, status: str, nhi_ids: Sequence[uuid.UUID]) -> Any:
    """The NHIs' anomalies of ``status``, each NHI's newest first (one statement)."""
    return (
        select(*ANOMALIES.c)
        .where(*_where(org_id, status), ANOMALIES.c.nhi_id.in_(nhi_ids))
        .order_by(ANOMALIES.c.nhi_id, ANOMALIES.c.detected_at.desc(), ANOMALIES.c.id.desc())
    )


async def get(conn: AsyncConnection, *, org_id: uuid.UUID, anomaly_id: uuid.UUID) -> Any:
    """One anomaly of the organisation, or None."""
    statement = select(*ANOMALIES.c).where(
        ANOMALIES.c.org_id == org_id, ANOMALIES.c.id == anomaly_id
    )
    return (await conn.execute(statement)).mappings().first()


async def acknowledge(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    anomaly_id: uuid.UUID,
    user_id: uuid.UUID,
    note: str | None,
    now: datetime,
) -> tuple[RowMapping | None, bool]:
    """The anomaly after acknowledging it, and whether this call did (False when it was
    acknowledged already: the first acknowledgement stays); (None, False) if unknown."""
    statement = (
        update(ANOMALIES)
        .where(
            ANOMALIES.c.org_id == org_id,
            ANOMALIES.c.id == anomaly_id,
            ANOMALIES.c.status == "open",
        )
        .values(status="acknowledged", note=note, acknowledged_by=user_id, acknowledged_at=now)
        .returning(*ANOMALIES.c)
    )
    row = (await conn.execute(statement)).mappings().first()
    if row is not None:
        return row, True
    return await get(conn, org_id=org_id, anomaly_id=anomaly_id), False
