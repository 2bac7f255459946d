"""The incidents' root fields (scope ``incidents:read``): a DRF-style list and one
incident. Filters left null match everything; an unknown enum value is a 400."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import select

from gateway.context import Info
from gateway.permissions import requires
from gateway.sql import table_of
from models.incidents import INCIDENT_STATUSES, PRIORITIES, SEVERITIES
from models.incidents import Incident as IncidentRow
from resolvers.common import check_choice, check_moment, check_text
from resolvers.incidents.incident_types import Incident
from resolvers.incidents.listing import (
    Listing,
    OffsetPage,
    check_search,
    page_of,
    searched,
)
from resolvers.incidents.scopes import INCIDENTS_READ

INCIDENTS = table_of(IncidentRow)

# What `ordering` may name: the listed fields a reader sorts by.
ORDERING = {
    name: INCIDENTS.c[name]
    for name in (
        "created_at",
        "acknowledged_at",
        "resolved_at",
        "title",
        "category",
        "severity",
        "priority",
        "status",
        "service",
        "escalation_count",
        "affected_users",
        "downtime_minutes",
    )
}
LISTING = Listing(ORDERING, [INCIDENTS.c.created_at.desc()], INCIDENTS.c.id)
SEARCHED = (INCIDENTS.c.title, INCIDENTS.c.description, INCIDENTS.c.service)


def incidents_of(org_id: uuid.UUID) -> Any:
    return select(INCIDENTS).where(INCIDENTS.c.org_id == org_id)


@strawberry.type
class IncidentQuery:
    @strawberry.field(
        description="The organisation's incidents, newest first unless `ordering` says "
        "otherwise (DRF's ordering: field names, `-` for descending).",
        extensions=requires(scope=INCIDENTS_READ),
    )
    async def incidents(
        self,
        info: Info,
        first: int = 20,
        offset: int = 0,
        ordering: str | None = None,
        search: str | None = None,
        status: str | None = None,
        severity: str | None = None,
        priority: str | None = None,
        category: str | None = None,
        service: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
    ) -> OffsetPage[Incident]:
        statement = incidents_of(await info.context.org_id())
        for column, value in (
            ("status", check_choice(status, INCIDENT_STATUSES, "status")),
            ("severity", check_choice(severity, SEVERITIES, "severity")),
            ("priority", check_choice(priority, PRIORITIES, "priority")),
            ("category", check_text(category, INCIDENTS.c.category, "category")),
            ("service", check_text(service, INCIDENTS.c.service, "service")),
        ):
            if value is not None:
                statement = statement.where(INCIDENTS.c[column] == value)
        after = check_moment(created_after, "createdAfter")
        if after is not None:
            statement = statement.where(INCIDENTS.c.created_at >= after)
        before = check_moment(created_before, "createdBefore")
        if before is not None:
            statement = statement.where(INCIDENTS.c.created_at < before)
        statement = searched(statement, check_search(search, INCIDENTS.c.title), SEARCHED)
        return await page_of(
            info,
            statement,
            LISTING,
            Incident.from_row,
            first=first,
            offset=offset,
            ordering=ordering,
        )

    @strawberry.field(
        description="One incident of the organisation, or null.",
        extensions=requires(scope=INCIDENTS_READ),
    )
    async def incident(self, info: Info, id: uuid.UUID) -> Incident | None:
        row = await info.context.one_or_none(
            incidents_of(await info.context.org_id()).where(INCIDENTS.c.id == id)
        )
        return None if row is None else Incident.from_row(row)
