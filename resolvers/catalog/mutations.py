"""Catalog writes. Each runs in one transaction together with its audit event."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry
from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit import Subject, record
from gateway.context import Info
from gateway.errors import GatewayError, bad_input, not_found
from gateway.permissions import requires
from models.catalog import LIFECYCLES, Component, Deployment, Environment
from resolvers.catalog import AUDIT_FAMILY
from resolvers.catalog.types import Component as ComponentType
from resolvers.catalog.types import Deployment as DeploymentType
from resolvers.catalog.types import DeploymentStatus
from resolvers.catalog.types import Environment as EnvironmentType
from resolvers.common import check_choice, check_text, required_text

WRITE = "catalog:write"
FINAL_STATUSES = ("SUCCEEDED", "FAILED", "ROLLED_BACK")


@strawberry.input(description="A new component.")
class ComponentInput:
    name: str
    kind: str
    lifecycle: str = "experimental"
    owner: str | None = None
    description: str | None = None


@strawberry.input(description="Changes to a component; omitted fields stay as they are.")
class ComponentPatch:
    name: str | None = strawberry.UNSET
    kind: str | None = strawberry.UNSET
    lifecycle: str | None = strawberry.UNSET
    owner: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET


def _conflict(what: str) -> GatewayError:
    return GatewayError("CONFLICT", f"{what} already exists in this organisation")


async def _update(
    conn: AsyncConnection, table: Any, org_id: uuid.UUID, id: uuid.UUID, what: str, **values: Any
) -> RowMapping:
    """Update one row of the organisation and return it, or NOT_FOUND."""
    row = (
        (
            await conn.execute(
                update(table)
                .where(table.org_id == org_id, table.id == id)
                .values(**values)
                .returning(*table.__table__.c)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise not_found(what)
    return row


async def _delete(
    conn: AsyncConnection, table: Any, org_id: uuid.UUID, id: uuid.UUID, what: str
) -> str:
    """Delete one row of the organisation and return its name, or NOT_FOUND."""
    name = (
        await conn.execute(
            delete(table).where(table.org_id == org_id, table.id == id).returning(table.name)
        )
    ).scalar()
    if name is None:
        raise not_found(what)
    return str(name)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Add a component to the catalog (manager or admin).",
        extensions=requires(role="manager", scope=WRITE),
    )
    async def create_component(self, info: Info, input: ComponentInput) -> ComponentType:
        ctx = info.context
        principal = await ctx.principal()
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "org_id": principal.org_id,
            "name": required_text(input.name, Component.name, "name"),
            "kind": required_text(input.kind, Component.kind, "kind"),
            "lifecycle": check_choice(input.lifecycle, LIFECYCLES, "lifecycle"),
            "owner": check_text(input.owner, Component.owner, "owner"),
            "description": check_text(
                input.description, Component.description, "description"
            ),
            "created_at": ctx.now,
            "updated_at": ctx.now,
        }
        try:
            async with ctx.writing() as conn:
                await conn.execute(insert(Component).values(**values))
                await record(
                    conn,
                    principal,
                    family=AUDIT_FAMILY,
                    subject=Subject("component", values["id"]),
                    action="CREATE",
                    at=ctx.now,
                    component_id=values["id"],
                    details={"entity": "component", "name": values["name"]},
                )
        except IntegrityError:
            raise _conflict(f"a component named {values['name']!r}") from None
        return ComponentType.from_row(values)

    @strawberry.mutation(
        description="Change a component (manager or admin).",
        extensions=requires(role="manager", scope=WRITE),
    )
    async def update_component(
        self, info: Info, id: uuid.UUID, input: ComponentPatch
    ) -> ComponentType:
        ctx = info.context
        principal = await ctx.principal()
        changes: dict[str, Any] = {}
        for field in ("name", "kind", "lifecycle", "owner", "description"):
            value = getattr(input, field)
            if value is strawberry.UNSET:
                continue
            if field in ("name", "kind", "lifecycle") and value is None:
                raise bad_input(f"{field} cannot be null", argument=field)
            changes[field] = value
        if "name" in changes:
            changes["name"] = required_text(changes["name"], Component.name, "name")
        if "kind" in changes:
            changes["kind"] = required_text(changes["kind"], Component.kind, "kind")
        for field in ("owner", "description"):
            if field in changes:
                check_text(changes[field], getattr(Component, field), field)
        if "lifecycle" in changes:
            check_choice(changes["lifecycle"], LIFECYCLES, "lifecycle")
        try:
            async with ctx.writing() as conn:
                row = await _update(
                    conn,
                    Component,
                    principal.org_id,
                    id,
                    "component",
                    **changes,
                    updated_at=ctx.now,
                )
                await record(
                    conn,
                    principal,
                    family=AUDIT_FAMILY,
                    subject=Subject("component", id),
                    action="UPDATE",
                    at=ctx.now,
                    component_id=id,
                    details={"entity": "component", "changes": changes},
                )
        except IntegrityError:
            raise _conflict(f"a component named {changes.get('name')!r}") from None
        return ComponentType.from_row(row)

    @strawberry.mutation(
        description="Remove a component and its deployments (manager or admin). "
        "Its audit history stays.",
        extensions=requires(role="manager", scope=WRITE),
    )
    async def delete_component(self, info: Info, id: uuid.UUID) -> uuid.UUID:
        ctx = info.context
        principal = await ctx.principal()
        async with ctx.writing() as conn:
            name = await _delete(conn, Component, principal.org_id, id, "component")
            await record(
                conn,
                principal,
                family=AUDIT_FAMILY,
                subject=Subject("component", id),
                action="DELETE",
                at=ctx.now,
                component_id=id,
                details={"entity": "component", "name": name},
            )
        return id

    @strawberry.mutation(
        description="Add an environment (manager or admin).",
        extensions=requires(role="manager", scope=WRITE),
    )
    async def create_environment(self, info: Info, name: str) -> EnvironmentType:
        ctx = info.context
        principal = await ctx.principal()
        values = {
            "id": uuid.uuid4(),
            "org_id": principal.org_id,
            "name": required_text(name, Environment.name, "name"),
            "created_at": ctx.now,
        }
        try:
            async with ctx.writing() as conn:
                await conn.execute(insert(Environment).values(**values))
                await record(
                    conn,
                    principal,
                    family=AUDIT_FAMILY,
                    subject=Subject("environment", values["id"]),
                    action="CREATE",
                    at=ctx.now,
                    details={"entity": "environment", "id": values["id"], "name": values["name"]},
                )
        except IntegrityError:
            raise _conflict(f"an environment named {values['name']!r}") from None
        return EnvironmentType.from_row(values)

    @strawberry.mutation(
        description="Rename an environment (manager or admin).",
        extensions=requires(role="manager", scope=WRITE),
    )
    async def update_environment(self, info: Info, id: uuid.UUID, name: str) -> EnvironmentType:
        ctx = info.context
        principal = await ctx.principal()
        name = required_text(name, Environment.name, "name")
        try:
            async with ctx.writing() as conn:
                row = await _update(
                    conn, Environment, principal.org_id, id, "environment", name=name
                )
                await record(
                    conn,
                    principal,
                    family=AUDIT_FAMILY,
                    subject=Subject("environment", id),
                    action="UPDATE",
                    at=ctx.now,
                    details={"entity": "environment", "id": id, "name": name},
                )
        except IntegrityError:
            raise _conflict(f"an environment named {name!r}") from None
        return EnvironmentType.from_row(row)

    @strawberry.mutation(
        description="Remove an environment and its deployments (manager or admin).",
        extensions=requires(role="manager", scope=WRITE),
    )
    async def delete_environment(self, info: Info, id: uuid.UUID) -> uuid.UUID:
        ctx = info.context
        principal = await ctx.principal()
        async with ctx.writing() as conn:
            name = await _delete(conn, Environment, principal.org_id, id, "environment")
            await record(
                conn,
                principal,
                family=AUDIT_FAMILY,
                subject=Subject("environment", id),
                action="DELETE",
                at=ctx.now,
                details={"entity": "environment", "id": id, "name": name},
            )
        return id

    @strawberry.mutation(
        description="Record the start of a deployment (any role); it is RUNNING from now.",
        extensions=requires(scope=WRITE),
    )
    async def start_deployment(
        self, info: Info, component_id: uuid.UUID, environment_id: uuid.UUID, version: str
    ) -> DeploymentType:
        ctx = info.context
        principal = await ctx.principal()
        async with ctx.writing() as conn:
            component_exists = exists().where(
                Component.org_id == principal.org_id, Component.id == component_id
            )
            environment_exists = exists().where(
                Environment.org_id == principal.org_id, Environment.id == environment_id
            )
            found = (await conn.execute(select(component_exists, environment_exists))).one()
            if not all(found):
                raise not_found("component or environment")
            values = {
                "id": uuid.uuid4(),
                "org_id": principal.org_id,
                "component_id": component_id,
                "environment_id": environment_id,
                "status": "RUNNING",
                "version": required_text(version, Deployment.version, "version"),
                "started_at": ctx.now,
                "finished_at": None,
            }
            await conn.execute(insert(Deployment).values(**values))
            await record(
                conn,
                principal,
                family=AUDIT_FAMILY,
                subject=Subject("deployment", values["id"]),
                action="DEPLOY",
                at=ctx.now,
                component_id=component_id,
                details={
                    "deployment_id": values["id"],
                    "version": values["version"],
                    "environment_id": environment_id,
                },
            )
        return DeploymentType.from_row(values)

    @strawberry.mutation(
        description="Record how a PENDING or RUNNING deployment ended (any role).",
        extensions=requires(scope=WRITE),
    )
    async def finish_deployment(
        self, info: Info, id: uuid.UUID, status: DeploymentStatus
    ) -> DeploymentType:
        ctx = info.context
        principal = await ctx.principal()
        if status.value not in FINAL_STATUSES:
            raise bad_input(f"status must be one of: {', '.join(FINAL_STATUSES)}")
        async with ctx.writing() as conn:
            # The status condition makes finishing atomic: of two racing calls one wins.
            row = (
                (
                    await conn.execute(
                        update(Deployment)
                        .where(
                            Deployment.org_id == principal.org_id,
                            Deployment.id == id,
                            Deployment.status.in_(("PENDING", "RUNNING")),
                        )
                        .values(status=status.value, finished_at=ctx.now)
                        .returning(*Deployment.__table__.c)
                    )
                )
                .mappings()
                .first()
            )
            if row is None:
                exists = (
                    await conn.execute(
                        select(Deployment.status).where(
                            Deployment.org_id == principal.org_id, Deployment.id == id
                        )
                    )
                ).scalar()
                if exists is None:
                    raise not_found("deployment")
                raise GatewayError("CONFLICT", f"the deployment already finished ({exists})")
            await record(
                conn,
                principal,
                family=AUDIT_FAMILY,
                subject=Subject("deployment", id),
                action="DEPLOY_FINISH",
                at=ctx.now,
                component_id=row["component_id"],
                details={"deployment_id": id, "status": status.value},
            )
        return DeploymentType.from_row(row)
