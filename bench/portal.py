"""DORA and catalog health over 1,000,000 deployments (100 components x 5 environments,
90 days, two organisations), through the gateway and as raw SQL."""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from sqlalchemy import text

from bench.common import add_tenant, fresh_database, measure_gets, vacuum_analyze

DEPLOYMENTS = 1_000_000
COMPONENTS = 100
ENVIRONMENTS = 5

LOAD = """
WITH c AS (SELECT array_agg(id ORDER BY name) AS ids FROM components WHERE org_id = :org),
     e AS (SELECT array_agg(id ORDER BY name) AS ids FROM environments WHERE org_id = :org)
INSERT INTO deployments (id, org_id, component_id, environment_id, status, version,
                         started_at, finished_at)
SELECT gen_random_uuid(), :org,
       c.ids[1 + n % :components],
       e.ids[1 + (n / :components) % :environments],
       CASE WHEN r < 0.80 THEN 'SUCCEEDED' WHEN r < 0.90 THEN 'FAILED'
            WHEN r < 0.95 THEN 'ROLLED_BACK' WHEN r < 0.98 THEN 'RUNNING' ELSE 'PENDING' END,
       'v' || n,
       started,
       CASE WHEN r < 0.95 THEN started + (r * interval '2 hours') END
FROM c, e,
     (SELECT n, random() AS r, now() - (random() * interval '90 days') AS started
      FROM generate_series(1, :count) AS n) AS rows
"""


async def load(engine, org_id: uuid.UUID, user_id: uuid.UUID, count: int, label: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("SELECT setseed(0.42)"))
        await add_tenant(conn, org_id, user_id, label, "enterprise")
        await conn.execute(
            text(
                "INSERT INTO components (id, org_id, name, kind, lifecycle, owner, created_at, "
                "updated_at) SELECT gen_random_uuid(), :org, 'svc-' || lpad(n::text, 3, '0'), "
                "(ARRAY['service','library','api','website'])[1 + n % 4], "
                "(ARRAY['production','experimental','planned','deprecated','decommissioned'])"
                "[1 + n % 5], CASE WHEN n % 7 = 0 THEN NULL ELSE 'team-' || (n % 9) END, "
                "now(), now() FROM generate_series(1, :n) AS n"
            ),
            {"org": org_id, "n": COMPONENTS},
        )
        await conn.execute(
            text(
                "INSERT INTO environments (id, org_id, name, created_at) SELECT "
                "gen_random_uuid(), :org, 'env-' || n, now() FROM generate_series(1, :n) AS n"
            ),
            {"org": org_id, "n": ENVIRONMENTS},
        )
        # Components and environments by position, so the load is one statement.
        await conn.execute(
            text(LOAD),
            {"org": org_id, "components": COMPONENTS, "environments": ENVIRONMENTS, "count": count},
        )
    await vacuum_analyze(engine)


async def run(url: str, runs: int = 20, deployments: int = DEPLOYMENTS) -> None:
    print(f"portal: loading {deployments:,} deployments into PostgreSQL ...", flush=True)
    async with fresh_database(url, "gateway_bench_portal") as engine:
        org_id, user_id = uuid.uuid4(), uuid.uuid4()
        started = time.perf_counter()
        # 90 % in the measured organisation, 10 % in another that must not be read.
        await load(engine, org_id, user_id, deployments * 9 // 10, "bench")
        await load(engine, uuid.uuid4(), uuid.uuid4(), deployments // 10, "noise")
        print(f"portal: loaded in {time.perf_counter() - started:.1f} s", flush=True)
        await measure_gets(
            "portal",
            engine,
            user_id=user_id,
            org_id=org_id,
            paths=[
                ("dora (30 days)", "/api/v1/analytics/dora?days=30"),
                ("dora (90 days)", "/api/v1/analytics/dora?days=90"),
                ("catalogHealth", "/api/v1/analytics/catalog"),
            ],
            runs=runs,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="postgresql+asyncpg://... (a server URL)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--deployments", type=int, default=DEPLOYMENTS)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.runs, args.deployments))


if __name__ == "__main__":
    main()
