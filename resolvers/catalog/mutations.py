"""Catalog mutations: thin. The rules (validation, writes, audit) are in ``service.py``."""

from __future__ import annotations

import uuid

import strawberry

from gateway.context import Info
from gateway.permissions import requires
from gateway.validation import validated
from models.catalog import (
    ComponentCreate,
    ComponentUpdate,
    DeploymentCreate,
    DeploymentFinish,
    EnvironmentCreate,
    EnvironmentUpdate,
)
from resolvers.catalog import service
from resolvers.catalog.types import Component as ComponentType
from resolvers.catalog.types import Deployment as DeploymentType
from resolvers.catalog.types import DeploymentStatus
from resolvers.catalog.types import Environment as EnvironmentType
from resolvers.common import given

WRITE = "catalog:write"


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


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Add a component to the catalog (manager or admin).",
        extensions=requires(role="manager", scope=WRITE),
    )
    async def create_component(self, info: Info, input: ComponentInput) -> ComponentType:
        ctx, principal = info.context, await info.context.principal()
        data = validated(ComponentCreate, given(input))
        async with ctx.writing() as conn:
            row = await service.create_component(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, data=data
            )
        return ComponentType.from_row(row)

    @strawberry.mutation(
        description="Change a component (manager or admin).",
        extensions=requires(role="manager", scope=WRITE),
    )
    async def update_component(
        self, info: Info, id: uuid.UUID, input: ComponentPatch
    ) -> ComponentType:
        ctx, principal = info.context, await info.context.principal()
        data = validated(ComponentUpdate, given(input))
        async with ctx.writing() as conn:
            row = await service.update_component(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, id=id, data=data
            )
        return ComponentType.from_row(row)

    @strawberry.mutation(
        description="Remove a component and its deployments (manager or admin). "
        "Its audit history stays.",
        extensions=requires(role="manager", scope=WRITE),
    )
    async def delete_component(self, info: Info, id: uuid.UUID) -> uuid.UUID:
        ctx, principal = info.context, await info.context.principal()
        async with ctx.writing() as conn:
            return await service.delete_component(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, id=id
            )

    @strawberry.mutation(
        description="Add an environment (manager or admin).",
        extensions=requires(role="manager", scope=WRITE),
    )
    async def create_environment(self, info: Info, name: str) -> EnvironmentType:
        ctx, principal = info.context, await info.context.principal()
        data = validated(EnvironmentCreate, {"name": name})
        async with ctx.writing() as conn:
            row = await service.create_environment(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, data=data
            )
        return EnvironmentType.from_row(row)

    @strawberry.mutation(
        description="Rename an environment (manager or admin).",
        extensions=requires(role="manager", scope=WRITE),
    )
    async def update_environment(self, info: Info, id: uuid.UUID, name: str) -> EnvironmentType:
        ctx, principal = info.context, await info.context.principal()
        data = validated(EnvironmentUpdate, {"name": name})
        async with ctx.writing() as conn:
            row = await service.update_environment(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, id=id, data=data
            )
        return EnvironmentType.from_row(row)

    @strawberry.mutation(
        description="Remove an environment and its deployments (manager or admin).",
        extensions=requires(role="manager", scope=WRITE),
    )
    async def delete_environment(self, info: Info, id: uuid.UUID) -> uuid.UUID:
        ctx, principal = info.context, await info.context.principal()
        async with ctx.writing() as conn:
            return await service.delete_environment(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, id=id
            )

    @strawberry.mutation(
        description="Record the start of a deployment (any role); it is RUNNING from now.",
        extensions=requires(scope=WRITE),
    )
    async def start_deployment(
        self, info: Info, component_id: uuid.UUID, environment_id: uuid.UUID, version: str
    ) -> DeploymentType:
        ctx, principal = info.context, await info.context.principal()
        data = validated(
            DeploymentCreate,
            {"component_id": component_id, "environment_id": environment_id, "version": version},
        )
        async with ctx.writing() as conn:
            row = await service.start_deployment(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, data=data
            )
        return DeploymentType.from_row(row)

    @strawberry.mutation(
        description="Record how a PENDING or RUNNING deployment ended (any role).",
        extensions=requires(scope=WRITE),
    )
    async def finish_deployment(
        self, info: Info, id: uuid.UUID, status: DeploymentStatus
    ) -> DeploymentType:
        ctx, principal = info.context, await info.context.principal()
        data = validated(DeploymentFinish, {"status": status.value})
        async with ctx.writing() as conn:
            row = await service.finish_deployment(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, id=id, data=data
            )
        return DeploymentType.from_row(row)
