"""The NHI posture root field (scope ``nhi:read``): every NHI of the organisation over
the last 7 days ending now, weakest first, as a cursor page. The window is fixed (the
components are named for 7 days), so the field takes no ``from``/``to``."""

from __future__ import annotations

import strawberry

from gateway.context import Info
from gateway.permissions import requires
from resolvers.governance import nhi_posture
from resolvers.governance.nhi_posture import MAX_POSTURE_PAGE
from resolvers.governance.nhi_posture_types import NhiPostureConnection
from resolvers.governance.types import NHI_READ
from resolvers.governance.window import NHI_SPAN


@strawberry.type
class NhiPostureQuery:
    @strawberry.field(
        description="Each NHI's composite posture over the last 7 days, lowest score first "
        f"(then label, then id); `first` 1 to {MAX_POSTURE_PAGE}.",
        extensions=requires(scope=NHI_READ),
    )
    async def nhi_posture(
        self, info: Info, first: int = MAX_POSTURE_PAGE, after: str | None = None
    ) -> NhiPostureConnection:
        ctx = info.context
        position = nhi_posture.page_start(first, after)
        end = ctx.now
        start = end - NHI_SPAN
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            found = await nhi_posture.postures(conn, org_id=org_id, start=start, end=end)
        rows, has_next = nhi_posture.page(found, first=first, after=position)
        return NhiPostureConnection.of(rows, has_next, start, end)
