"""NHI risk over 1,000 NHIs x 1,000,000 activity events (two weeks, so that the 7-day
window has its 7-day baseline before it): the risk core (``nhi_risk.risks()``) and, once
it is routed, ``GET /v1/analytics/nhi-risk`` through the gateway, beside the raw-SQL floor:
one hand-written statement computing the same per-NHI aggregates (p99 of the zero-padded
hourly spend, the baseline, denied attempts, bindings, last seen) the plain way, with
``generate_series`` hours and ``percentile_cont``.

The window is the 7 days up to the last whole hour, given explicitly, so that all three
read the same hours. The floor's answers are checked against the core's before timing.

Runnable alone: ``python -m bench.nhi --url postgresql+asyncpg://...``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import (
    Figure,
    add_tenant,
    capture_statements,
    client_as,
    fresh_database,
    median_ms,
    vacuum_analyze,
)
from gateway.sql import bucket_floor, utcnow
from resolvers.governance.nhi_risk import Risk, risks
from rest_compat.registry import ROUTES

NHIS = 1_000
EVENTS = 1_000_000
DAYS = 14
PATH = "/v1/analytics/nhi-risk"

NHIS_SQL = """
INSERT INTO nhis (id, org_id, label, kind, tier, federation_status, owner_id, created_at,
                  last_seen_at)
SELECT gen_random_uuid(), :org, 'nhi-' || lpad(n::text, 5, '0'),
       (ARRAY['service_account','ci_runner','ai_agent','workload'])[1 + n % 4],
       1 + n % 4, (ARRAY['verified','verified','pending','unverified'])[1 + (n / 4) % 4],
       NULL, CAST(:end AS timestamptz) - interval '90 days',
       CASE WHEN n % 10 = 0 THEN CAST(:end AS timestamptz) - interval '30 days' END
FROM generate_series(1, :nhis) AS n
"""

GUARDIANS_SQL = """
INSERT INTO guardians (id, org_id, name, environment, tags, config, is_active, created_at)
SELECT gen_random_uuid(), :org, 'guardian-' || n, 'live', '[]', '{}', true, now()
FROM generate_series(1, 5) AS n
"""

# Four NHIs in five are bound, to one or two of the five guardians.
BINDINGS_SQL = """
WITH n AS (SELECT id, row_number() OVER (ORDER BY label) AS k FROM nhis WHERE org_id = :org),
     g AS (SELECT id, row_number() OVER (ORDER BY name) AS j FROM guardians WHERE org_id = :org)
INSERT INTO nhi_guardians (nhi_id, guardian_id, org_id, created_at)
SELECT n.id, g.id, :org, now()
FROM n JOIN g ON g.j = 1 + n.k % 5 OR (n.k % 3 = 0 AND g.j = 1 + (n.k + 2) % 5)
WHERE n.k % 5 <> 0
"""

# Events skewed towards some NHIs (random()^2), a few cents each, 2 % denied; one NHI in
# fifty spends a hundred times more in its last two days (a burst).
ACTIVITY_SQL = """
WITH n AS (SELECT array_agg(id ORDER BY label) AS ids FROM nhis WHERE org_id = :org)
INSERT INTO nhi_activity (id, org_id, nhi_id, occurred_at, spend_usd, tool, outcome,
                          guardian_id)
SELECT gen_random_uuid(), :org, n.ids[k], at,
       round(CAST(random() * CASE WHEN k % 50 = 0 AND at > CAST(:end AS timestamptz)
                                  - interval '2 days' THEN 5 ELSE 0.05 END AS numeric), 4),
       'tool-' || (k % 7),
       CASE WHEN random() < 0.02 THEN 'denied' ELSE 'allowed' END, NULL
FROM n, (SELECT 1 + floor(power(random(), 2) * :nhis)::int AS k,
                CAST(:end AS timestamptz) - random() * make_interval(days => :days) AS at
         FROM generate_series(1, :count)) AS rows
"""

# The floor: the definition written plainly. Every hour of the window for every NHI
# (generate_series, idle hours as 0), percentile_cont over it; the baseline and denied
# attempts summed; bindings counted; the last activity looked up per NHI.
FLOOR_SQL = """
WITH hours AS (
  SELECT generate_series(CAST(:start AS timestamptz),
                         CAST(:end AS timestamptz) - interval '1 hour',
                         interval '1 hour') AS h
), win AS (
  SELECT nhi_id, date_trunc('hour', occurred_at, 'UTC') AS h, sum(spend_usd) AS spend,
         count(*) FILTER (WHERE outcome = 'denied') AS denied
  FROM nhi_activity
  WHERE org_id = :org AND occurred_at >= :start AND occurred_at < :end
  GROUP BY 1, 2
), p AS (
  SELECT n.id AS nhi_id,
         percentile_cont(0.99) WITHIN GROUP (ORDER BY coalesce(w.spend, 0)) AS p99
  FROM nhis n CROSS JOIN hours LEFT JOIN win w ON w.nhi_id = n.id AND w.h = hours.h
  WHERE n.org_id = :org
  GROUP BY n.id
), base AS (
  SELECT nhi_id, sum(spend_usd) / 168 AS baseline
  FROM nhi_activity
  WHERE org_id = :org AND occurred_at >= CAST(:start AS timestamptz) - interval '7 days'
    AND occurred_at < :start
  GROUP BY nhi_id
), den AS (
  SELECT nhi_id, sum(denied) AS denied FROM win GROUP BY nhi_id
), g AS (
  SELECT nhi_id, count(*) AS guardians FROM nhi_guardians WHERE org_id = :org GROUP BY nhi_id
)
SELECT n.id, n.label, p.p99, coalesce(base.baseline, 0) AS baseline,
       coalesce(den.denied, 0) AS denied, coalesce(g.guardians, 0) AS guardians,
       coalesce((SELECT max(a.occurred_at) FROM nhi_activity a
                 WHERE a.org_id = :org AND a.nhi_id = n.id AND a.occurred_at < :end),
                n.last_seen_at) AS last_seen_at
