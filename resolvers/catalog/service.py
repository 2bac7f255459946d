"""The catalog's write rules: plain functions over a connection in a transaction.

Each validates, writes and records its audit event on the caller's connection, so the
event commits or rolls back with the write. GraphQL (and so REST), the CLI and jobs
call these; the caller owns the transaction (``ctx.writing()``, ``engine.begin()``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit import Subject, record
from gateway.auth import Principal
from gateway.errors import GatewayError, not_found
from gateway.sql import table_of
from gateway.validation import changes
from models.catalog import (
    Component,
    ComponentCreate,
    ComponentUpdate,
    Deployment,
    DeploymentCreate,
    DeploymentFinish,
    Environment,
    EnvironmentCreate,
    EnvironmentUpdate,
)
from resolvers.catalog import AUDIT_FAMILY

COMPONENT = table_of(Component)
ENVIRONMENT = table_of(Environment)
DEPLOYMENT = table_of(Deployment)


def _conflict(what: str) -> GatewayError:
    return GatewayError("CONFLICT", f"{what} already exists in this organisation")


async def _insert(conn: AsyncConnection, table: Any, values: dict[str, Any]) -> RowMapping:
    return (await conn.execute(insert(table).values(**values).returning(*table.c))).mappings().one()


async def _update(
    conn: AsyncConnection, table: Any, org_id: uuid.UUID, id: uuid.UUID, what: str, **values: Any
) -> RowMapping:
    """Update one row of the organisation and return it, or NOT_FOUND."""
    statement = (
        update(table)
        .where(table.c.org_id == org_id, table.c.id == id)
        .values(**values)
        .returning(*table.c)
    )
    row = (await conn.execute(statement)).mappings().first()
    if row is None:
        raise not_found(what)
    return row


async def _delete(
    conn: AsyncConnection, table: Any, org_id: uuid.UUID, id: uuid.UUID, what: str
) -> str:
    """Delete one row of the organisation and return its name, or NOT_FOUND."""
    statement = (
        delete(table).where(table.c.org_id == org_id, table.c.id == id).returning(table.c.name)
    )
    name = (await conn.execute(statement)).scalar()
    if name is None:
        raise not_found(what)
    return str(name)


# --- components -------------------------------------------------------------------------


async def create_component(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    data: ComponentCreate,
) -> RowMapping:
    """Add a component; CONFLICT if the organisation has one of that name."""
    values = {
        "id": uuid.uuid4(),
        "org_id": org_id,
        **data.model_dump(),
        "created_at": now,
        "updated_at": now,
    }
    try:
        row = await _insert(conn, COMPONENT, values)
    except IntegrityError:
        raise _conflict(f"a component named {data.name!r}") from None
    await record(
        conn,
        actor,
        family=AUDIT_FAMILY,
        subject=Subject("component", row["id"]),
        action="CREATE",
        at=now,
        component_id=row["id"],
        details={"entity": "component", "name": row["name"]},
    )
    return row


async def update_component(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    id: uuid.UUID,
    data: ComponentUpdate,
) -> RowMapping:
    """Change the fields ``data`` gives; NOT_FOUND outside the organisation."""
    given = changes(data)
    try:
        row = await _update(conn, COMPONENT, org_id, id, "component", **given, updated_at=now)
    except IntegrityError:
        raise _conflict(f"a component named {given.get('name')!r}") from None
    await record(
        conn,
        actor,
        family=AUDIT_FAMILY,
        subject=Subject("component", id),
        action="UPDATE",
        at=now,
        component_id=id,
        details={"entity": "component", "changes": given},
    )
    return row


async def delete_component(
    conn: AsyncConnection, *, org_id: uuid.UUID, actor: Principal, now: datetime, id: uuid.UUID
) -> uuid.UUID:
    """Remove a component and its deployments; its audit history stays."""
    name = await _delete(conn, COMPONENT, org_id, id, "component")
    await record(
        conn,
        actor,
        family=AUDIT_FAMILY,
        subject=Subject("component", id),
        action="DELETE",
        at=now,
        component_id=id,
        details={"entity": "component", "name": name},
    )
    return id


# --- environments -----------------------------------------------------------------------


async def create_environment(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    data: EnvironmentCreate,
) -> RowMapping:
    """Add an environment; CONFLICT if the organisation has one of that name."""
    values = {"id": uuid.uuid4(), "org_id": org_id, **data.model_dump(), "created_at": now}
    try:
        row = await _insert(conn, ENVIRONMENT, values)
    except IntegrityError:
        raise _conflict(f"an environment named {data.name!r}") from None
    await record(
        conn,
        actor,
        family=AUDIT_FAMILY,
        subject=Subject("environment", row["id"]),
        action="CREATE",
        at=now,
        details={"entity": "environment", "id": row["id"], "name": row["name"]},
    )
    return row


async def update_environment(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    id: uuid.UUID,
    data: EnvironmentUpdate,
) -> RowMapping:
    """Rename an environment; NOT_FOUND outside the organisation, CONFLICT on a taken name."""
    given = changes(data)
    try:
        row = await _update(conn, ENVIRONMENT, org_id, id, "environment", **given)
    except IntegrityError:
        raise _conflict(f"an environment named {given.get('name')!r}") from None
    await record(
        conn,
        actor,
        family=AUDIT_FAMILY,
        subject=Subject("environment", id),
        action="UPDATE",
        at=now,
        details={"entity": "environment", "id": id, "name": row["name"]},
    )
    return row


async def delete_environment(
    conn: AsyncConnection, *, org_id: uuid.UUID, actor: Principal, now: datetime, id: uuid.UUID
) -> uuid.UUID:
    """Remove an environment and its deployments."""
    name = await _delete(conn, ENVIRONMENT, org_id, id, "environment")
    await record(
        conn,
        actor,
        family=AUDIT_FAMILY,
        subject=Subject("environment", id),
        action="DELETE",
        at=now,
        details={"entity": "environment", "id": id, "name": name},
    )
    return id


# --- deployments ------------------------------------------------------------------------


async def start_deployment(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    data: DeploymentCreate,
) -> RowMapping:
    """Record a deployment starting now; NOT_FOUND unless its component and environment
    are the organisation's."""
    component = exists().where(COMPONENT.c.org_id == org_id, COMPONENT.c.id == data.component_id)
    environment = exists().where(
        ENVIRONMENT.c.org_id == org_id, ENVIRONMENT.c.id == data.environment_id
    )
    if not all((await conn.execute(select(component, environment))).one()):
        raise not_found("component or environment")
    values = {
        "id": uuid.uuid4(),
        "org_id": org_id,
        **data.model_dump(),
        "started_at": now,
        "finished_at": None,
    }
    row = await _insert(conn, DEPLOYMENT, values)
    await record(
        conn,
        actor,
        family=AUDIT_FAMILY,
        subject=Subject("deployment", row["id"]),
        action="DEPLOY",
        at=now,
        component_id=data.component_id,
        details={
            "deployment_id": row["id"],
            "version": row["version"],
            "environment_id": data.environment_id,
        },
    )
    return row


async def finish_deployment(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    id: uuid.UUID,
    data: DeploymentFinish,
) -> RowMapping:
    """Record how a PENDING or RUNNING deployment ended; CONFLICT if it already had."""
    # The status condition makes finishing atomic: of two racing calls one wins.
    statement = (
        update(DEPLOYMENT)
        .where(
            DEPLOYMENT.c.org_id == org_id,
            DEPLOYMENT.c.id == id,
            DEPLOYMENT.c.status.in_(("PENDING", "RUNNING")),
        )
        .values(status=data.status, finished_at=now)
        .returning(*DEPLOYMENT.c)
    )
    row = (await conn.execute(statement)).mappings().first()
    if row is None:
        status = await conn.scalar(
            select(DEPLOYMENT.c.status).where(DEPLOYMENT.c.org_id == org_id, DEPLOYMENT.c.id == id)
        )
        if status is None:
            raise not_found("deployment")
        raise GatewayError("CONFLICT", f"the deployment already finished ({status})")
    await record(
        conn,
        actor,
        family=AUDIT_FAMILY,
        subject=Subject("deployment", id),
        action="DEPLOY_FINISH",
        at=now,
        component_id=row["component_id"],
        details={"deployment_id": id, "status": data.status},
    )
    return row
