"""The guardian side's root fields: guardians, and their verdict analytics."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import strawberry

from gateway.compiler.build import Keyset
from gateway.compiler.run import compiled_row
from gateway.context import Info
from gateway.permissions import requires
from gateway.sql import table_of
from models.governance import ENVIRONMENTS
from models.governance import Guardian as GuardianRow
from resolvers.common import check_choice, check_first
from resolvers.governance import guardian_analytics, guardian_lists
from resolvers.governance.guardian_types import (
    GovernancePoint,
    GovernanceSummary,
    GovernanceTimeseries,
    GuardianRollup,
    GuardianRollupRow,
    point_of,
)
from resolvers.governance.loaders import guardians_by_id
from resolvers.governance.types import LOGS_READ, Guardian
from resolvers.governance.window import Filters, From, To, Window, filters, window
from resolvers.pagination import Connection, compiled_or_read

Bucket = Annotated[str, strawberry.argument(description="1m, 5m, 15m, 1h or 1d.")]
# As on REST, where every path takes the common parameters: a path that lists no buckets
# is still bounded to 1,440 of them (so 1h, the default, allows 60 days).
WindowBucket = Annotated[
    str, strawberry.argument(description="1m, 5m, 15m, 1h or 1d: bounds the window only.")
]
Environment = Annotated[str | None, strawberry.argument(description="live, test or dev.")]
Tag = Annotated[str | None, strawberry.argument(description="Only events with this tag.")]
Metric = Annotated[
    str, strawberry.argument(description="verdicts, latency, corrections or violations.")
]


def _checked(
    info: Info,
    from_: datetime | None,
    to: datetime | None,
    bucket: str,
    guardian_id: uuid.UUID | None,
    environment: str | None,
    tag: str | None,
) -> tuple[Window, Filters]:
    return window(info.context.now, from_, to, bucket), filters(guardian_id, environment, tag)


@strawberry.type
class GuardianQuery:
    @strawberry.field(
        description="The organisation's guardians by name.", extensions=requires(scope=LOGS_READ)
    )
    async def guardians(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        environment: Annotated[
            str | None, strawberry.argument(description="live, test or dev.")
        ] = None,
        is_active: bool | None = None,
    ) -> Connection[Guardian]:
        ctx = info.context
        org_id = await ctx.org_id()
        first = check_first(first)
        filters: dict[str, Any] = {
            "after": after,
            "environment": check_choice(environment, ENVIRONMENTS, "environment"),
            "is_active": is_active,
        }
        keyset = Keyset(
            table_of(GuardianRow),
            guardian_lists.guardian_conditions(org_id=org_id, **filters),
            guardian_lists.GUARDIAN_ORDER,
            guardian_lists.GUARDIAN_CURSOR,
            first,
        )
        return await compiled_or_read(
            info,
            org_id,
            keyset,
            Guardian.from_row,
        )

    @strawberry.field(
        description="One guardian; null outside the organisation.",
        extensions=requires(scope=LOGS_READ),
    )
    async def guardian(self, info: Info, id: uuid.UUID) -> Guardian | None:
        org_id = await info.context.org_id()
        table = table_of(GuardianRow)
        compiled = await compiled_row(
            info, org_id, table, [table.c.org_id == org_id, table.c.id == id]
        )
        if compiled is not None:
            return compiled  # type: ignore[return-value]
        row = await info.context.loaders.get(guardians_by_id).load(id)
        return Guardian.from_row(row) if row else None

    @strawberry.field(
        description="Verdict counts, rates and latency percentiles over the window.",
        extensions=requires(scope=LOGS_READ),
    )
    async def governance_summary(
        self,
        info: Info,
        from_: From = None,
        to: To = None,
        bucket: WindowBucket = "1h",
        guardian_id: uuid.UUID | None = None,
        environment: Environment = None,
        tag: Tag = None,
    ) -> GovernanceSummary:
        checked, chosen = _checked(info, from_, to, bucket, guardian_id, environment, tag)
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            stats = await guardian_analytics.summary(
                conn, org_id=org_id, window=checked, filters=chosen
            )
        return GovernanceSummary.of(checked, stats)

    @strawberry.field(
        description="A zero-filled series of buckets over the window, oldest first.",
        extensions=requires(scope=LOGS_READ),
    )
    async def governance_timeseries(
        self,
        info: Info,
        metric: Metric = "verdicts",
        bucket: Bucket = "1h",
        from_: From = None,
        to: To = None,
        guardian_id: uuid.UUID | None = None,
        environment: Environment = None,
        tag: Tag = None,
    ) -> GovernanceTimeseries:
        checked_metric = check_choice(metric, guardian_analytics.METRICS, "metric")
        assert checked_metric is not None  # a str in, a str out
        checked, chosen = _checked(info, from_, to, bucket, guardian_id, environment, tag)
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            points = await guardian_analytics.timeseries(
                conn, org_id=org_id, window=checked, filters=chosen, metric=checked_metric
            )
        series: list[GovernancePoint] = [point_of(checked_metric, p) for p in points]
        return GovernanceTimeseries(
            metric=checked_metric,
            bucket=checked.bucket,
            from_=checked.start,
            to=checked.end,
            series=series,
        )

    @strawberry.field(
        description="One row per guardian with a verdict in the window, by requests "
        "descending, then name.",
        extensions=requires(scope=LOGS_READ),
    )
    async def guardian_rollup(
        self,
        info: Info,
        from_: From = None,
        to: To = None,
        bucket: WindowBucket = "1h",
        guardian_id: uuid.UUID | None = None,
        environment: Environment = None,
        tag: Tag = None,
    ) -> GuardianRollup:
        checked, chosen = _checked(info, from_, to, bucket, guardian_id, environment, tag)
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            rows = await guardian_analytics.by_guardian(
                conn, org_id=org_id, window=checked, filters=chosen
            )
        return GuardianRollup(
            from_=checked.start, to=checked.end, data=[GuardianRollupRow.of(r) for r in rows]
        )
