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

The NHI writes (``nhi_service.py``) record their changes through the same helpers
(``Target``, ``apply_changes``, ``record_changes``, ``audit``), with target_type ``nhi``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select, update
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


@dataclass(frozen=True)
class Target:
    """A kind of governance row whose changes are recorded: its table, and its name as
    config changes' ``target_type`` and audit events' subject type."""

    table: Table
    type: str


GUARDIAN = Target(GUARDIANS, "guardian")


async def audit(
    conn: AsyncConnection,
    actor: Principal,
    now: datetime,
    action: str,
    subject: Subject,
    details: dict[str, Any],
) -> None:
    """The family's audit event about ``subject``, in the caller's transaction."""
    await record(
        conn,
        actor,
        family=AUDIT_FAMILY,
        subject=subject,
        action=action,
        at=now,
        details={"entity": subject.type, "id": subject.id, **details},
    )


async def locked(
    conn: AsyncConnection, target: Target, org_id: uuid.UUID, id: uuid.UUID
) -> RowMapping:
    """The row, locked until the transaction ends (PostgreSQL), so that the old values
    recorded are the ones this change replaced; NOT_FOUND outside the org."""
    table = target.table
    statement = select(*table.c).where(table.c.org_id == org_id, table.c.id == id).with_for_update()
    row = (await conn.execute(statement)).mappings().first()
    if row is None:
        raise not_found(target.type)
    return row


def _json(value: Any) -> Any:
    # A config change holds JSON: ids (an NHI's owner, its guardians) as text.
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list):
        return [_json(item) for item in value]
    return value


async def record_changes(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    target: Subject,
    changes: Mapping[str, tuple[Any, Any]],
) -> None:
    """One config change per field of ``changes`` (field -> (old, new)), the caller as actor."""
    if not changes:
        return
    await conn.execute(
        insert(CONFIG_CHANGES),
        [
            {
                "id": new_id(now),
                "org_id": org_id,
                "actor_id": actor.user_id,
                "target_type": target.type,
                "target_id": str(target.id),
                "field": field,
                "old_value": _json(old),
                "new_value": _json(new),
                "changed_at": now,
            }
            for field, (old, new) in changes.items()
        ],
    )


async def apply_changes(
    conn: AsyncConnection,
    target: Target,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    id: uuid.UUID,
    given: dict[str, Any],
    action: str,
) -> Mapping[str, Any]:
    """Set the ``given`` fields that differ; a config change per changed field, and the
    audit event."""
    row = await locked(conn, target, org_id, id)
    changed = {field: value for field, value in given.items() if row[field] != value}
    if changed:
        table = target.table
        await conn.execute(
            update(table).where(table.c.org_id == org_id, table.c.id == id).values(**changed)
        )
    subject = Subject(target.type, id)
    await record_changes(
        conn,
        org_id=org_id,
        actor=actor,
        now=now,
        target=subject,
        changes={field: (row[field], value) for field, value in changed.items()},
    )
    await audit(conn, actor, now, action, subject, {"changes": changed})
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
    subject = Subject(GUARDIAN.type, row["id"])
    await audit(conn, actor, now, "CREATE", subject, {"name": row["name"]})
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
    return await apply_changes(
        conn,
        GUARDIAN,
        org_id=org_id,
        actor=actor,
        now=now,
        id=id,
        given=changes(data),
        action="UPDATE",
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
    return await apply_changes(
        conn, GUARDIAN, org_id=org_id, actor=actor, now=now, id=id, given=given, action=action
    )
