"""Incident writes, in the caller's transaction, each with the family's audit event.

Transitions. One that would leave the incident where it already is changes nothing and
succeeds (the audit event still records the call), as binding a bound guardian does;
one that cannot follow is CONFLICT (409) and changes nothing:

- acknowledge: an open incident becomes ACKNOWLEDGED, ``acknowledged_at`` = now (already
  acknowledged: unchanged; RESOLVED or CLOSED: conflict);
- resolve: RESOLVED, ``resolved_at`` = now (already RESOLVED or CLOSED: unchanged);
- escalate: ``escalation_count`` + 1 (RESOLVED or CLOSED: conflict);
- reopen: a RESOLVED or CLOSED incident becomes OPEN, ``resolved_at`` cleared,
  ``reopened_count`` + 1, its acknowledgement kept (MTTA measured it once); an open one
  is unchanged.

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
from resolvers.incidents.audit import audit

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
    closed = row["status"] in CLOSED
    values: dict[str, Any] = {}
    if action == "acknowledge":
        if closed:
            raise _refuse(row, "acknowledged")
        if row["acknowledged_at"] is None:
            values = {"status": "ACKNOWLEDGED", "acknowledged_at": now}
    elif action == "resolve":
        if not closed:
            values = {"status": "RESOLVED", "resolved_at": now}
    elif action == "escalate":
        if closed:
            raise _refuse(row, "escalated")
        values = {"escalation_count": INCIDENTS.c.escalation_count + 1}
    elif closed:
        values = {
            "status": "OPEN",
            "resolved_at": None,
            "reopened_count": INCIDENTS.c.reopened_count + 1,
        }
    if not values:
        await audit(conn, actor, now, action.upper(), Subject("incident", incident_id), {})
        return row
    return await _set(conn, actor, now, incident_id, action.upper(), values)
