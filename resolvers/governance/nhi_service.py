"""NHI writes: plain functions over a connection in the caller's transaction.

Who may write: admins with the ``governance:write`` scope, as for guardians (the fields
check both). Each write is recorded as a guardian's is (``service.py``), in the same
transaction: one ``config_changes`` row (target_type ``nhi``) per field whose value
changed, and the family's audit event about the NHI (subject type ``nhi``).

- Creating writes the audit event only (no field had a value before).
- Updating writes a config change per changed field: ``label``, ``kind``, ``tier``,
  ``federation_status``, ``owner_id`` (the owner's UUID as text, or null).
- Binding or unbinding a guardian writes a config change of field ``guardians``: the
  NHI's bound guardian ids (text, sorted) before and after. Binding a bound guardian, or
  unbinding one that is not bound, changes nothing and succeeds (no config change; the
  audit event still records the call).

Another organisation's NHI or guardian is NOT_FOUND, as an unknown id is. An owner that
is no user of the organisation is BAD_USER_INPUT (argument ``ownerId``): the NHI exists,
the value given for it is wrong.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit import Subject
from gateway.auth import Principal
from gateway.errors import bad_input
from gateway.ids import new_id
from gateway.sql import table_of
from gateway.validation import changes
from models.identities import Nhi, NhiCreate, NhiGuardian, NhiUpdate
from models.tenancy import User
from resolvers.governance.service import (
    GUARDIAN,
    Target,
    apply_changes,
    audit,
    locked,
    record_changes,
)

NHIS = table_of(Nhi)
BINDINGS = table_of(NhiGuardian)
USERS = table_of(User)
NHI = Target(NHIS, "nhi")


async def _check_owner(
    conn: AsyncConnection, org_id: uuid.UUID, owner_id: uuid.UUID | None
) -> None:
    if owner_id is None:
        return
    statement = select(USERS.c.id).where(USERS.c.org_id == org_id, USERS.c.id == owner_id)
    if (await conn.execute(statement)).first() is None:
        raise bad_input("ownerId names no user of this organisation", argument="ownerId")


async def create_nhi(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    data: NhiCreate,
) -> RowMapping:
    """Register a non-human identity in the organisation."""
    await _check_owner(conn, org_id, data.owner_id)
    values = {"id": new_id(now), "org_id": org_id, **data.model_dump(), "created_at": now}
    row = (await conn.execute(insert(NHIS).values(**values).returning(*NHIS.c))).mappings().one()
    details = {"label": row["label"], "kind": row["kind"], "tier": row["tier"]}
    await audit(conn, actor, now, "CREATE", Subject(NHI.type, row["id"]), details)
    return row


async def update_nhi(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    id: uuid.UUID,
    data: NhiUpdate,
) -> Mapping[str, Any]:
    """Change an NHI's label, kind, tier, federation status or owner."""
    given = changes(data)
    if "owner_id" in given:
        # The NHI first: another organisation's NHI is NOT_FOUND whatever the owner given.
        await locked(conn, NHI, org_id, id)
        await _check_owner(conn, org_id, given["owner_id"])
    return await apply_changes(
        conn, NHI, org_id=org_id, actor=actor, now=now, id=id, given=given, action="UPDATE"
    )


async def _bound(conn: AsyncConnection, org_id: uuid.UUID, nhi_id: uuid.UUID) -> list[uuid.UUID]:
    statement = select(BINDINGS.c.guardian_id).where(
        BINDINGS.c.org_id == org_id, BINDINGS.c.nhi_id == nhi_id
    )
    return sorted(await conn.scalars(statement), key=str)


async def set_binding(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    nhi_id: uuid.UUID,
    guardian_id: uuid.UUID,
    bound: bool,
) -> RowMapping:
    """Bind the guardian to the NHI (``bound``) or unbind it; a no-op when it already is
    as asked. The NHI is locked, so concurrent calls on one NHI record each list change
    against the list it replaced."""
    row = await locked(conn, NHI, org_id, nhi_id)
    await locked(conn, GUARDIAN, org_id, guardian_id)
    before = await _bound(conn, org_id, nhi_id)
    if bound and guardian_id not in before:
        values = {"nhi_id": nhi_id, "guardian_id": guardian_id, "org_id": org_id, "created_at": now}
        await conn.execute(insert(BINDINGS).values(**values))
        after = sorted([*before, guardian_id], key=str)
    elif not bound and guardian_id in before:
        await conn.execute(
            delete(BINDINGS).where(
                BINDINGS.c.org_id == org_id,
                BINDINGS.c.nhi_id == nhi_id,
                BINDINGS.c.guardian_id == guardian_id,
            )
        )
        after = [g for g in before if g != guardian_id]
    else:
        after = before
    subject = Subject(NHI.type, nhi_id)
    if after != before:
        await record_changes(
            conn,
            org_id=org_id,
            actor=actor,
            now=now,
            target=subject,
            changes={"guardians": ([str(g) for g in before], [str(g) for g in after])},
        )
    action = "BIND_GUARDIAN" if bound else "UNBIND_GUARDIAN"
    details = {"guardian_id": guardian_id, "changed": after != before}
    await audit(conn, actor, now, action, subject, details)
    return row