FROM nhis n JOIN p ON p.nhi_id = n.id
LEFT JOIN base ON base.nhi_id = n.id LEFT JOIN den ON den.nhi_id = n.id
LEFT JOIN g ON g.nhi_id = n.id
WHERE n.org_id = :org
ORDER BY n.label, n.id
"""


async def load(
    engine: AsyncEngine, org_id: uuid.UUID, admin_id: uuid.UUID, end: datetime, events: int
) -> None:
    values = {"org": org_id, "end": end, "nhis": NHIS, "days": DAYS, "count": events}
    async with engine.begin() as conn:
        await conn.execute(text("SELECT setseed(0.9)"))
        await add_tenant(conn, org_id, admin_id, f"bench-{org_id.hex[:6]}", "growth")
        for statement in (NHIS_SQL, GUARDIANS_SQL, BINDINGS_SQL, ACTIVITY_SQL):
            await conn.execute(text(statement), values)
    await vacuum_analyze(engine)


async def floor_rows(engine: AsyncEngine, window: dict[str, Any]) -> list[Any]:
    async with engine.connect() as conn:
        return list(await conn.execute(text(FLOOR_SQL), window))


def check_agree(found: list[Risk], floor: list[Any]) -> None:
    """The floor computes what the core does (p99 to 1e-9 and the baseline to 1e-12: the
    floor's percentile is a double precision figure and its mean a rounded numeric, the
    core's are exact fractions)."""
    assert len(found) == len(floor), (len(found), len(floor))
    for risk, row in zip(found, floor, strict=True):
        inputs = risk.inputs
        assert inputs.nhi_id == row.id, (inputs.label, row.label)
        assert abs(float(inputs.p99_spend) - row.p99) < 1e-9, (inputs.label, inputs, row)
        baseline = Fraction(row.baseline)  # numeric division: 20 decimals
        assert abs(inputs.rolling_baseline - baseline) < Fraction(1, 10**12), (inputs, row)
        assert (inputs.denied_attempts, inputs.guardians) == (row.denied, row.guardians)
        assert inputs.last_seen_at == row.last_seen_at, (inputs.label, inputs, row)


async def measure(
    engine: AsyncEngine, org_id: uuid.UUID, admin_id: uuid.UUID, end: datetime, runs: int
) -> None:
    start = end - timedelta(days=7)
    window = {"org": org_id, "start": start, "end": end}

    async def core() -> list[Risk]:
        async with engine.connect() as conn:
            return await risks(conn, org_id=org_id, start=start, end=end)

    async def floor() -> None:
        await floor_rows(engine, window)

    found = await core()
    check_agree(found, await floor_rows(engine, window))
    bursts = sum("spend_burst:p99" in risk.signals for risk in found)
    print(f"nhi: {len(found)} NHIs, {bursts} with spend_burst:p99; floor agrees", flush=True)
    statements = len(await capture_statements(engine, core))
    floor_ms = await median_ms(floor, runs)
    core_ms = await median_ms(core, runs)
    print(f"nhi: {Figure('risks() (7 d)', core_ms, floor_ms, statements).line()}", flush=True)

    if not any(route.path == PATH for route in ROUTES):
        print(f"nhi: GET {PATH} is not routed on this commit: measured the core only")
        return
    query = urlencode(
        {k: v.isoformat().replace("+00:00", "Z") for k, v in {"from": start, "to": end}.items()}
    )
    async with client_as(engine, user_id=admin_id, org_id=org_id) as (client, headers):

        async def get() -> None:
            response = await client.get(f"{PATH}?{query}", headers=headers)
            response.raise_for_status()

        statements = len(await capture_statements(engine, get))
        http_ms = await median_ms(get, runs)
    figure = Figure(f"GET {PATH} (7 d)", http_ms, floor_ms, statements)
    print(f"nhi: {figure.line()}", flush=True)


async def run(url: str, runs: int = 10, events: int = EVENTS) -> None:
    end = bucket_floor(utcnow(), 3600)
    print(f"nhi: loading {NHIS:,} NHIs and {events:,} activity events ...", flush=True)
    async with fresh_database(url, "gateway_bench_nhi") as engine:
        org_id, admin_id = uuid.uuid4(), uuid.uuid4()
        started = time.perf_counter()
        await load(engine, org_id, admin_id, end, events)
        # Another organisation of a tenth the size, which must not be read.
        await load(engine, uuid.uuid4(), uuid.uuid4(), end, events // 10)
        print(f"nhi: loaded in {time.perf_counter() - started:.1f} s", flush=True)
        await measure(engine, org_id, admin_id, end, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="postgresql+asyncpg://... (a server URL)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--events", type=int, default=EVENTS)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.runs, args.events))


if __name__ == "__main__":
    main()
