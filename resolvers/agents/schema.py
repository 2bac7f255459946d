"""The agent console's root fields (seed 004). Semantics live in the modules they call:
``trends.py``, ``actions.py``; the guards in ``guards.py``."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import strawberry
from sqlalchemy import select
from strawberry.tools import merge_types

from gateway.answer_cache.extension import NEVER_CACHED
from gateway.compiler.run import compiled_row, compiled_rows
from gateway.context import Info
from gateway.errors import bad_input
from gateway.validation import validated
from models.agents import ACTION_STATUSES, RISK_LEVELS, AgentActionCreate
from resolvers.agents import actions, performance, realtime, stream, trends
from resolvers.agents.executive.schema import ExecutiveQuery
from resolvers.agents.forecast_schema import ForecastQuery
from resolvers.agents.guards import DEBUG, READ, RECORD, REVIEW
from resolvers.agents.performance_types import SystemPerformance
from resolvers.agents.realtime_types import RealtimeMetrics
from resolvers.agents.types import AgentAction, AgentCount, AgentTrends, DayCount, ToolCount
from resolvers.common import check_choice, check_days, given

MAX_ACTIONS = 500
DEBUG_ACTIONS = 50


def check_count(first: int) -> int:
    if not 1 <= first <= MAX_ACTIONS:
        raise bad_input(f"first must be from 1 to {MAX_ACTIONS}", argument="first")
    return first


@strawberry.type
class ActionQuery:
    @strawberry.field(description="One agent action by id.", extensions=READ)
    async def agent_action(self, info: Info, id: uuid.UUID) -> AgentAction | None:
        ctx = info.context
        org_id = await ctx.org_id()
        table = trends.ACTIONS
        where = [table.c.org_id == org_id, table.c.id == id]
        compiled = await compiled_row(info, org_id, table, where)
        if compiled is not None:
            return compiled  # type: ignore[return-value]
        row = await ctx.one_or_none(select(table).where(*where))
        return None if row is None else AgentAction.from_row(row)

    @strawberry.field(
        description="The newest agent actions, newest first (at most 500).", extensions=READ
    )
    async def agent_actions(
        self,
        info: Info,
        first: int = 20,
        min_risk: Annotated[
            str | None,
            strawberry.argument(description="low, medium, high or critical: that level or above."),
        ] = None,
        status: Annotated[
            str | None,
            strawberry.argument(description="pending, approved, denied or auto_approved."),
        ] = None,
    ) -> list[AgentAction]:
        org_id = await info.context.org_id()
        limit = check_count(first)
        levels = at_least(check_choice(min_risk, RISK_LEVELS, "minRisk"))
        wanted = check_choice(status, ACTION_STATUSES, "status")
        return await newest(info, org_id, limit, levels=levels, status=wanted)

    @strawberry.field(
        description="Agent activity and high-risk trends over the last `days` UTC days.",
        extensions=READ,
    )
    async def agent_trends(self, info: Info, days: int = 7) -> AgentTrends:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            found = await trends.trends(conn, org_id, ctx.now, check_days(days))
        return AgentTrends(
            days=found["days"],
            high_risk_actions_by_day=[
                DayCount(date=d, count=n) for d, n in found["high_risk_actions_by_day"]
            ],
            top_agents=[AgentCount(agent=a, count=n) for a, n in found["top_agents"]],
            top_tools=[ToolCount(tool=t, count=n) for t, n in found["top_tools"]],
            enriched_actions=[AgentAction.from_row(r) for r in found["enriched_actions"]],
            pending_actions_count=found["pending_actions_count"],
        )

    @strawberry.field(
        description="The 50 newest actions (admin; only with GATEWAY_DEBUG_ENDPOINTS=true).",
        extensions=DEBUG,
    )
    async def debug_agent_actions(self, info: Info) -> list[AgentAction]:
        return await newest(info, await info.context.org_id(), DEBUG_ACTIONS)


async def newest(
    info: Info,
    org_id: uuid.UUID,
    limit: int,
    *,
    levels: tuple[str, ...] | None = None,
    status: str | None = None,
) -> list[AgentAction]:
    """The ``limit`` newest actions: one compiled statement when the selection allows
    (gateway/compiler), else ``trends.newest_actions`` through the resolvers."""
    where = trends.action_conditions(org_id, levels=levels, status=status)
    compiled = await compiled_rows(
        info, org_id, trends.ACTIONS, where, trends.ACTION_ORDER, limit=limit
    )
    if compiled is not None:
        return compiled  # type: ignore[return-value]
    async with info.context.reading() as conn:
        rows = await trends.newest_actions(conn, org_id, limit, levels=levels, status=status)
    return [AgentAction.from_row(row) for row in rows]


def at_least(level: str | None) -> tuple[str, ...] | None:
    """The risk levels from ``level`` up; None for every level."""
    return None if level is None else RISK_LEVELS[RISK_LEVELS.index(level) :]


@strawberry.input(description="An action an agent took, to record.")
class AgentActionInput:
    agent_id: str
    action_type: str
    risk_level: str = strawberry.field(description="low, medium, high or critical.")
    tool_name: str | None = None
    mitre_tactic: str | None = None
    nist_control: str | None = None
    recommendation: str | None = None
    summary: str | None = None
    status: str = strawberry.field(
        default="pending", description="pending (the default) or auto_approved (by policy)."
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Record an agent action (agents:write); it gets the next display id.",
        extensions=RECORD,
    )
    async def record_agent_action(self, info: Info, input: AgentActionInput) -> AgentAction:
        ctx, principal = info.context, await info.context.principal()
        data = validated(AgentActionCreate, given(input))
        async with ctx.writing() as conn:
            row = await actions.record_action(conn, principal, now=ctx.now, data=data)
        # Committed: live subscribers (here and, over Redis, on every replica) may see it.
        stream.publish_action(ctx.hub, principal.org_id, row)
        return AgentAction.from_row(row)

    @strawberry.mutation(
        description="Approve or deny a pending action (agents:write, manager or admin).",
        extensions=REVIEW,
    )
    async def review_agent_action(
        self,
        info: Info,
        id: uuid.UUID,
        decision: Annotated[str, strawberry.argument(description="approve or deny.")],
    ) -> AgentAction:
        ctx, principal = info.context, await info.context.principal()
        check_choice(decision, tuple(actions.STATUS_OF), "decision")
        verdict: Literal["approve", "deny"] = "approve" if decision == "approve" else "deny"
        async with ctx.writing() as conn:
            row = await actions.review_action(
                conn, principal, now=ctx.now, action_id=id, decision=verdict
            )
        return AgentAction.from_row(row)


@strawberry.type
class LiveQuery:
    @strawberry.field(
        description="Live operational metrics: the database, the host (psutil) and the "
        "gateway's own answers over the last 5 minutes.",
        extensions=READ,
        # This replica's own figures: another replica must not answer them for it.
        metadata=NEVER_CACHED,
    )
    async def realtime_metrics(self, info: Info) -> RealtimeMetrics:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            return await realtime.realtime_metrics(conn, org_id, ctx.now, ctx.gauges)

    @strawberry.field(
        description="The host (psutil), the gateway's answers over the last 5 minutes and "
        "its database connections.",
        extensions=READ,
        metadata=NEVER_CACHED,
    )
    async def system_performance(self, info: Info) -> SystemPerformance:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            return await performance.system_performance(
                conn, org_id, ctx.now, ctx.gauges, ctx.settings
            )


# Each side of the family adds its root fields as a class of its own, merged here.
Query = merge_types("AgentsQuery", (ActionQuery, LiveQuery, ForecastQuery, ExecutiveQuery))
