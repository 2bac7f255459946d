"""The heatmap root field (``incidents:read``); the rules are in ``heatmaps.py``."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from gateway.context import Info
from resolvers.common import check_choice, check_days
from resolvers.incidents import heatmaps
from resolvers.incidents.kpi_schema import READ


@strawberry.type(description="One cell: x and y as the granularity defines them.")
class HeatmapCell:
    x: JSON = strawberry.field(description="HOUR: 0-23; DAY: YYYY-MM-DD; WEEK: YYYY-Www.")
    y: JSON = strawberry.field(
        description="HOUR: weekday 0 (Monday)-6; DAY: severity; WEEK: category."
    )
    value: float = strawberry.field(
        description="Incidents; mean resolution hours; or summed USD cost."
    )


@strawberry.type(description="A heatmap of one type at one granularity.")
class Heatmap:
    heatmap_type: str
    time_granularity: str
    period_start: datetime
    period_end: datetime
    cells: list[HeatmapCell]
    max_value: float


@strawberry.type
class HeatmapQuery:
    @strawberry.field(
        description="Heatmaps of the incidents created in the last `days` days (default "
        "30; less than 1 means 30): one per type x granularity asked (all when null).",
        extensions=READ,
    )
    async def heatmap(
        self,
        info: Info,
        heatmap_type: str | None = None,
        time_granularity: str | None = None,
        days: int = 30,
    ) -> list[Heatmap]:
        check_choice(heatmap_type, heatmaps.HEATMAP_TYPES, "heatmapType")
        check_choice(time_granularity, heatmaps.GRANULARITIES, "timeGranularity")
        start, end = heatmaps.window(info.context.now, check_days(days if days >= 1 else 30))
        org_id = await info.context.org_id()
        answer = []
        for kind in [heatmap_type] if heatmap_type else heatmaps.HEATMAP_TYPES:
            for granularity in [time_granularity] if time_granularity else heatmaps.GRANULARITIES:
                rows = await info.context.all(
                    heatmaps.statement(org_id, kind, granularity, start, end)
                )
                drawn = heatmaps.heatmap(kind, granularity, start, end, rows)
                answer.append(
                    Heatmap(
                        heatmap_type=drawn.heatmap_type,
                        time_granularity=drawn.time_granularity,
                        period_start=drawn.period_start,
                        period_end=drawn.period_end,
                        cells=[HeatmapCell(x=c.x, y=c.y, value=c.value) for c in drawn.cells],
                        max_value=drawn.max_value,
                    )
                )
        return answer
