"""``/performance`` (seed 004), from the sources this gateway has instead of CloudWatch.

- ``system_metrics`` (psutil, gateway/system_health.py): CPU now (``current``) and the
  1-minute load average as a percent of the CPUs (``average``), status ``normal`` below
  70 %, ``high`` below 90 %, else ``critical``; memory in use and available (percent), the
  same bands; the data directory's disk used and available, ``healthy`` below 80 %,
  ``warning`` below 90 %, else ``critical``.
- ``application_metrics`` (the gateway's answers over the last 5 minutes,
  gateway/request_window.py): mean and p95 response time in ms against
  ``GATEWAY_RESPONSE_TIME_TARGET_MS`` (200): ``good`` at or under it, ``fair`` up to twice
  it, else ``poor``, ``no_data`` before any answer; requests per second; the 5xx share
  against ``GATEWAY_ERROR_RATE_TARGET`` (0.01): ``good`` at or under it, ``elevated`` up
  to five times it, else ``critical``.
- ``database_metrics.connections``: this replica's SQLAlchemy pool: ``active`` checked
  out (the asking request's own included), ``idle`` open in the pool, ``total`` both,
  ``max`` the pool size plus its overflow, ``utilization`` = total / max x 100, status
  ``healthy`` below 70 %, ``busy`` below 90 %, else ``critical``. ``server_connections``
  (PostgreSQL only; null on SQLite) is ``pg_stat_activity`` for the gateway's database:
  active and idle backends, all of them, and the server's ``max_connections``.
- ``query_performance``: ``recent_queries`` counts the organisation's agent actions of
  the last hour (the seed's source is the actions table); ``slow_queries_estimate`` the
  statements on this database running for over a second now (PostgreSQL; 0 on SQLite,
  whose statements run inside the gateway's own process); ``optimal`` with none, else
  ``degraded``.

Percentages and milliseconds are rounded half up to 1 decimal, requests per second to 2
and the error rate to 4.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.rounding import half_up
from gateway.settings import Settings
from gateway.system_health import Gauges
from resolvers.agents.overview import ACTIONS, HOUR
from resolvers.agents.performance_types import (
    ApplicationFigures,
    CpuFigures,
    DatabaseFigures,
    ErrorRates,
    MemoryFigures,
    PerformanceMeta,
    PerformanceSources,
    PoolConnections,
    QueryPerformance,
    ResponseTimes,
    ServerConnections,
    StorageFigures,
    SystemFigures,
    SystemPerformance,
    Throughput,
)

SERVER_ACTIVITY = text(
    "SELECT count(*) FILTER (WHERE state = 'active') AS active,"
    " count(*) FILTER (WHERE state LIKE 'idle%') AS idle,"
    " count(*) AS total,"
    " count(*) FILTER (WHERE state = 'active' AND now() - query_start > interval '1 second'"
    " AND pid <> pg_backend_pid()) AS slow,"
    " current_setting('max_connections')::int AS max_connections"
    " FROM pg_stat_activity WHERE datname = current_database()"
)


def band(percent: float, bands: tuple[tuple[float, str], ...], last: str) -> str:
    """The first band whose bound ``percent`` is below, else ``last``."""
    return next((name for bound, name in bands if percent < bound), last)


LOAD_BANDS = ((70.0, "normal"), (90.0, "high"))
DISK_BANDS = ((80.0, "healthy"), (90.0, "warning"))
POOL_BANDS = ((70.0, "healthy"), (90.0, "busy"))


def response_status(mean_ms: float | None, target: float) -> str:
    if mean_ms is None:
        return "no_data"
    return "good" if mean_ms <= target else "fair" if mean_ms <= 2 * target else "poor"


def error_status(rate: float, target: float) -> str:
    return "good" if rate <= target else "elevated" if rate <= 5 * target else "critical"


def pool_figures(conn: AsyncConnection) -> PoolConnections:
    pool: Any = conn.engine.pool
    active = int(pool.checkedout()) if hasattr(pool, "checkedout") else 1
    idle = int(pool.checkedin()) if hasattr(pool, "checkedin") else 0
    size = int(pool.size()) if hasattr(pool, "size") else active + idle
    most = max(size + max(int(getattr(pool, "_max_overflow", 0)), 0), 1)
    utilization = half_up(100 * (active + idle) / most, 1)
    return PoolConnections(
        active=active,
        idle=idle,
        total=active + idle,
        max=most,
        utilization=utilization,
        status=band(utilization, POOL_BANDS, "critical"),
        source="sqlalchemy_pool",
    )


async def system_performance(
    conn: AsyncConnection, org_id: uuid.UUID, now: datetime, gauges: Gauges, settings: Settings
) -> SystemPerformance:
    dialect = conn.dialect.name
    sample, _ = gauges.system.sample()
    figures = gauges.requests.figures()
    recent = await conn.scalar(
        select(func.count()).where(
            ACTIONS.c.org_id == org_id,
            ACTIONS.c.timestamp > now - HOUR,
            ACTIONS.c.timestamp <= now,
        )
    )
    server, slow = None, 0
    if dialect == "postgresql":
        row = (await conn.execute(SERVER_ACTIVITY)).one()
        slow = row.slow
        server = ServerConnections(
            active=row.active,
            idle=row.idle,
            total=row.total,
            max_connections=row.max_connections,
            source="pg_stat_activity",
        )
    target_ms, target_rate = settings.response_time_target_ms, settings.error_rate_target
    mean = None if figures.mean_ms is None else half_up(figures.mean_ms, 1)
    return SystemPerformance(
        timestamp=now,
        system_metrics=SystemFigures(
            cpu=CpuFigures(
                current=half_up(sample.cpu_percent, 1),
                average=half_up(sample.cpu_load_percent, 1),
                status=band(sample.cpu_percent, LOAD_BANDS, "critical"),
                source="psutil",
            ),
            memory=MemoryFigures(
                current=half_up(sample.memory_percent, 1),
                available=half_up(100 - sample.memory_percent, 1),
                status=band(sample.memory_percent, LOAD_BANDS, "critical"),
                source="psutil",
            ),
            storage=StorageFigures(
                used=half_up(sample.disk_percent, 1),
                available=half_up(100 - sample.disk_percent, 1),
                status=band(sample.disk_percent, DISK_BANDS, "critical"),
                source="psutil",
            ),
        ),
        application_metrics=ApplicationFigures(
            response_times=ResponseTimes(
                average=mean,
                p95=None if figures.p95_ms is None else half_up(figures.p95_ms, 1),
                target=target_ms,
                status=response_status(figures.mean_ms, target_ms),
                source="gateway_metrics",
            ),
            throughput=Throughput(
                requests_per_second=half_up(figures.per_second, 2), source="gateway_metrics"
            ),
            error_rates=ErrorRates(
                current=half_up(figures.error_rate, 4),
                target=target_rate,
                status=error_status(figures.error_rate, target_rate),
                source="gateway_metrics",
            ),
        ),
        database_metrics=DatabaseFigures(
            connections=pool_figures(conn),
            server_connections=server,
            query_performance=QueryPerformance(
                recent_queries=int(recent or 0),
                slow_queries_estimate=slow,
                status="optimal" if slow == 0 else "degraded",
                source="agent_actions_table",
            ),
        ),
        meta=PerformanceMeta(
            version="2.0.0",
            mock_data=False,
            cloudwatch_enabled=False,
            data_sources=PerformanceSources(
                system_metrics="psutil",
                application_metrics="gateway_metrics",
                database_metrics=dialect,
            ),
        ),
    )
