"""The Incident GraphQL type. Relations (its component, its cost analyses) are batched per
request; each side adds its fields in its own section below."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from gateway.context import Info
from resolvers.catalog.loaders import components_by_id
from resolvers.catalog.types import Component
from resolvers.incidents.cost_types import CostAnalysis, costs_by_incident


@strawberry.type(description="An incident of the incident platform (seed 001).")
class Incident:
    id: uuid.UUID
    title: str
    description: str | None
    category: str
    severity: str = strawberry.field(description="LOW, MEDIUM, HIGH or CRITICAL.")
    priority: str = strawberry.field(description="P1 (most urgent) to P4.")
    status: str = strawberry.field(
        description="OPEN, ACKNOWLEDGED, IN_PROGRESS, RESOLVED or CLOSED."
    )
    service: str
    component_id: uuid.UUID | None
    created_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    escalation_count: int
    reopened_count: int
    affected_users: int
    downtime_minutes: int
    created_by: uuid.UUID | None

    @classmethod
    def from_row(cls, row: Any) -> Incident:
        return cls(**{name: row[name] for name in _FIELDS})

    @strawberry.field(description="The catalog component it concerns, if any (batched).")
    async def component(self, info: Info) -> Component | None:
        if self.component_id is None:
            return None
        row = await info.context.loaders.get(components_by_id).load(self.component_id)
        return None if row is None else Component.from_row(row)

    @strawberry.field(description="Its cost impact analyses, oldest first (batched).")
    async def cost_analyses(self, info: Info) -> list[CostAnalysis]:
        rows = await info.context.loaders.get(costs_by_incident).load(self.id)
        return [CostAnalysis.from_row(row) for row in rows]


_FIELDS = [
    "id",
    "title",
    "description",
    "category",
    "severity",
    "priority",
    "status",
    "service",
    "component_id",
    "created_at",
    "acknowledged_at",
    "resolved_at",
    "escalation_count",
    "reopened_count",
    "affected_users",
    "downtime_minutes",
    "created_by",
]
