"""Recurrence analyses over GraphQL: the list (``incidents:read``), each analysis's
incidents (batched), and ``analyzeRecurrence`` (``incidents:write``), which runs the
analysis in the request (``recurrence.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from gateway.context import Context, Info
from gateway.errors import bad_input
from models.incidents import RECURRENCE_TYPES
from resolvers.batching import one_per_key
from resolvers.common import check_choice
from resolvers.incidents import recurrence
from resolvers.incidents.audit import audit
from resolvers.incidents.incident_schema import INCIDENTS, incidents_of
from resolvers.incidents.incident_types import Incident
from resolvers.incidents.kpi_schema import READ, WRITE
from resolvers.incidents.listing import (
    Listing,
    OffsetPage,
    check_search,
    page_of,
    searched,
)
from resolvers.incidents.recurrence import ANALYSES


async def incidents_by_id(ctx: Context, keys: Sequence[uuid.UUID]) -> list[RowMapping | None]:
    org_id = await ctx.org_id()
    return one_per_key(await ctx.all(incidents_of(org_id).where(INCIDENTS.c.id.in_(keys))), keys)


@strawberry.type(description="Incidents that recur: one service and category, or like titles.")
class RecurrenceAnalysis:
    id: uuid.UUID
    recurrence_type: str = strawberry.field(description="SAME_SERVICE_CATEGORY or SIMILAR_TITLE.")
    confidence_score: float = strawberry.field(
        description="0.8 (same service and category), the least title similarity, or 1.0 "
        "when both hold."
    )
    incident_ids: list[uuid.UUID]
    incident_count: int
    service: str | None
    category: str | None
    first_occurrence: datetime
    last_occurrence: datetime
    is_resolved: bool = strawberry.field(description="Every incident of it is resolved.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> RecurrenceAnalysis:
        return cls(
            id=row["id"],
            recurrence_type=row["recurrence_type"],
            confidence_score=row["confidence_score"],
            incident_ids=[uuid.UUID(i) for i in row["incident_ids"]],
            incident_count=row["incident_count"],
            service=row["service"],
            category=row["category"],
            first_occurrence=row["first_occurrence"],
            last_occurrence=row["last_occurrence"],
            is_resolved=row["is_resolved"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    @strawberry.field(description="Its incidents, oldest first (batched).")
    async def incidents(self, info: Info) -> list[Incident]:
        rows = await info.context.loaders.get(incidents_by_id).load_many(self.incident_ids)
        return [Incident.from_row(row) for row in rows if row is not None]


@strawberry.type(description="What a recurrence analysis found.")
class RecurrenceRun:
    groups: int
    incidents: int = strawberry.field(description="Incidents it looked at.")


ORDERING = {
    name: ANALYSES.c[name]
    for name in (
        "recurrence_type",
        "confidence_score",
        "incident_count",
        "first_occurrence",
        "last_occurrence",
        "created_at",
    )
}
LISTING = Listing(ORDERING, [ANALYSES.c.last_occurrence.desc()], ANALYSES.c.id)


@strawberry.type
class RecurrenceQuery:
    @strawberry.field(
        description="Recurrence analyses, latest occurrence first unless `ordering` says "
        "otherwise; `search` looks in service and category.",
        extensions=READ,
    )
    async def recurrence_analyses(
        self,
        info: Info,
        first: int = 20,
        offset: int = 0,
        ordering: str | None = None,
        search: str | None = None,
        recurrence_type: str | None = None,
        min_confidence: float | None = None,
        is_resolved: bool | None = None,
    ) -> OffsetPage[RecurrenceAnalysis]:
        statement = recurrence_statement(await info.context.org_id())
        if check_choice(recurrence_type, RECURRENCE_TYPES, "recurrenceType") is not None:
            statement = statement.where(ANALYSES.c.recurrence_type == recurrence_type)
        if min_confidence is not None:
            if not 0 <= min_confidence <= 1:
                raise bad_input("minConfidence must be from 0 to 1", argument="minConfidence")
            statement = statement.where(ANALYSES.c.confidence_score >= min_confidence)
        if is_resolved is not None:
            statement = statement.where(ANALYSES.c.is_resolved.is_(is_resolved))
        statement = searched(
            statement,
            check_search(search, ANALYSES.c.service),
            (ANALYSES.c.service, ANALYSES.c.category),
        )
        return await page_of(
            info,
            statement,
            LISTING,
            RecurrenceAnalysis.from_row,
            first=first,
            offset=offset,
            ordering=ordering,
        )


def recurrence_statement(org_id: uuid.UUID) -> Any:
    return select(ANALYSES).where(ANALYSES.c.org_id == org_id)


@strawberry.type
class RecurrenceMutation:
    @strawberry.mutation(
        description="Group the incidents of the last `days` days (default 90) into "
        "recurrences now, updating the groups found before (incidents:write).",
        extensions=WRITE,
    )
    async def analyze_recurrence(
        self, info: Info, days: int = recurrence.DEFAULT_DAYS
    ) -> RecurrenceRun:
        if not 1 <= days <= recurrence.MAX_DAYS:
            raise bad_input(f"days must be from 1 to {recurrence.MAX_DAYS}", argument="days")
        ctx, principal = info.context, await info.context.principal()
        async with ctx.writing() as conn:
            done = await recurrence.analyse(conn, org_id=principal.org_id, now=ctx.now, days=days)
            await audit(
                conn,
                principal,
                ctx.now,
                "ANALYZE_RECURRENCE",
                None,
                {"days": days, "groups": done.groups},
            )
        return RecurrenceRun(groups=done.groups, incidents=done.incidents)
