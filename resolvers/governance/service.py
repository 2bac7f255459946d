"""Guardian writes: plain functions over a connection in the caller's transaction.

Who may write: admins with the ``governance:write`` scope (the fields check both). A
guardian's configuration decides what gets blocked, so changing it is an admin's call,
as the staleness check is.

Every change to a guardian is recorded twice, in the same transaction as the change:
- one ``config_changes`` row per field whose value changed (target_type ``guardian``,
  target_id the guardian's UUID as text, old and new value as JSON, the caller as actor):
  what the config-audit reads show. A field given with its current value writes nothing.
- the gateway's audit event (family ``governance``, subject the guardian), as every
  family's mutations write one.

Creating a guardian writes no config change: no field had a value before (the audit
event records the creation).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit import Subject, record
from gateway.auth import Principal
from gateway.errors import not_found
from gateway.ids import new_id
from gateway.sql import table_of
from gateway.validation import changes
from models.governance import ConfigChange, Guardian, GuardianCreate, GuardianUpdate

GUARDIANS = table_of(Guardian)
CONFIG_CHANGES = table_of(ConfigChange)
AUDIT_FAMILY = "governance"
TARGET_TYPE = "guardian"


async def _audit(
    conn: AsyncConnection,
    actor: Principal,
    now: datetime,
    action: str,
    id: uuid.UUID,
    details: dict[str, Any],
) -> None:
    await record(
        conn,
        actor,
        family=AUDIT_FAMILY,
        subject=Subject(TARGET_TYPE, id),
        action=action,
        at=now,
        details={"entity": TARGET_TYPE, "id": id, **details},
    )


async def _current(conn: AsyncConnection, org_id: uuid.UUID, id: uuid.UUID) -> RowMapping:
    """The guardian, locked until the transaction ends (PostgreSQL), so that the old
    values recorded are the ones this change replaced; NOT_FOUND outside the org."""
    statement = (
        select(*GUARDIANS.c)
        .where(GUARDIANS.c.org_id == org_id, GUARDIANS.c.id == id)
        .with_for_update()
    )
    row = (await conn.execute(statement)).mappings().first()
    if row is None:
        raise not_found("guardian")
    return row


async def _apply(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    id: uuid.UUID,
    given: dict[str, Any],
    action: str,
) -> Mapping[str, Any]:
    """Set the ``given`` fields that differ; a config change per changed field."""
    row = await _current(conn, org_id, id)
    changed = {field: value for field, value in given.items() if row[field] != value}
    if changed:
        await conn.execute(
            update(GUARDIANS)
            .where(GUARDIANS.c.org_id == org_id, GUARDIANS.c.id == id)
            .values(**changed)
        )
        await conn.execute(
            insert(CONFIG_CHANGES),
            [
                {
                    "id": new_id(now),
                    "org_id": org_id,
                    "actor_id": actor.user_id,
                    "target_type": TARGET_TYPE,
                    "target_id": str(id),
                    "field": field,
                    "old_value": row[field],
                    "new_value": value,
                    "changed_at": now,
                }
                for field, value in changed.items()
            ],
        )
    await _audit(conn, actor, now, action, id, {"changes": changed})
    return {**row, **changed}


async def create_guardian(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    data: GuardianCreate,
) -> RowMapping:
    """Add a guardian to the organisation."""
    values = {"id": new_id(now), "org_id": org_id, **data.model_dump(), "created_at": now}
    statement = insert(GUARDIANS).values(**values).returning(*GUARDIANS.c)
    row = (await conn.execute(statement)).mappings().one()
    await _audit(conn, actor, now, "CREATE", row["id"], {"name": row["name"]})
    return row


async def update_guardian(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    id: uuid.UUID,
    data: GuardianUpdate,
) -> Mapping[str, Any]:
    """Change a guardian's name, description, environment, tags or config."""
    return await _apply(
        conn, org_id=org_id, actor=actor, now=now, id=id, given=changes(data), action="UPDATE"
    )


async def set_guardian_active(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    id: uuid.UUID,
    active: bool,
) -> Mapping[str, Any]:
    """Switch a guardian on or off (a config change of ``is_active`` when it changes)."""
    given = {"is_active": active}
    action = "ACTIVATE" if active else "DEACTIVATE"
    return await _apply(
        conn, org_id=org_id, actor=actor, now=now, id=id, given=given, action=action
    )
