"""KPIs over 1,000,000 incidents (90 days, one organisation, and another of a tenth the
size that must not be read): the calculation of nine metrics (every type, 30-day
windows, one with filters) and ``GET /api/analytics/kpi-metrics/summary/`` over a week
of hourly measurements, each beside its raw-SQL floor: the very statements the gateway
sent, replayed straight on the asyncpg connection.

Runnable alone: ``python -m bench.kpis --url postgresql+asyncpg://...``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import (
    Figure,
    add_tenant,
    capture_statements,
    client_as,
    compare,
    fresh_database,
    median_ms,
    replay_ms,
    vacuum_analyze,
)
from gateway.sql import bucket_floor, utcnow
from resolvers.incidents.kpi_service import calculate_metrics

INCIDENTS = 1_000_000
DAYS = 90
WINDOW_HOURS = 30 * 24
HOURS_MEASURED = 7 * 24

INCIDENTS_SQL = """
INSERT INTO incidents (id, org_id, title, description, category, severity, priority, status,
                       service, component_id, escalation_count, reopened_count, affected_users,
                       downtime_minutes, created_at, acknowledged_at, resolved_at, created_by)
SELECT gen_random_uuid(), :org, 'incident ' || n, NULL,
       (ARRAY['Infrastructure','Application','Network','Security','Database'])[1 + n % 5],
       (ARRAY['LOW','LOW','MEDIUM','HIGH','CRITICAL'])[1 + n % 5],
       (ARRAY['P4','P4','P3','P2','P1'])[1 + n % 5],
       CASE WHEN n % 10 < 8 THEN 'RESOLVED' ELSE 'OPEN' END,
       'service-' || (n % 20), NULL, CASE WHEN n % 17 = 0 THEN 1 ELSE 0 END, 0,
       CASE WHEN n % 5 >= 3 THEN n % 500 ELSE 0 END,
       CASE WHEN n % 5 >= 3 THEN n % 120 ELSE 0 END,
       t, t + (n % 60) * interval '1 minute',
       CASE WHEN n % 10 < 8 THEN t + (n % 48) * interval '1 hour' END, NULL
FROM generate_series(1, :count) AS n,
     -- Spread over the 90 days (7,776,000 s) by a stride prime to it.
     LATERAL (SELECT CAST(:end AS timestamptz)
                     - ((n::bigint * 7919) % 7776000) * interval '1 second' AS t) AS at
"""

METRICS_SQL = """
INSERT INTO kpi_metrics (id, org_id, name, description, metric_type, aggregation_type,
                         incident_categories, incident_severities, incident_priorities,
                         calculation_formula, time_window_hours, is_active, target_value,
                         is_system_metric, created_by, created_at, updated_at)
SELECT gen_random_uuid(), :org, m.kind || ' ' || m.agg, NULL, m.kind, m.agg,
       CAST(m.categories AS json), CAST(m.severities AS json), '[]', m.formula, :hours, true,
       NULL, true, NULL, now(), now()
FROM (VALUES ('MTTA', 'AVERAGE', '[]', '[]', NULL),
             ('MTTR', 'PERCENTILE_95', '[]', '[]', NULL),
             ('MTBF', 'AVERAGE', '[]', '[]', NULL),
             ('MTBSI', 'AVERAGE', '[]', '[]', NULL),
             ('AVAILABILITY', 'AVERAGE', '[]', '[]', NULL),
             ('INCIDENT_COUNT', 'AVERAGE', '["Database"]', '["HIGH","CRITICAL"]', NULL),
             ('RESOLUTION_RATE', 'AVERAGE', '[]', '[]', NULL),
             ('ESCALATION_RATE', 'AVERAGE', '[]', '[]', NULL),
             ('CUSTOM', 'MEDIAN', '[]', '[]', 'MTTR * 60 / MTTA'))
     AS m(kind, agg, categories, severities, formula)
"""

MEASUREMENTS_SQL = """
INSERT INTO kpi_measurements (id, org_id, metric_id, value, unit, period_start, period_end,
                              incident_count, calculated_at, details)
SELECT gen_random_uuid(), :org, m.id, round((random() * 100)::numeric, 2), 'value',
       CAST(:end AS timestamptz) - h * interval '1 hour' - interval '24 hours',
       CAST(:end AS timestamptz) - h * interval '1 hour', 100,
       CAST(:end AS timestamptz) - h * interval '1 hour', '{}'
FROM kpi_metrics m, generate_series(1, :hours) AS h
WHERE m.org_id = :org
"""


async def load(
    engine: AsyncEngine, org_id: uuid.UUID, admin_id: uuid.UUID, end: datetime, count: int
) -> None:
    values = {"org": org_id, "end": end, "count": count, "hours": WINDOW_HOURS}
    async with engine.begin() as conn:
        await conn.execute(text("SELECT setseed(0.42)"))
        await add_tenant(conn, org_id, admin_id, f"bench-{org_id.hex[:6]}", "growth")
        await conn.execute(text(INCIDENTS_SQL), values)
        await conn.execute(text(METRICS_SQL), values)
        await conn.execute(text(MEASUREMENTS_SQL), {**values, "hours": HOURS_MEASURED})
    await vacuum_analyze(engine)


async def measure(engine: AsyncEngine, org_id: uuid.UUID, admin_id: uuid.UUID, runs: int) -> None:
    async def calculate() -> None:
        async with engine.begin() as conn:
            done = await calculate_metrics(conn, org_id=org_id, now=utcnow(), force=True)
            assert done.written == 9, done

    statements = await capture_statements(engine, calculate)
    # The floor: the nine window statements alone (the writes and lookups are the
    # gateway's bookkeeping, which the floor leaves out).
    windows = [(s, p) for s, p in statements if "FROM incidents" in s]
    gateway_ms = await median_ms(calculate, runs)
    floor_ms = await replay_ms(engine, windows, runs)
    figure = Figure("calculate 9 metrics (30 d)", gateway_ms, floor_ms, len(statements))
    print(f"kpis: {figure.line()}", flush=True)

    async with client_as(engine, user_id=admin_id, org_id=org_id) as (client, headers):
        summary = await compare(
            "GET kpi-metrics/summary/",
            engine,
            client,
            lambda: client.get("/api/analytics/kpi-metrics/summary/", headers=headers),
            runs,
        )
    print(f"kpis: {summary.line()}", flush=True)


async def run(url: str, runs: int = 10, count: int = INCIDENTS) -> None:
    end = bucket_floor(utcnow(), 3600)
    print(f"kpis: loading {count:,} incidents ...", flush=True)
    async with fresh_database(url, "gateway_bench_kpis") as engine:
        org_id, admin_id = uuid.uuid4(), uuid.uuid4()
        started = time.perf_counter()
        await load(engine, org_id, admin_id, end, count)
        await load(engine, uuid.uuid4(), uuid.uuid4(), end, count // 10)
        print(f"kpis: loaded in {time.perf_counter() - started:.1f} s", flush=True)
        await measure(engine, org_id, admin_id, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="postgresql+asyncpg://... (a server URL)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--incidents", type=int, default=INCIDENTS)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.runs, args.incidents))


if __name__ == "__main__":
    main()
