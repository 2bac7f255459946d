"""The agent console's live streams: the realtime figures every tick, and the actions as
they are recorded. Shared per organisation (gateway/live/hub.py).

Realtime (``agents.realtime``): one ticker per organisation, every ``GATEWAY_WS_INTERVAL``
seconds, for the WebSocket ``/api/analytics/ws/realtime/{user_email}`` and the
``realtimeMetrics`` subscription alike. Each tick takes a connection from the engine for
that tick only, runs ``realtime_metrics`` (resolvers/agents/realtime.py: the overview's
one statement and a ``SELECT 1``) at the app clock's "now", and derives the WebSocket's
``metrics_update`` once, as text every socket is sent as it is:

- ``metrics``: ``active_websocket_connections`` = this organisation's realtime WebSockets
  open on this replica (subscriptions are not sockets of this path and do not count);
  ``recent_actions_last_hour`` = ``total_actions_last_hour``;
  ``high_risk_actions_last_hour`` = ``recent_high_risk_actions`` (high and critical);
  ``active_agents_last_hour`` = ``active_agents`` (distinct agents); the last hour is
  ``now - 1 h < timestamp <= now``.
- ``system_metrics``: ``status`` "live"; ``cpu_usage`` and ``memory_usage`` from psutil
  (percent, 1 decimal); ``response_time`` = the gateway's mean response time in ms over
  the last 5 minutes (null before it has answered a request).
- ``data_quality``: ``source`` "real_database", ``mock_data`` false, ``has_activity`` =
  an action in the last hour.

Actions (``agents.actions``): ``recordAgentAction`` publishes the new action once its
transaction has committed, as a JSON event (the row, ids and times as strings), to this
process's listeners of its organisation and, with Redis, to every replica's.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.auth import Principal
from gateway.context import Context
from gateway.live import Audience, Event, Feed, Hub, Kind
from gateway.replica import ReplicaRoute, reads_from
from gateway.settings import Settings
from gateway.sql import table_of
from gateway.system_health import Gauges
from gateway.times import rfc3339
from models.tenancy import User
from resolvers.agents import realtime
from resolvers.agents.realtime_types import RealtimeMetrics
from resolvers.agents.types import ACTION_COLUMNS, AgentAction

USERS = table_of(User)
REALTIME = "agents.realtime"
ACTIONS = "agents.actions"


class Sources(Protocol):
    """What a stream reads: the app's Runtime, or a request's Context, both have it."""

    @property
    def engine(self) -> AsyncEngine: ...
    @property
    def read_engine(self) -> AsyncEngine | None: ...
    @property
    def replica(self) -> ReplicaRoute | None: ...
    @property
    def clock(self) -> Callable[[], datetime]: ...
    @property
    def gauges(self) -> Gauges: ...
    @property
    def hub(self) -> Hub: ...
    @property
    def settings(self) -> Settings: ...


@dataclass(frozen=True)
class Tick:
    metrics: RealtimeMetrics
    # The WebSocket's metrics_update, encoded once per tick.
    message: str


async def email_of(ctx: Context, principal: Principal) -> str | None:
    """The caller's email (the WebSocket path names whose stream it is)."""
    return await ctx.scalar(
        select(USERS.c.email).where(
            USERS.c.id == principal.user_id, USERS.c.org_id == principal.org_id
        )
    )


def connection_message(email: str, now: datetime) -> dict[str, Any]:
    return {
        "type": "connection",
        "status": "connected",
        "message": f"Real-time analytics connected for {email}",
        "timestamp": rfc3339(now),
    }


def metrics_update(metrics: RealtimeMetrics, sockets: int) -> dict[str, Any]:
    overview, health = metrics.real_time_overview, metrics.system_health
    return {
        "type": "metrics_update",
        "timestamp": rfc3339(metrics.timestamp),
        "metrics": {
            "active_websocket_connections": sockets,
            "recent_actions_last_hour": overview.total_actions_last_hour,
            "high_risk_actions_last_hour": overview.recent_high_risk_actions,
            "active_agents_last_hour": overview.active_agents,
        },
        "system_metrics": {
            "status": "live",
            "cpu_usage": health.cpu_usage,
            "memory_usage": health.memory_usage,
            "response_time": health.api_response_time,
        },
        "data_quality": {
            "source": "real_database",
            "mock_data": False,
            "has_activity": metrics.data_quality.has_recent_activity,
        },
    }


def realtime_ticks(
    sources: Sources, org_id: uuid.UUID, kind: Kind
) -> AbstractAsyncContextManager[Feed[Tick]]:
    """This organisation's realtime ticks, from its one shared ticker."""
    clock, gauges = sources.clock, sources.gauges

    async def compute(audience: Audience) -> Tick:
        now = clock()
        # A connection for this tick only: none is held between ticks. A live feed is a
        # read: the replica serves it while it may (gateway/replica.py).
        engine = reads_from(sources.engine, sources.read_engine, sources.replica)
        async with engine.connect() as conn:
            metrics = await realtime.realtime_metrics(conn, org_id, now, gauges)
        update = metrics_update(metrics, audience["websocket"])
        return Tick(metrics=metrics, message=json.dumps(update))

    return sources.hub.ticking(
        REALTIME,
        org_id,
        interval=sources.settings.ws_interval,
        compute=compute,
        kind=kind,
        size=sources.settings.ws_send_queue,
    )


# --- recorded actions ------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def publish_action(hub: Hub, org_id: uuid.UUID, row: Mapping[str, Any]) -> None:
    """Announces a recorded action (call it after the transaction commits)."""
    hub.publish(ACTIONS, org_id, {name: _jsonable(row[name]) for name in ACTION_COLUMNS})


def action_of(event: Event) -> AgentAction:
    reviewer = event["reviewed_by"]
    return AgentAction.from_row(
        {
            **event,
            "id": uuid.UUID(event["id"]),
            "reviewed_by": None if reviewer is None else uuid.UUID(reviewer),
            "timestamp": datetime.fromisoformat(event["timestamp"]),
        }
    )


def action_events(
    sources: Sources, org_id: uuid.UUID, levels: tuple[str, ...] | None, kind: Kind
) -> AbstractAsyncContextManager[Feed[Event]]:
    """This organisation's newly recorded actions at one of ``levels`` (None: any)."""

    def wanted(event: Event) -> bool:
        return levels is None or event.get("risk_level") in levels

    return sources.hub.listening(
        ACTIONS, org_id, kind=kind, size=sources.settings.ws_send_queue, accept=wanted
    )
