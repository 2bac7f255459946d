"""``realtimeMetrics``: the seed's "with CloudWatch" answer, with this gateway as the live
source (resolvers/agents/realtime.py says where each figure comes from)."""

from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.type
class OverviewStatus:
    has_data: bool = strawberry.field(description="Whether the organisation has any action.")
    message: str
    data_age_minutes: int | None = strawberry.field(
        description="Whole minutes since the newest action; null without any."
    )


@strawberry.type
class RealtimeOverview:
    active_sessions: int = strawberry.field(description="Sessions seen in the last 15 minutes.")
    recent_high_risk_actions: int = strawberry.field(
        description="High and critical actions in the last hour."
    )
    active_agents: int = strawberry.field(description="Distinct agents in the last hour.")
    total_actions_last_hour: int
    actions_last_24h: int
    status: OverviewStatus


@strawberry.type(description="This gateway's host, measured with psutil.")
class SystemHealth:
    status: str
    source: str
    cpu_usage: float = strawberry.field(description="Percent of CPU time used (psutil).")
    memory_usage: float = strawberry.field(description="Percent of memory in use.")
    disk_usage: float = strawberry.field(description="Percent of the data directory's disk used.")
    network_latency: float = strawberry.field(
        description="Milliseconds of one round trip to the database."
    )
    api_response_time: float | None = strawberry.field(
        description="The gateway's mean response time (ms) over the last 5 minutes."
    )
    timestamp: datetime
    metrics_age_seconds: int


@strawberry.type(description="The gateway's own answers over the last 5 minutes.")
class PerformanceFigures:
    status: str
    source: str
    requests_per_second: float
    avg_response_time: float | None
    p95_response_time: float | None
    error_rate: float = strawberry.field(description="The share of answers that were 5xx.")


@strawberry.type
class DataQuality:
    source: str
    timestamp: datetime
    has_historical_data: bool
    has_recent_activity: bool
    data_status: str = strawberry.field(description="live, stale (no action this hour) or empty.")


@strawberry.type
class RealtimeMeta:
    version: str
    enterprise_grade: bool
    mock_data: bool
    real_data_sources: list[str]
    phase: str
    cloudwatch_enabled: bool
    cloudwatch_status: str


@strawberry.type(description="Live operational metrics of the agent console (seed 004).")
class RealtimeMetrics:
    timestamp: datetime
    real_time_overview: RealtimeOverview
    system_health: SystemHealth
    performance_metrics: PerformanceFigures
    data_quality: DataQuality
    meta: RealtimeMeta
