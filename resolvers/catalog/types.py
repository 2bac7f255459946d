"""Catalog types: tables shown one column to one field, relations through loaders."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from gateway.compiler.spec import Column, Node, ToMany, ToOne, compilable
from gateway.context import Info
from gateway.sql import table_of
from models.audit import AuditEvent as AuditEventRow
from models.catalog import Component as ComponentRow
from models.catalog import Deployment as DeploymentRow
from models.catalog import Environment as EnvironmentRow
from resolvers.catalog.loaders import (
    components_by_id,
    deployments_by_component,
    environments_by_id,
)
from resolvers.common import check_first
from resolvers.pagination import PageInfo
from resolvers.selection import selects
from resolvers.tenancy.loaders import users_by_id
from resolvers.tenancy.types import User


@strawberry.enum(description="Where a deployment stands.")
class DeploymentStatus(Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    ROLLED_BACK = "ROLLED_BACK"


@strawberry.type(description="A service, library, API or other thing in the catalog.")
class Component:
    id: uuid.UUID
    name: str
    kind: str
    lifecycle: str = strawberry.field(
        description="production, experimental, planned, deprecated or decommissioned."
    )
    owner: str | None
    description: str | None
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="The newest deployments first (at most `first`).")
    async def deployments(
        self, info: Info, first: int = 20, status: DeploymentStatus | None = None
    ) -> list[Deployment]:
        loader = info.context.loaders.get(
            deployments_by_component, check_first(first), status.value if status else None
        )
        rows = await loader.load(self.id)
        environments = await _environments_of(info, rows) if selects(info, "environment") else {}
        return [Deployment.from_row(row, environments.get(row["environment_id"])) for row in rows]

    @strawberry.field(description="The most recently started deployment, if any.")
    async def latest_deployment(self, info: Info) -> Deployment | None:
        rows = await info.context.loaders.get(deployments_by_component, 1, None).load(self.id)
        return Deployment.from_row(rows[0]) if rows else None

    @classmethod
    def from_row(cls, row: Any) -> Component:
        return cls(**COMPONENT.values(row))


@strawberry.type(description="A place components are deployed to.")
class Environment:
    id: uuid.UUID
    name: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Environment:
        return cls(**ENVIRONMENT.values(row))


@strawberry.type(description="One deployment of a component to an environment.")
class Deployment:
    id: uuid.UUID
    component_id: uuid.UUID
    environment_id: uuid.UUID
    status: DeploymentStatus
    version: str
    started_at: datetime
    finished_at: datetime | None
    # Set by a list that loaded its rows' environments at once (see _environments_of).
    prefetched_environment: strawberry.Private[Environment | None] = None

    @strawberry.field
    async def component(self, info: Info) -> Component:
        row = await info.context.loaders.get(components_by_id).load(self.component_id)
        return Component.from_row(row)

    @strawberry.field(graphql_type=Environment)
    def environment(self, info: Info) -> Environment | Awaitable[Environment]:
        # Synchronous when prefetched: an awaitable per row makes graphql-core gather
        # (a task per row) every list it sits in, which cost more than the load itself.
        if self.prefetched_environment is not None:
            return self.prefetched_environment
        return self._load_environment(info)

    async def _load_environment(self, info: Info) -> Environment:
        row = await info.context.loaders.get(environments_by_id).load(self.environment_id)
        return Environment.from_row(row)

    @classmethod
    def from_row(cls, row: Any, environment: Environment | None = None) -> Deployment:
        return cls(**DEPLOYMENT.values(row), prefetched_environment=environment)


async def _environments_of(info: Info, rows: Sequence[Any]) -> dict[uuid.UUID, Environment]:
    """The environments of deployment rows, one Environment per distinct id. Lists that
    resolve together share one batch (the request's loader), as the per-row loads did."""
    ids = list(dict.fromkeys(row["environment_id"] for row in rows))
    found = await info.context.loaders.get(environments_by_id).load_many(ids)
    return {key: Environment.from_row(row) for key, row in zip(ids, found, strict=True) if row}


# --- what the selection compiler may build (gateway/compiler/spec.py) ------------------
# The resolvers above read the same declarations (from_row): a column named here is the
# field's value on both paths. latestDeployment is left to its resolver (a per-field
# fallback when a compiled component selects it).


def _deployment_arguments(table: Any, arguments: Mapping[str, Any]) -> tuple[list[Any], int]:
    """Component.deployments' arguments, checked as its resolver checks them."""
    first = check_first(arguments["first"])
    status = arguments.get("status")
    if status is None:
        return [], first
    return [table.c.status == getattr(status, "value", status)], first


COMPONENT = compilable(
    Node(
        "Component",
        table_of(ComponentRow),
        {
            "id": Column("id"),
            "name": Column("name"),
            "kind": Column("kind"),
            "lifecycle": Column("lifecycle"),
            "owner": Column("owner"),
            "description": Column("description"),
            "createdAt": Column("created_at"),
            "updatedAt": Column("updated_at"),
            # In the loader's order (resolvers/catalog/loaders.deployments_by_component).
            "deployments": ToMany(
                "Deployment",
                "component_id",
                (("started_at", True), ("id", True)),
                _deployment_arguments,
            ),
        },
    ),
    lambda row: Component.from_row(row),
)
ENVIRONMENT = compilable(
    Node(
        "Environment",
        table_of(EnvironmentRow),
        {"id": Column("id"), "name": Column("name"), "createdAt": Column("created_at")},
    ),
    lambda row: Environment.from_row(row),
)
DEPLOYMENT = compilable(
    Node(
        "Deployment",
        table_of(DeploymentRow),
        {
            "id": Column("id"),
            "componentId": Column("component_id"),
            "environmentId": Column("environment_id"),
            "status": Column("status", enum=DeploymentStatus),
            "version": Column("version"),
            "startedAt": Column("started_at"),
            "finishedAt": Column("finished_at"),
            "component": ToOne("Component", "component_id"),
            "environment": ToOne("Environment", "environment_id"),
        },
    ),
    lambda row: Deployment.from_row(row),
)


@strawberry.type(description="One entry of the audit log.")
class AuditEvent:
    id: uuid.UUID
    family: str = strawberry.field(
        description="The family that wrote it (always `catalog` here: each family lists its own)."
    )
    action: str
    actor_id: uuid.UUID | None
    subject_type: str | None = strawberry.field(
        description="What kind of row it concerns: `component`, `environment` or `deployment` "
        "(null for an event about no single row)."
    )
    subject_id: uuid.UUID | None = strawberry.field(
        description="The id of the row it concerns; the row may have been deleted since."
    )
    component_id: uuid.UUID | None
    created_at: datetime
    details: JSON

    @strawberry.field(description="Who did it (null if the user was removed).")
    async def actor(self, info: Info) -> User | None:
        if self.actor_id is None:
            return None
        row = await info.context.loaders.get(users_by_id).load(self.actor_id)
        return User.from_row(row) if row else None

    @strawberry.field(description="The component it concerns, if it still exists.")
    async def component(self, info: Info) -> Component | None:
        if self.component_id is None:
            return None
        row = await info.context.loaders.get(components_by_id).load(self.component_id)
        return Component.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: Any) -> AuditEvent:
        return cls(**AUDIT_EVENT.values(row))


AUDIT_EVENT = compilable(
    Node(
        "AuditEvent",
        table_of(AuditEventRow),
        {
            "id": Column("id"),
            "family": Column("family"),
            "action": Column("action"),
            "actorId": Column("actor_id"),
            "subjectType": Column("subject_type"),
            "subjectId": Column("subject_id"),
            "componentId": Column("component_id"),
            "createdAt": Column("created_at"),
            "details": Column("details"),
            "actor": ToOne("User", "actor_id", nullable=True),
            "component": ToOne("Component", "component_id", nullable=True),
        },
    ),
    lambda row: AuditEvent.from_row(row),
)


__all__ = ["PageInfo"]  # re-exported for domains that still import it from here
