"""The NHI GraphQL type. Its relations and analytics are batched per request
(``nhi_loaders.py``): each side adds its fields in its own section below."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import strawberry

from gateway.compiler.spec import Column, Node, Through, ToMany, compilable
from gateway.context import Info
from gateway.errors import not_found
from gateway.sql import table_of
from models.identities import Nhi as NhiRow
from models.identities import NhiGuardian
from resolvers.common import check_first
from resolvers.governance import nhi_observability
from resolvers.governance.mcp_session_types import McpSession
from resolvers.governance.nhi_anomaly_loaders import anomalies_by_nhi
from resolvers.governance.nhi_anomaly_types import NhiAnomaly, check_status
from resolvers.governance.nhi_loaders import (
    guardians_by_nhi,
    mcp_sessions_by_nhi,
    risk_by_nhi,
    risk_history_by_nhi,
)
from resolvers.governance.nhi_observability_types import NhiActivitySummary, NhiFrom
from resolvers.governance.nhi_reads import check_risk_first
from resolvers.governance.nhi_risk_types import HistoryFrom, NhiRisk, NhiRiskSnapshot
from resolvers.governance.types import Guardian
from resolvers.governance.window import HISTORY_SPAN, NHI_SPAN, To, span


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
        return cls(**NHI.values(row))

    # --- guardians, risk, risk history, MCP sessions (the NHI reads) ---------------------

    @strawberry.field(description="The guardians bound to it, by name; batched.")
    async def guardians(self, info: Info) -> list[Guardian]:
        rows = await info.context.loaders.get(guardians_by_nhi).load(self.id)
        return [Guardian.from_row(row) for row in rows]

    @strawberry.field(
        description="Its risk over [from, to) (default the last 7 days): score, signals "
        "and factors; batched."
    )
    async def risk(self, info: Info, from_: NhiFrom = None, to: To = None) -> NhiRisk:
        ctx = info.context
        start, end = span(ctx.now, from_, to, NHI_SPAN)
        found = await ctx.loaders.get(risk_by_nhi, start, end).load(self.id)
        if found is None:  # pragma: no cover - an NHI of the answer is in the organisation
            raise not_found("NHI")
        return NhiRisk.of(found, start, end)

    @strawberry.field(
        description="Its risk snapshots computed in [from, to) (default the last 30 days), "
        "oldest first, the first `first` (at most 1,000); batched."
    )
    async def risk_history(
        self, info: Info, from_: HistoryFrom = None, to: To = None, first: int = 10
    ) -> list[NhiRiskSnapshot]:
        ctx = info.context
        start, end = span(ctx.now, from_, to, HISTORY_SPAN)
        loader = ctx.loaders.get(risk_history_by_nhi, start, end, check_risk_first(first))
        return [NhiRiskSnapshot.from_row(row) for row in await loader.load(self.id)]

    @strawberry.field(description="Its newest MCP sessions, newest first; batched.")
    async def mcp_sessions(self, info: Info, first: int = 5) -> list[McpSession]:
        loader = info.context.loaders.get(mcp_sessions_by_nhi, check_first(first))
        return [McpSession.from_row(row) for row in await loader.load(self.id)]

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

    @strawberry.field(
        description="The NHI's anomalies, newest first. status: open (default), "
        "acknowledged or all."
    )
    async def anomalies(self, info: Info, status: str = "open") -> list[NhiAnomaly]:
        loader = info.context.loaders.get(anomalies_by_nhi, check_status(status))
        return [NhiAnomaly.from_row(row) for row in await loader.load(self.id)]


def _session_arguments(table: Any, arguments: Mapping[str, Any]) -> tuple[list[Any], int]:
    """Nhi.mcpSessions' argument, checked as its resolver checks it."""
    return [], check_first(arguments["first"])


# What the selection compiler may build (gateway/compiler/spec.py); from_row reads it.
# Left to the resolvers (all non-null, so selecting one sends the root field there):
# risk, riskHistory, activitySummary and anomalies (computed per window or status).
NHI = compilable(
    Node(
        "Nhi",
        table_of(NhiRow),
        {
            "id": Column("id"),
            "label": Column("label"),
            "kind": Column("kind"),
            "tier": Column("tier"),
            "federationStatus": Column("federation_status"),
            "ownerId": Column("owner_id"),
            "createdAt": Column("created_at"),
            "lastSeenAt": Column("last_seen_at"),
            # In the loader's order (nhi_reads.guardians_of: name, then id).
            "guardians": ToMany(
                "Guardian",
                None,
                (("name", False), ("id", False)),
                through=Through(table_of(NhiGuardian), "nhi_id", "guardian_id"),
            ),
            # In the loader's order (nhi_reads.sessions_per_nhi: newest first, then id).
            "mcpSessions": ToMany(
                "McpSession",
                "nhi_id",
                (("started_at", True), ("id", True)),
                _session_arguments,
            ),
        },
    ),
    lambda row: Nhi.from_row(row),
)
