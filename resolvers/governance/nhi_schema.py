"""The NHI reads' root fields (scope ``nhi:read``): the NHIs, one NHI, the risk page, an
NHI's risk assessment and its risk history.

Risk windows ``[from, to)`` default to the last 7 days, a history's to the last 30; ``to``
must be later than ``from``. These reads have no buckets, so no 1,440-bucket limit
applies.
"""

from __future__ import annotations

import uuid
from typing import Annotated, cast

import strawberry

from gateway.compiler.build import Keyset
from gateway.compiler.run import compiled_row
from gateway.context import Info
from gateway.errors import bad_input
from gateway.permissions import requires
from resolvers.common import check_first
from resolvers.governance import nhi_reads
from resolvers.governance.nhi_loaders import nhis_by_id
from resolvers.governance.nhi_observability_types import NhiFrom
from resolvers.governance.nhi_reads import check_risk_first
from resolvers.governance.nhi_risk import Risk, risks
from resolvers.governance.nhi_risk_types import (
    HistoryFrom,
    NhiRisk,
    NhiRiskAssessment,
    NhiRiskHistory,
    NhiRiskPage,
    NhiRiskSnapshot,
)
from resolvers.governance.nhi_types import Nhi
from resolvers.governance.types import NHI_READ
from resolvers.governance.window import HISTORY_SPAN, NHI_SPAN, To, span
from resolvers.pagination import Connection, Page, compiled_or_read, connection

Tier = Annotated[int | None, strawberry.argument(description="Only NHIs of this tier (1-4).")]
MinScore = Annotated[
    float | None, strawberry.argument(description="Only NHIs scoring at least this (0 to 1).")
]
RiskFirst = Annotated[int, strawberry.argument(description="1 to 1,000 (REST asks for 1,000).")]


def _tier(tier: int | None) -> int | None:
    if tier is not None and not 1 <= tier <= 4:
        raise bad_input("tier must be from 1 to 4", argument="tier")
    return tier


def _min_score(min_score: float | None) -> float | None:
    if min_score is not None and not 0 <= min_score <= 1:
        raise bad_input("minScore must be from 0 to 1", argument="minScore")
    return min_score


@strawberry.type
class NhiQuery:
    @strawberry.field(
        description="The organisation's NHIs by label.", extensions=requires(scope=NHI_READ)
    )
    async def nhis(self, info: Info, first: int = 20, after: str | None = None) -> Connection[Nhi]:
        ctx = info.context
        org_id = await ctx.org_id()
        first = check_first(first)
        keyset = Keyset(
            nhi_reads.NHIS,
            nhi_reads.nhi_conditions(org_id=org_id, after=after),
            nhi_reads.NHI_ORDER,
            nhi_reads.NHI_CURSOR,
            first,
        )
        return await compiled_or_read(
            info,
            org_id,
            keyset,
            Nhi.from_row,
        )

    @strawberry.field(
        description="One NHI; null outside the organisation.", extensions=requires(scope=NHI_READ)
    )
    async def nhi(self, info: Info, id: uuid.UUID) -> Nhi | None:
        org_id = await info.context.org_id()
        table = nhi_reads.NHIS
        compiled = await compiled_row(
            info, org_id, table, [table.c.org_id == org_id, table.c.id == id]
        )
        if compiled is not None:
            return compiled  # type: ignore[return-value]
        row = await info.context.loaders.get(nhis_by_id).load(id)
        return Nhi.from_row(row) if row else None

    @strawberry.field(
        description="Every NHI's risk over [from, to) (default the last 7 days), by "
        "risk score descending, then label.",
        extensions=requires(scope=NHI_READ),
    )
    async def nhi_risk(
        self,
        info: Info,
        from_: NhiFrom = None,
        to: To = None,
        tier: Tier = None,
        min_score: MinScore = None,
        first: RiskFirst = 100,
        after: str | None = None,
    ) -> NhiRiskPage:
        ctx = info.context
        start, end = span(ctx.now, from_, to, NHI_SPAN)
        checked_tier, checked_score = _tier(tier), _min_score(min_score)
        checked_first = check_risk_first(first)
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            found = await risks(conn, org_id=org_id, start=start, end=end)
        page = nhi_reads.risk_page(
            found, tier=checked_tier, min_score=checked_score, first=checked_first, after=after
        )
        rows = connection(cast(Page, page), lambda risk: NhiRisk.of(cast(Risk, risk), start, end))
        return NhiRiskPage(edges=rows.edges, page_info=rows.page_info, from_=start, to=end)

    @strawberry.field(
        description="One NHI's risk over [from, to) (default the last 7 days) explained: "
        "every factor and input, its open anomalies and recommendations. Null outside the "
        "organisation.",
        extensions=requires(scope=NHI_READ),
    )
    async def nhi_risk_assessment(
        self, info: Info, id: uuid.UUID, from_: NhiFrom = None, to: To = None
    ) -> NhiRiskAssessment | None:
        ctx = info.context
        start, end = span(ctx.now, from_, to, NHI_SPAN)
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            found = await risks(conn, org_id=org_id, start=start, end=end, nhi_ids=[id])
            if not found:
                return None
            anomalies = await nhi_reads.open_anomalies(conn, org_id=org_id, nhi_id=id)
        return NhiRiskAssessment.assessed(found[0], start, end, anomalies)

    @strawberry.field(
        description="One NHI's risk snapshots computed in [from, to) (default the last 30 "
        "days), oldest first. Null outside the organisation.",
        extensions=requires(scope=NHI_READ),
    )
    async def nhi_risk_history(
        self,
        info: Info,
        id: uuid.UUID,
        from_: HistoryFrom = None,
        to: To = None,
        first: RiskFirst = 100,
        after: str | None = None,
    ) -> NhiRiskHistory | None:
        ctx = info.context
        start, end = span(ctx.now, from_, to, HISTORY_SPAN)
        checked_first = check_risk_first(first)
        if await ctx.loaders.get(nhis_by_id).load(id) is None:
            return None
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            page = await nhi_reads.history(
                conn,
                org_id=org_id,
                nhi_id=id,
                start=start,
                end=end,
                first=checked_first,
                after=after,
            )
        snapshots = connection(page, NhiRiskSnapshot.from_row)
        return NhiRiskHistory(
            edges=snapshots.edges, page_info=snapshots.page_info, nhi_id=id, from_=start, to=end
        )
