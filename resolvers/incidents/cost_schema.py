"""Cost impact root fields (``incidents:read``) and mutations (``incidents:write``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import strawberry
from sqlalchemy import select
from strawberry.scalars import JSON

from gateway.context import Info
from gateway.errors import bad_input
from gateway.validation import validated
from models.incidents import COST_TYPES, CostAnalysisCreate
from resolvers.common import check_choice, check_moment, check_text, given
from resolvers.incidents import cost_reads, cost_service
from resolvers.incidents.cost_reads import COSTS, CostFilter
from resolvers.incidents.cost_types import CostAnalysis, CostSummary
from resolvers.incidents.kpi_schema import READ, WRITE
from resolvers.incidents.listing import (
    Listing,
    OffsetPage,
    check_search,
    compiled_or_page,
    search_condition,
)

ORDERING = {
    name: COSTS.c[name]
    for name in (
        "cost_type",
        "cost_amount",
        "currency",
        "downtime_hours",
        "affected_users",
        "revenue_impact",
        "is_validated",
        "created_at",
        "updated_at",
    )
}
LISTING = Listing(ORDERING, [COSTS.c.created_at.desc()], COSTS.c.id)
SEARCHED = (COSTS.c.calculation_method, COSTS.c.business_unit, COSTS.c.validation_notes)


def _filter(
    cost_type: str | None,
    is_validated: bool | None,
    start_date: datetime | None,
    end_date: datetime | None,
) -> CostFilter:
    return CostFilter(
        cost_type=check_choice(cost_type, COST_TYPES, "costType"),
        is_validated=is_validated,
        start=check_moment(start_date, "startDate"),
        end=check_moment(end_date, "endDate"),
    )


def _currency(currency: str) -> str:
    if len(currency) != 3 or not (currency.isascii() and currency.isalpha() and currency.isupper()):
        raise bad_input("currency must be three capital letters (ISO 4217)", argument="currency")
    return currency


@strawberry.type
class CostQuery:
    @strawberry.field(
        description="The organisation's cost analyses, newest first unless `ordering` says "
        "otherwise; `startDate`/`endDate` bound their creation time.",
        extensions=READ,
    )
    async def cost_analyses(
        self,
        info: Info,
        first: int = 20,
        offset: int = 0,
        ordering: str | None = None,
        search: str | None = None,
        cost_type: str | None = None,
        is_validated: bool | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
    ) -> OffsetPage[CostAnalysis]:
        where = _filter(cost_type, is_validated, start_date, end_date)
        org_id = await info.context.org_id()
        conditions = [COSTS.c.org_id == org_id, *where.conditions()]
        found = search_condition(check_search(search, COSTS.c.business_unit), SEARCHED)
        if found is not None:
            conditions.append(found)
        return await compiled_or_page(
            info,
            org_id,
            select(COSTS).where(*conditions),
            LISTING,
            CostAnalysis.from_row,
            first=first,
            offset=offset,
            ordering=ordering,
        )

    @strawberry.field(
        description="The cost of the analyses matching the filters in one currency (USD "
        "by default): sums by type, and hours and users over distinct incidents.",
        extensions=READ,
    )
    async def cost_summary(
        self,
        info: Info,
        currency: str = "USD",
        cost_type: str | None = None,
        is_validated: bool | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
    ) -> CostSummary:
        where = _filter(cost_type, is_validated, start_date, end_date)
        org_id = await info.context.org_id()
        row = await info.context.one_or_none(
            cost_reads.summary_statement(org_id, _currency(currency), where)
        )
        return CostSummary(**vars(cost_reads.summary(row, currency)))


@strawberry.input(description="A cost impact analysis of one incident.")
class CostAnalysisInput:
    incident_id: uuid.UUID
    cost_type: str = strawberry.field(description=", ".join(COST_TYPES) + ".")
    cost_amount: Decimal = strawberry.field(description="At least 0, four decimals at most.")
    currency: str = "USD"
    calculation_method: str | None = None
    calculation_details: JSON | None = strawberry.UNSET
    downtime_hours: Decimal = Decimal(0)
    affected_users: int = 0
    revenue_impact: Decimal = Decimal(0)
    business_unit: str | None = None
    service_tier: str | None = None


@strawberry.type
class CostMutation:
    @strawberry.mutation(
        description="Record what an incident cost (incidents:write).", extensions=WRITE
    )
    async def create_cost_analysis(self, info: Info, input: CostAnalysisInput) -> CostAnalysis:
        ctx, principal = info.context, await info.context.principal()
        values = given(input)
        if values.get("calculation_details") is None:
            values.pop("calculation_details", None)
        data = validated(CostAnalysisCreate, values)
        async with ctx.writing() as conn:
            row = await cost_service.create_cost(
                conn,
                org_id=principal.org_id,
                actor=principal,
                now=ctx.now,
                data=data,
                alert_threshold=ctx.settings.cost_alert_threshold,
            )
        return CostAnalysis.from_row(row)

    @strawberry.mutation(
        description="Mark a cost analysis validated by the caller, with notes (incidents:write).",
        extensions=WRITE,
    )
    async def validate_cost_analysis(
        self, info: Info, id: uuid.UUID, notes: str | None = None
    ) -> CostAnalysis:
        ctx, principal = info.context, await info.context.principal()
        check_text(notes, COSTS.c.validation_notes, "notes")
        async with ctx.writing() as conn:
            row = await cost_service.validate_cost(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, cost_id=id, notes=notes
            )
        return CostAnalysis.from_row(row)
