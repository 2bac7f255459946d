"""The agent console's GraphQL types: an action as a reviewer sees it, and the trends."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import strawberry

from gateway.compiler.spec import Column, Node, ToOne, compilable
from gateway.context import Info
from gateway.sql import table_of
from models.agents import AgentAction as AgentActionRow
from resolvers.tenancy.loaders import users_by_id
from resolvers.tenancy.types import User


@strawberry.type(description="One action an AI agent took, as the console shows it (seed 004).")
class AgentAction:
    id: uuid.UUID
    display_id: int = strawberry.field(
        description="The organisation's own number for it, counting from 1 (the seed's `id`)."
    )
    agent_id: str
    action_type: str
    tool_name: str | None
    risk_level: str = strawberry.field(description="low, medium, high or critical.")
    mitre_tactic: str | None
    nist_control: str | None
    recommendation: str | None
    summary: str | None
    status: str = strawberry.field(description="pending, approved, denied or auto_approved.")
    reviewed_by_id: uuid.UUID | None
    timestamp: datetime

    @strawberry.field(description="The user who approved or denied it, if any (batched).")
    async def reviewed_by(self, info: Info) -> User | None:
        if self.reviewed_by_id is None:
            return None
        row = await info.context.loaders.get(users_by_id).load(self.reviewed_by_id)
        return None if row is None else User.from_row(row)

    @classmethod
    def from_row(cls, row: Any) -> AgentAction:
        return cls(**ACTION.values(row))


# What the selection compiler may build (gateway/compiler/spec.py); from_row reads it.
ACTION = compilable(
    Node(
        "AgentAction",
        table_of(AgentActionRow),
        {
            "id": Column("id"),
            "displayId": Column("display_id"),
            "agentId": Column("agent_id"),
            "actionType": Column("action_type"),
            "toolName": Column("tool_name"),
            "riskLevel": Column("risk_level"),
            "mitreTactic": Column("mitre_tactic"),
            "nistControl": Column("nist_control"),
            "recommendation": Column("recommendation"),
            "summary": Column("summary"),
            "status": Column("status"),
            "reviewedById": Column("reviewed_by"),
            "timestamp": Column("timestamp"),
            "reviewedBy": ToOne("User", "reviewed_by", nullable=True),
        },
    ),
    lambda row: AgentAction.from_row(row),
)
# An action's columns as the type shows them (``reviewed_by`` is its ``reviewedById``);
# the live stream carries the same ones (resolvers/agents/stream.py).
ACTION_COLUMNS = tuple(member.column for member in ACTION.columns().values())


@strawberry.type
class DayCount:
    date: date
    count: int


@strawberry.type
class AgentCount:
    agent: str
    count: int


@strawberry.type
class ToolCount:
    tool: str
    count: int


@strawberry.type(description="Agent activity and risk over a window of whole UTC days.")
class AgentTrends:
    days: int
    high_risk_actions_by_day: list[DayCount] = strawberry.field(
        description="High and critical actions per UTC day, every day of the window, oldest first."
    )
    top_agents: list[AgentCount] = strawberry.field(
        description="The 10 agents with the most actions in the window; ties by name."
    )
    top_tools: list[ToolCount] = strawberry.field(
        description="The 10 tools used most in the window; ties by name."
    )
    enriched_actions: list[AgentAction] = strawberry.field(
        description="The 20 newest actions, whatever the window."
    )
    pending_actions_count: int = strawberry.field(
        description="Actions waiting for a review, whatever the window."
    )
