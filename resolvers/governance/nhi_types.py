"""The NHI GraphQL type. Its relations and analytics are batched per request
(``nhi_loaders.py``): each side adds its fields in its own section below."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from gateway.context import Info
from resolvers.governance import nhi_observability
from resolvers.governance.nhi_observability_types import NhiActivitySummary, NhiFrom
from resolvers.governance.window import NHI_SPAN, To, span


@strawberry.type(
    description="A non-human identity: a service account, CI runner, AI agent or workload."
)
class Nhi:
    id: uuid.UUID
    label: str
    kind: str = strawberry.field(description="service_account, ci_runner, ai_agent or workload.")
    tier: int = strawberry.field(description="1 (most privileged) to 4 (least).")
    federation_status: str = strawberry.field(description="verified, pending or unverified.")
    owner_id: uuid.UUID | None
    created_at: datetime
    last_seen_at: datetime | None = strawberry.field(
        description="The NHI's own last-seen time, as registered (activity may be later)."
    )

    @classmethod
    def from_row(cls, row: Any) -> Nhi:
        return cls(
            id=row["id"],
            label=row["label"],
            kind=row["kind"],
            tier=row["tier"],
            federation_status=row["federation_status"],
            owner_id=row["owner_id"],
            created_at=row["created_at"],
            last_seen_at=row["last_seen_at"],
        )

    # --- guardians, risk, risk history, MCP sessions (the NHI reads) ---------------------

    # --- activity summary (observability) ------------------------------------------------

    @strawberry.field(
        description="Its activity over [from, to) (default the last 7 days), batched for "
        "every NHI of the answer."
    )
    async def activity_summary(
        self, info: Info, from_: NhiFrom = None, to: To = None
    ) -> NhiActivitySummary:
        ctx = info.context
        start, end = span(ctx.now, from_, to, default=NHI_SPAN)
        loader = ctx.loaders.get(nhi_observability.activity_by_nhi, start, end)
        return NhiActivitySummary.of(start, end, await loader.load(self.id))

    # --- anomalies ------------------------------------------------------------------------
