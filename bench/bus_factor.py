"""Org-wide bus factor over 1,000 users x 50,000 knowledge entries (20 departments, about
a third of the entries co-authored, 5 % archived), through the gateway and as raw SQL.

Runnable alone: ``python -m bench.bus_factor --url postgresql+asyncpg://...``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import add_tenant, fresh_database, measure_gets, vacuum_analyze

USERS = 1_000
ENTRIES = 50_000
DEPARTMENTS = 20

DEPARTMENTS_SQL = """
INSERT INTO departments (id, org_id, name)
SELECT gen_random_uuid(), :org, 'dept-' || lpad(n::text, 2, '0')
FROM generate_series(1, :departments) AS n
"""

USERS_SQL = """
INSERT INTO users (id, org_id, username, name, email, role, is_active, department_id, created_at)
SELECT gen_random_uuid(), :org, 'user' || lpad(n::text, 4, '0'), 'User ' || lpad(n::text, 4, '0'),
       'user' || n || '@example.com', 'member', true, d.ids[1 + n % :departments], now()
FROM (SELECT array_agg(id ORDER BY name) AS ids FROM departments WHERE org_id = :org) AS d,
     generate_series(1, :users) AS n
"""

# Creators skewed towards the first users of each department (random()^2), so some
# departments come out dangerously concentrated, as in real knowledge bases.
ENTRIES_SQL = """
WITH u AS (
    SELECT array_agg(id ORDER BY username) AS ids,
           array_agg(department_id ORDER BY username) AS depts
    FROM users WHERE org_id = :org AND username LIKE 'user%'
)
INSERT INTO knowledge_entries (id, org_id, department_id, title, status, created_by,
                               created_at, last_reviewed_at)
SELECT gen_random_uuid(), :org, u.depts[k], 'Entry ' || n,
       CASE WHEN r < 0.05 THEN 'archived' WHEN r < 0.15 THEN 'needs_review' ELSE 'active' END,
       u.ids[k], created,
       CASE WHEN reviewed < 0.6 THEN created + (now() - created) * random() END
FROM u,
     (SELECT n, random() AS r, random() AS reviewed,
             now() - random() * interval '720 days' AS created,
             1 + floor(power(random(), 2) * :users)::int AS k
      FROM generate_series(1, :count) AS n) AS rows
"""

AUTHORS_SQL = """
INSERT INTO entry_authors (entry_id, user_id, org_id)
SELECT id, created_by, org_id FROM knowledge_entries WHERE org_id = :org
"""

# About a third of the entries gain a co-author (sometimes the creator: then no change).
CO_AUTHORS_SQL = """
WITH u AS (SELECT array_agg(id ORDER BY username) AS ids FROM users
           WHERE org_id = :org AND username LIKE 'user%')
INSERT INTO entry_authors (entry_id, user_id, org_id)
SELECT e.id, u.ids[1 + floor(random() * :users)::int], e.org_id
FROM knowledge_entries AS e, u
WHERE e.org_id = :org AND random() < 0.35
ON CONFLICT DO NOTHING
"""


async def load(
    engine: AsyncEngine, org_id: uuid.UUID, admin_id: uuid.UUID, users: int, entries: int
) -> None:
    """An organisation of ``users`` people and ``entries`` entries, plus its admin."""
    values = {"org": org_id, "departments": DEPARTMENTS, "users": users, "count": entries}
    async with engine.begin() as conn:
        await conn.execute(text("SELECT setseed(0.3)"))
        await add_tenant(conn, org_id, admin_id, f"bench-{org_id.hex[:6]}", "growth")
        for statement in (DEPARTMENTS_SQL, USERS_SQL, ENTRIES_SQL, AUTHORS_SQL, CO_AUTHORS_SQL):
            await conn.execute(text(statement), values)
    await vacuum_analyze(engine)


async def run(url: str, runs: int = 20, users: int = USERS, entries: int = ENTRIES) -> None:
    print(f"bus_factor: loading {users:,} users x {entries:,} entries ...", flush=True)
    async with fresh_database(url, "gateway_bench_bus_factor") as engine:
        org_id, admin_id = uuid.uuid4(), uuid.uuid4()
        started = time.perf_counter()
        await load(engine, org_id, admin_id, users, entries)
        # Another organisation of a tenth the size, which must not be read.
        await load(engine, uuid.uuid4(), uuid.uuid4(), users // 10, entries // 10)
        print(f"bus_factor: loaded in {time.perf_counter() - started:.1f} s", flush=True)
        await measure_gets(
            "bus_factor",
            engine,
            user_id=admin_id,
            org_id=org_id,
            paths=[
                ("bus factor (org-wide)", "/api/v1/analytics/bus-factor/"),
                ("bus factor (critical)", "/api/v1/analytics/bus-factor/critical"),
                ("staleness stats", "/api/v1/analytics/staleness/stats"),
            ],
            runs=runs,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="postgresql+asyncpg://... (a server URL)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--entries", type=int, default=ENTRIES)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.runs, args.users, args.entries))


if __name__ == "__main__":
    main()
