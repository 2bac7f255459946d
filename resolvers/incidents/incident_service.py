"""Incident writes, in the caller's transaction, each with the family's audit event.

Transitions (anything else is CONFLICT, 409, and changes nothing):

- acknowledge: an open incident (OPEN or IN_PROGRESS) not yet acknowledged becomes
  ACKNOWLEDGED, ``acknowledged_at`` = now;
- resolve: an incident not yet RESOLVED or CLOSED becomes RESOLVED, ``resolved_at`` = now;
- escalate: an incident not RESOLVED or CLOSED gets ``escalation_count`` + 1;
- reopen: a RESOLVED or CLOSED incident becomes OPEN, ``resolved_at`` cleared,
  ``reopened_count`` + 1 (its acknowledgement is kept: MTTA measured it once).

A component must be one of the organisation's (else BAD_USER_INPUT); another
organisation's incident is NOT_FOUND, as an unknown id is.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit import Subject
from gateway.auth import Principal
from gateway.errors import GatewayError, bad_input, not_found
from gateway.sql import table_of
from gateway.validation import changes
from models.catalog import Component
from models.incidents import Incident, IncidentCreate, IncidentUpdate
from resolvers.incidents.kpi_service import audit

INCIDENTS = table_of(Incident)
COMPONENTS = table_of(Component)
CLOSED = ("RESOLVED", "CLOSED")


async def _check_component(
    conn: AsyncConnection, org_id: uuid.UUID, component_id: uuid.UUID | None
) -> None:
    if component_id is None:
        return
    owned = select(COMPONENTS.c.id).where(
        COMPONENTS.c.org_id == org_id, COMPONENTS.c.id == component_id
    )
    if (await conn.execute(owned)).first() is None:
        raise bad_input(
            "componentId names no component of this organisation", argument="componentId"
        )


async def _current(conn: AsyncConnection, org_id: uuid.UUID, incident_id: uuid.UUID) -> RowMapping:
    statement = select(INCIDENTS).where(INCIDENTS.c.org_id == org_id, INCIDENTS.c.id == incident_id)
    row = (await conn.execute(statement)).mappings().first()
    if row is None:
        raise not_found("incident")
    return row


async def _set(
    conn: AsyncConnection,
    actor: Principal,
    now: datetime,
    incident_id: uuid.UUID,
    action: str,
    values: dict[str, Any],
) -> RowMapping:
    statement = (
        update(INCIDENTS)
        .where(INCIDENTS.c.id == incident_id)
        .values(**values)
        .returning(*INCIDENTS.c)
    )
    row = (await conn.execute(statement)).mappings().one()
    # What was set to a value (not a time, not an increment, which the row shows).
    details = {k: v for k, v in values.items() if v is None or isinstance(v, str | int)}
    await audit(conn, actor, now, action, Subject("incident", incident_id), details)
    return row


async def create_incident(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    data: IncidentCreate,
) -> RowMapping:
    """A new OPEN incident, created now by ``actor``."""
    await _check_component(conn, org_id, data.component_id)
    values = {
        "id": uuid.uuid4(),
        "org_id": org_id,
        **data.model_dump(),
        "status": "OPEN",
        "created_at": now,
        "created_by": actor.user_id,
    }
    row = (
        (await conn.execute(insert(INCIDENTS).values(**values).returning(*INCIDENTS.c)))
        .mappings()
        .one()
    )
    details = {"title": row["title"], "severity": row["severity"], "service": row["service"]}
    await audit(conn, actor, now, "CREATE", Subject("incident", row["id"]), details)
    return row


async def update_incident(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    incident_id: uuid.UUID,
    data: IncidentUpdate,
) -> RowMapping:
    await _current(conn, org_id, incident_id)
    given = changes(data)
    if "component_id" in given:
        await _check_component(conn, org_id, given["component_id"])
    if not given:
        return await _current(conn, org_id, incident_id)
    return await _set(conn, actor, now, incident_id, "UPDATE", given)


def _refuse(row: RowMapping, action: str) -> GatewayError:
    return GatewayError("CONFLICT", f"a {row['status']} incident cannot be {action}")


async def transition(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    incident_id: uuid.UUID,
    action: str,
) -> RowMapping:
    """``action`` (acknowledge, resolve, escalate or reopen) by the rules above."""
    row = await _current(conn, org_id, incident_id)
    status = row["status"]
    if action == "acknowledge":
        if status in CLOSED or row["acknowledged_at"] is not None:
            raise _refuse(row, "acknowledged" if status in CLOSED else "acknowledged twice")
        values: dict[str, Any] = {"status": "ACKNOWLEDGED", "acknowledged_at": now}
    elif action == "resolve":
        if status in CLOSED:
            raise _refuse(row, "resolved")
        values = {"status": "RESOLVED", "resolved_at": now}
    elif action == "escalate":
        if status in CLOSED:
            raise _refuse(row, "escalated")
        values = {"escalation_count": INCIDENTS.c.escalation_count + 1}
    else:
        if status not in CLOSED:
            raise _refuse(row, "reopened")
        values = {
            "status": "OPEN",
            "resolved_at": None,
            "reopened_count": INCIDENTS.c.reopened_count + 1,
        }
    return await _set(conn, actor, now, incident_id, action.upper(), values)
