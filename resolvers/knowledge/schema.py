"""The knowledge domain's root fields: entries, bus factor and staleness.

Every field needs the Growth plan or higher (403 PLAN_UPGRADE_REQUIRED, feature
"analytics"), the ``knowledge:read`` scope and the manager role or higher, read live from
the database on each request. Semantics are in ``resolvers/knowledge/queries.py``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import strawberry

from gateway.compiler.build import Keyset
from gateway.compiler.run import compiled_row
from gateway.context import Info
from gateway.errors import not_found
from gateway.permissions import requires
from gateway.sql import table_of
from models.knowledge import ENTRY_STATUSES
from models.knowledge import KnowledgeEntry as KnowledgeEntryRow
from resolvers.common import check_choice, check_first
from resolvers.knowledge import lists, queries, staleness
from resolvers.knowledge.loaders import entries_by_id
from resolvers.knowledge.mutations import Mutation
from resolvers.knowledge.types import (
    PLAN,
    READ,
    BusFactorCritical,
    BusFactorSummary,
    Days,
    DepartmentRiskScore,
    KnowledgeEntry,
    PersonRiskScore,
    StaleEntryList,
    StalenessStats,
)
from resolvers.pagination import Connection, compiled_or_read

GUARD = {"role": "manager", "scope": READ, **PLAN}


@strawberry.type
class Query:
    @strawberry.field(description="One knowledge entry by id.", extensions=requires(**GUARD))
    async def knowledge_entry(self, info: Info, id: uuid.UUID) -> KnowledgeEntry | None:
        org_id = await info.context.org_id()
        table = table_of(KnowledgeEntryRow)
        where = [table.c.org_id == org_id, table.c.id == id]
        compiled = await compiled_row(info, org_id, table, where)
        if compiled is not None:
            return compiled  # type: ignore[return-value]
        row = await info.context.loaders.get(entries_by_id).load(id)
        return KnowledgeEntry.from_row(row) if row else None

    @strawberry.field(
        description="Knowledge entries, newest first, filtered and keyset-paginated.",
        extensions=requires(**GUARD),
    )
    async def knowledge_entries(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        status: Annotated[
            str | None, strawberry.argument(description="active, needs_review or archived.")
        ] = None,
        department_id: uuid.UUID | None = None,
        author_id: Annotated[
            uuid.UUID | None, strawberry.argument(description="Entries this user authors.")
        ] = None,
    ) -> Connection[KnowledgeEntry]:
        ctx = info.context
        org_id = await ctx.org_id()
        first = check_first(first)
        filters: dict[str, Any] = {
            "after": after,
            "status": check_choice(status, ENTRY_STATUSES, "status"),
            "department_id": department_id,
            "author_id": author_id,
        }
        keyset = Keyset(
            table_of(KnowledgeEntryRow),
            lists.entry_conditions(org_id=org_id, **filters),
            lists.ENTRY_ORDER,
            lists.ENTRY_CURSOR,
            first,
        )
        return await compiled_or_read(
            info,
            org_id,
            keyset,
            KnowledgeEntry.from_row,
        )

    @strawberry.field(
        description="Bus-factor risk of every person and department of the organisation.",
        extensions=requires(**GUARD),
    )
    async def bus_factor(self, info: Info) -> BusFactorSummary:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            data = await queries.bus_factor(conn, org_id=org_id)
        return BusFactorSummary.from_data(data)

    @strawberry.field(
        description="One person's bus-factor risk; NOT_FOUND outside the organisation.",
        extensions=requires(**GUARD),
    )
    async def bus_factor_person(self, info: Info, user_id: uuid.UUID) -> PersonRiskScore:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            data = await queries.bus_factor_person(conn, org_id=org_id, user_id=user_id)
        if data is None:
            raise not_found("user")
        return PersonRiskScore(**data)

    @strawberry.field(
        description="One department's concentration and top holders; NOT_FOUND outside the "
        "organisation.",
        extensions=requires(**GUARD),
    )
    async def bus_factor_department(
        self, info: Info, department_id: uuid.UUID
    ) -> DepartmentRiskScore:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            data = await queries.bus_factor_department(
                conn, org_id=org_id, department_id=department_id
            )
        if data is None:
            raise not_found("department")
        return DepartmentRiskScore.from_data(data)

    @strawberry.field(
        description="Only the people and departments at critical risk.",
        extensions=requires(**GUARD),
    )
    async def bus_factor_critical(self, info: Info) -> BusFactorCritical:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            data = await queries.bus_factor_critical(conn, org_id=org_id)
        return BusFactorCritical.from_data(data)

    @strawberry.field(
        description="Non-archived entries not reviewed (or, if never, created) within `days`: "
        "the `first` (1 to 500) longest unreviewed, and how many there are in all.",
        extensions=requires(**GUARD),
    )
    async def stale_entries(self, info: Info, days: Days = 30, first: int = 20) -> StaleEntryList:
        ctx = info.context
        org_id = await ctx.org_id()
        days, first = staleness.threshold(days), check_first(first)
        async with ctx.reading() as conn:
            data = await staleness.stale_entries(
                conn, org_id=org_id, now=ctx.now, days=days, first=first
            )
        return StaleEntryList.from_data(data)

    @strawberry.field(
        description="Entry counts by status, stale count and percentage, mean days since review.",
        extensions=requires(**GUARD),
    )
    async def staleness_stats(self, info: Info, days: Days = 30) -> StalenessStats:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            data = await staleness.staleness_stats(
                conn, org_id=org_id, now=ctx.now, days=staleness.threshold(days)
            )
        return StalenessStats(**data)


__all__ = ["Mutation", "Query"]
