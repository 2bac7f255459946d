"""The catalog domain's root fields."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from sqlmodel import col

from gateway.compiler.build import Keyset
from gateway.compiler.run import compiled_row, compiled_rows
from gateway.context import Info
from gateway.permissions import requires
from gateway.sql import table_of
from models.audit import AuditEvent as AuditEventRow
from models.catalog import LIFECYCLES, Component, Deployment, Environment
from resolvers.catalog import lists, queries
from resolvers.catalog.analytics_types import CatalogHealth, Dora, Usage
from resolvers.catalog.loaders import components_by_id
from resolvers.catalog.mutations import Mutation
from resolvers.catalog.types import AuditEvent, DeploymentStatus
from resolvers.catalog.types import Component as ComponentType
from resolvers.catalog.types import Deployment as DeploymentType
from resolvers.catalog.types import Environment as EnvironmentType
from resolvers.common import check_choice, check_days, check_first, check_moment, check_text
from resolvers.pagination import Connection, compiled_or_read

READ = "catalog:read"


@strawberry.type
class Query:
    @strawberry.field(description="One component by id.", extensions=requires(scope=READ))
    async def component(self, info: Info, id: uuid.UUID) -> ComponentType | None:
        org_id = await info.context.org_id()
        table = table_of(Component)
        compiled = await compiled_row(
            info, org_id, table, [table.c.org_id == org_id, table.c.id == id]
        )
        if compiled is not None:
            return compiled  # type: ignore[return-value]
        row = await info.context.loaders.get(components_by_id).load(id)
        return ComponentType.from_row(row) if row else None

    @strawberry.field(
        description="Components in name order, filtered and keyset-paginated.",
        extensions=requires(scope=READ),
    )
    async def components(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        kind: str | None = None,
        lifecycle: str | None = None,
        owner: str | None = None,
        search: Annotated[
            str | None, strawberry.argument(description="Part of the name, case-insensitive.")
        ] = None,
    ) -> Connection[ComponentType]:
        ctx = info.context
        org_id = await ctx.org_id()
        first = check_first(first)
        filters = {
            "after": after,
            "kind": check_text(kind, col(Component.kind), "kind"),
            "lifecycle": check_choice(lifecycle, LIFECYCLES, "lifecycle"),
            "owner": check_text(owner, col(Component.owner), "owner"),
            # Part of a name: a longer search could match nothing.
            "search": check_text(search, col(Component.name), "search"),
        }
        keyset = Keyset(
            table_of(Component),
            lists.component_conditions(org_id=org_id, **filters),
            lists.COMPONENT_ORDER,
            lists.COMPONENT_CURSOR,
            first,
        )
        return await compiled_or_read(
            info,
            org_id,
            keyset,
            ComponentType.from_row,
        )

    @strawberry.field(description="All environments, by name.", extensions=requires(scope=READ))
    async def environments(self, info: Info) -> list[EnvironmentType]:
        ctx = info.context
        org_id = await ctx.org_id()
        table = table_of(Environment)
        where, order = [table.c.org_id == org_id], [table.c.name]
        compiled = await compiled_rows(info, org_id, table, where, order)
        if compiled is not None:
            return compiled  # type: ignore[return-value]
        rows = await ctx.all(select(*table.c).where(*where).order_by(*order))
        return [EnvironmentType.from_row(row) for row in rows]

    @strawberry.field(
        description="Deployments, newest first, filtered and keyset-paginated.",
        extensions=requires(scope=READ),
    )
    async def deployments(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        component_id: uuid.UUID | None = None,
        environment_id: uuid.UUID | None = None,
        status: DeploymentStatus | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Connection[DeploymentType]:
        ctx = info.context
        org_id = await ctx.org_id()
        first = check_first(first)
        filters: dict[str, Any] = {
            "after": after,
            "component_id": component_id,
            "environment_id": environment_id,
            "status": status.value if status else None,
            "since": check_moment(since, "since"),
            "until": check_moment(until, "until"),
        }
        keyset = Keyset(
            table_of(Deployment),
            lists.deployment_conditions(org_id=org_id, **filters),
            lists.DEPLOYMENT_ORDER,
            lists.DEPLOYMENT_CURSOR,
            first,
        )
        return await compiled_or_read(
            info,
            org_id,
            keyset,
            DeploymentType.from_row,
        )

    @strawberry.field(description="The audit log, newest first.", extensions=requires(scope=READ))
    async def audit_events(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        action: str | None = None,
        component_id: uuid.UUID | None = None,
    ) -> Connection[AuditEvent]:
        ctx = info.context
        org_id = await ctx.org_id()
        first = check_first(first)
        filters: dict[str, Any] = {
            "after": after,
            "action": check_text(action, col(AuditEventRow.action), "action"),
            "component_id": component_id,
        }
        keyset = Keyset(
            table_of(AuditEventRow),
            lists.audit_event_conditions(org_id=org_id, **filters),
            lists.AUDIT_EVENT_ORDER,
            lists.AUDIT_EVENT_CURSOR,
            first,
        )
        return await compiled_or_read(
            info,
            org_id,
            keyset,
            AuditEvent.from_row,
        )

    @strawberry.field(
        description="Ownership coverage, lifecycle and kind distributions of the catalog.",
        extensions=requires(scope=READ),
    )
    async def catalog_health(self, info: Info) -> CatalogHealth:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            data = await queries.catalog_health(conn, org_id=org_id)
        return CatalogHealth.from_data(data)

    @strawberry.field(
        description="DORA metrics over the last `days` days (1 to 3650), optionally for one "
        "component and/or environment.",
        extensions=requires(scope=READ),
    )
    async def dora(
        self,
        info: Info,
        days: int = 30,
        component_id: uuid.UUID | None = None,
        environment_id: uuid.UUID | None = None,
    ) -> Dora:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            data = await queries.dora(
                conn,
                org_id=org_id,
                now=ctx.now,
                days=check_days(days),
                component_id=component_id,
                environment_id=environment_id,
            )
        return Dora.from_data(data)

    @strawberry.field(
        description="Platform activity from the audit log over the last `days` days.",
        extensions=requires(scope=READ),
    )
    async def usage(self, info: Info, days: int = 30) -> Usage:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            data = await queries.usage(conn, org_id=org_id, now=ctx.now, days=check_days(days))
        return Usage.from_data(data)


__all__ = ["Mutation", "Query"]
