"""The cost impact analysis GraphQL types. Amounts are text with two decimals, as the
REST dialect renders them ("75000.00")."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy.engine import RowMapping
from strawberry.scalars import JSON

from gateway.compiler.spec import Node, compilable
from gateway.context import Context
from gateway.rounding import decimal_string
from gateway.sql import table_of
from models.incidents import CostAnalysis as CostRow
from resolvers.batching import all_per_key
from resolvers.incidents import cost_reads
from resolvers.incidents.listing import columns_named


@strawberry.type(description="What an incident cost, of one kind.")
class CostAnalysis:
    id: uuid.UUID
    incident_id: uuid.UUID
    cost_type: str = strawberry.field(
        description="DOWNTIME, LOST_REVENUE, PENALTY, RESOURCE_COST, REPUTATION_COST or "
        "COMPLIANCE_COST."
    )
    cost_amount: str = strawberry.field(description="Two decimals, as text.")
    currency: str
    calculation_method: str | None
    calculation_details: JSON
    downtime_hours: str = strawberry.field(description="Two decimals, as text.")
    affected_users: int
    revenue_impact: str = strawberry.field(description="Two decimals, as text.")
    business_unit: str | None
    service_tier: str | None
    is_validated: bool
    validated_by: uuid.UUID | None
    validated_at: datetime | None
    validation_notes: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> CostAnalysis:
        return cls(
            **COST.values(row),
            cost_amount=decimal_string(row["cost_amount"], 2),
            downtime_hours=decimal_string(row["downtime_hours"], 2),
            revenue_impact=decimal_string(row["revenue_impact"], 2),
        )


# What the selection compiler may build (gateway/compiler/spec.py); from_row reads it.
# Left to the resolvers: costAmount, downtimeHours and revenueImpact (decimals written
# as text), non-null, so selecting one sends the root field to the resolver path.
COST = compilable(
    Node(
        "CostAnalysis",
        table_of(CostRow),
        columns_named(
            "id",
            "incident_id",
            "cost_type",
            "currency",
            "calculation_method",
            "calculation_details",
            "affected_users",
            "business_unit",
            "service_tier",
            "is_validated",
            "validated_by",
            "validated_at",
            "validation_notes",
            "created_at",
            "updated_at",
        ),
    ),
    lambda row: CostAnalysis.from_row(row),
)


@strawberry.type(description="The cost of the incidents matching the filters, in one currency.")
class CostSummary:
    total_cost: str = strawberry.field(description="Every type's sum.")
    currency: str
    downtime_cost: str
    lost_revenue: str
    penalty_cost: str
    resource_cost: str
    total_downtime_hours: str = strawberry.field(
        description="Over distinct incidents, each incident's largest value; one decimal."
    )
    total_affected_users: int = strawberry.field(
        description="Over distinct incidents, each incident's largest value."
    )
    cost_per_hour: str = strawberry.field(description="total_cost / total_downtime_hours.")
    cost_per_user: str = strawberry.field(description="total_cost / total_affected_users.")


async def costs_by_incident(ctx: Context, keys: Sequence[uuid.UUID]) -> list[list[RowMapping]]:
    """Each incident's cost analyses, oldest first."""
    org_id = await ctx.org_id()
    return all_per_key(
        await ctx.all(cost_reads.costs_by_incident(org_id, keys)), keys, "incident_id"
    )
