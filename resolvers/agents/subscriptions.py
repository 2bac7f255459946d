"""The agent console's subscriptions (graphql-transport-ws on ``/graphql``).

Both streams are shared per organisation (resolvers/agents/stream.py): the realtime
figures are computed once per tick for every subscriber and WebSocket of the
organisation; a recorded action is delivered to each subscriber whose ``minRisk`` it
meets. The caller is checked when the subscription starts (``agents:read``); after that
the subscription holds no database connection while it waits. A subscriber that falls
``GATEWAY_WS_SEND_QUEUE`` messages behind is dropped: its stream ends with a
``SLOW_CONSUMER`` error.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from gateway.context import Context, Info
from gateway.errors import GatewayError
from gateway.live import Dropped
from models.agents import RISK_LEVELS
from resolvers.agents import stream
from resolvers.agents.guards import READ
from resolvers.agents.realtime_types import RealtimeMetrics
from resolvers.agents.schema import at_least
from resolvers.agents.types import AgentAction
from resolvers.common import check_choice


def _too_slow(ctx: Context) -> GatewayError:
    queue = ctx.settings.ws_send_queue
    return GatewayError(
        "SLOW_CONSUMER",
        f"this subscription fell {queue} messages behind and was ended; subscribe again",
    )


async def _ticks(ctx: Context, org_id: uuid.UUID) -> AsyncGenerator[RealtimeMetrics, None]:
    async with stream.realtime_ticks(ctx, org_id, "graphql") as feed:
        while True:
            try:
                tick = await feed.next()
            except Dropped:
                raise _too_slow(ctx) from None
            yield tick.metrics


async def _actions(
    ctx: Context, org_id: uuid.UUID, levels: tuple[str, ...] | None
) -> AsyncGenerator[AgentAction, None]:
    async with stream.action_events(ctx, org_id, levels, "graphql") as feed:
        while True:
            try:
                event = await feed.next()
            except Dropped:
                raise _too_slow(ctx) from None
            yield stream.action_of(event)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The realtime metrics every GATEWAY_WS_INTERVAL seconds, computed once "
        "per tick for the whole organisation.",
        extensions=READ,
    )
    async def realtime_metrics(self, info: Info) -> AsyncGenerator[RealtimeMetrics, None]:
        ctx = info.context
        org_id = await ctx.org_id()
        # The caller is known; the stream needs no connection of its own.
        await ctx.release()
        return _ticks(ctx, org_id)

    @strawberry.subscription(
        description="Agent actions as they are recorded, from now on.", extensions=READ
    )
    async def agent_actions(
        self,
        info: Info,
        min_risk: Annotated[
            str | None,
            strawberry.argument(description="low, medium, high or critical: that level or above."),
        ] = None,
    ) -> AsyncGenerator[AgentAction, None]:
        ctx = info.context
        levels = at_least(check_choice(min_risk, RISK_LEVELS, "minRisk"))
        org_id = await ctx.org_id()
        await ctx.release()
        return _actions(ctx, org_id, levels)
