"""The ``predictiveTrends`` root field (seed 004's ``/predictive/trends``); what it
computes is in ``forecast.py``."""

from __future__ import annotations

import strawberry

from gateway.context import Info
from resolvers.agents import forecast
from resolvers.agents.forecast_types import PredictiveTrends
from resolvers.agents.guards import READ


@strawberry.type
class ForecastQuery:
    @strawberry.field(
        description="The next 7 days of high-risk actions and of the 5 busiest agents' "
        "work, and yesterday's outliers, from the last 28 UTC days; below 4 days of data, "
        "the progress of collecting it.",
        extensions=READ,
    )
    async def predictive_trends(self, info: Info) -> PredictiveTrends:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            found = await forecast.history(conn, org_id=org_id, now=ctx.now)
        # Fitted after the connection is handed back: other loaders need not wait.
        return await forecast.predict(found, now=ctx.now)
