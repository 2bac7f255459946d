"""``executiveDashboard(days)``: admin only (the seed: "Executive dashboard requires admin
permissions"), with ``agents:read``."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.context import Info
from resolvers.agents.executive.dashboard import executive_dashboard
from resolvers.agents.executive.types import ExecutiveDashboard
from resolvers.agents.guards import ADMIN_READ
from resolvers.common import check_days


@strawberry.type
class ExecutiveQuery:
    @strawberry.field(
        description="Executive KPIs over the last `days` days (admin): scores, bands, trends "
        "against the period before, and the rules' achievements, areas and insights.",
        extensions=ADMIN_READ,
    )
    async def executive_dashboard(
        self,
        info: Info,
        days: Annotated[
            int, strawberry.argument(description="The period's length in days, 1 to 3650.")
        ] = 30,
    ) -> ExecutiveDashboard:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            return await executive_dashboard(conn, org_id, ctx.now, check_days(days))
