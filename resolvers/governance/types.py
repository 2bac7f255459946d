"""Governance types shared by the guardian and MCP sides: the guardian and a
configuration change. Analytics shapes live beside the fields that answer them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from gateway.compiler.spec import Column, Node, compilable
from gateway.context import Info
from gateway.sql import table_of
from models.governance import ConfigChange as ConfigChangeRow
from models.governance import Guardian as GuardianRow
from resolvers.common import check_first
from resolvers.governance.guardian_types import GuardianVerdict, GuardianVerdictStats
from resolvers.governance.loaders import recent_verdicts_by_guardian, verdict_stats_by_guardian
from resolvers.governance.window import window

# Scopes, as seed 002 names them, and the gateway's own for writes (the seed documents
# no writes: creating and changing guardians is this gateway's addition).
LOGS_READ = "logs:read"
MCP_READ = "mcp:read"
NHI_READ = "nhi:read"
WRITE = "governance:write"


@strawberry.type(description="A Guardian: a policy check whose verdicts the analytics count.")
class Guardian:
    id: uuid.UUID
    name: str
    description: str | None
    environment: str = strawberry.field(description="live, test or dev.")
    tags: list[str]
    config: JSON
    is_active: bool
    created_at: datetime

    @strawberry.field(
        description="Its verdicts over [from, to) (default the last 24 hours), batched "
        "for every guardian of the answer."
    )
    async def verdict_stats(
        self,
        info: Info,
        from_: Annotated[
            datetime | None, strawberry.argument(name="from", description="Inclusive.")
        ] = None,
        to: Annotated[datetime | None, strawberry.argument(description="Exclusive.")] = None,
    ) -> GuardianVerdictStats:
        ctx = info.context
        checked = window(ctx.now, from_, to)
        stats = await ctx.loaders.get(verdict_stats_by_guardian, checked.start, checked.end).load(
            self.id
        )
        return GuardianVerdictStats.of(checked, stats)

    @strawberry.field(description="Its newest verdicts, newest first, batched.")
    async def recent_verdicts(self, info: Info, first: int = 10) -> list[GuardianVerdict]:
        rows = await info.context.loaders.get(recent_verdicts_by_guardian, check_first(first)).load(
            self.id
        )
        return [GuardianVerdict.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: Any) -> Guardian:
        # tags and config are read here, not declared: tags writes [] for a stored null,
        # which a declared column would not. Both are non-null, so a compiled selection
        # never names them (selecting one sends its root field to the resolvers).
        return cls(**GUARDIAN.values(row), tags=list(row["tags"] or []), config=row["config"])


# What the selection compiler may build (gateway/compiler/spec.py); from_row reads it.
# Left to the resolvers: tags and config (see from_row), verdictStats and recentVerdicts
# (computed per window, batched): all non-null, so selecting any of them sends the root
# field to the resolver path.
GUARDIAN = compilable(
    Node(
        "Guardian",
        table_of(GuardianRow),
        {
            "id": Column("id"),
            "name": Column("name"),
            "description": Column("description"),
            "environment": Column("environment"),
            "isActive": Column("is_active"),
            "createdAt": Column("created_at"),
        },
    ),
    lambda row: Guardian.from_row(row),
)


@strawberry.type(description="One changed field of a configuration, as it was and became.")
class ConfigChange:
    id: uuid.UUID
    actor_id: uuid.UUID | None = strawberry.field(description="Who changed it, if a user did.")
    target_type: str = strawberry.field(description="What kind of thing changed (guardian, …).")
    target_id: str
    field: str
    old_value: JSON | None
    new_value: JSON | None
    changed_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> ConfigChange:
        return cls(**CONFIG_CHANGE.values(row))


# What the selection compiler may build (gateway/compiler/spec.py); from_row reads it.
CONFIG_CHANGE = compilable(
    Node(
        "ConfigChange",
        table_of(ConfigChangeRow),
        {
            "id": Column("id"),
            "actorId": Column("actor_id"),
            "targetType": Column("target_type"),
            "targetId": Column("target_id"),
            "field": Column("field"),
            # JSON: the stored document, nested as it is (null stays SQL NULL).
            "oldValue": Column("old_value"),
            "newValue": Column("new_value"),
            "changedAt": Column("changed_at"),
        },
    ),
    lambda row: ConfigChange.from_row(row),
)
