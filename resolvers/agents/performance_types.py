"""``systemPerformance``: the seed's ``/performance`` answer with this gateway's sources
(resolvers/agents/performance.py says where each figure comes from)."""

from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.type
class CpuFigures:
    current: float
    average: float = strawberry.field(
        description="The 1-minute load average as a percent of the CPUs."
    )
    status: str
    source: str


@strawberry.type
class MemoryFigures:
    current: float
    available: float
    status: str
    source: str


@strawberry.type
class StorageFigures:
    used: float
    available: float
    status: str
    source: str


@strawberry.type
class SystemFigures:
    cpu: CpuFigures
    memory: MemoryFigures
    storage: StorageFigures


@strawberry.type
class ResponseTimes:
    average: float | None
    p95: float | None
    target: float
    status: str
    source: str


@strawberry.type
class Throughput:
    requests_per_second: float
    source: str


@strawberry.type
class ErrorRates:
    current: float
    target: float
    status: str
    source: str


@strawberry.type
class ApplicationFigures:
    response_times: ResponseTimes
    throughput: Throughput
    error_rates: ErrorRates


@strawberry.type(description="Connections of the gateway's pool (this replica).")
class PoolConnections:
    active: int = strawberry.field(description="Checked out: serving a request now.")
    idle: int = strawberry.field(description="Open in the pool, waiting.")
    total: int
    max: int = strawberry.field(description="Pool size plus its overflow.")
    utilization: float = strawberry.field(description="total / max x 100.")
    status: str
    source: str


@strawberry.type(description="The database server's own view (PostgreSQL's pg_stat_activity).")
class ServerConnections:
    active: int
    idle: int
    total: int
    max_connections: int
    source: str


@strawberry.type
class QueryPerformance:
    recent_queries: int = strawberry.field(description="Agent actions of the last hour.")
    slow_queries_estimate: int = strawberry.field(
        description="Statements on this database running for over a second now (PostgreSQL)."
    )
    status: str
    source: str


@strawberry.type
class DatabaseFigures:
    connections: PoolConnections
    server_connections: ServerConnections | None
    query_performance: QueryPerformance


@strawberry.type
class PerformanceSources:
    system_metrics: str
    application_metrics: str
    database_metrics: str


@strawberry.type
class PerformanceMeta:
    version: str
    mock_data: bool
    cloudwatch_enabled: bool
    data_sources: PerformanceSources


@strawberry.type(description="The gateway's host, its answers and its database (seed 004).")
class SystemPerformance:
    timestamp: datetime
    system_metrics: SystemFigures
    application_metrics: ApplicationFigures
    database_metrics: DatabaseFigures
    meta: PerformanceMeta
