"""The agent console over 1,000,000 agent actions (eight agents, 30 days, two
organisations): trends, the realtime metrics and the executive dashboard through the
gateway, beside the same SQL run straight on the driver."""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from sqlalchemy import text

from bench.common import add_tenant, fresh_database, measure_gets, vacuum_analyze

ACTIONS = 1_000_000
AGENTS = 8

# One INSERT ... SELECT over generate_series: agents and tools by position, a risk mix of
# about 50/30/15/5 % (low to critical), statuses 60 % auto-approved, 20 % approved, 5 %
# denied, 15 % pending, a NIST control on a third, over the last 30 days.
LOAD = """
INSERT INTO agent_actions (id, org_id, display_id, agent_id, action_type, tool_name,
                           risk_level, mitre_tactic, nist_control, recommendation, summary,
                           status, reviewed_by, timestamp)
SELECT gen_random_uuid(), :org, n,
       'agent-' || (1 + n % :agents),
       (ARRAY['email_send','database_query','file_read','api_call'])[1 + n % 4],
       (ARRAY['email_service','database_query','file_store','http_client','search'])[1 + n % 5],
       CASE WHEN r < 0.50 THEN 'low' WHEN r < 0.80 THEN 'medium'
            WHEN r < 0.95 THEN 'high' ELSE 'critical' END,
       'TA000' || (1 + n % 9),
       CASE WHEN n % 3 = 0 THEN 'AC-3' END,
       'Verify recipient authorization',
       'Action ' || n,
       CASE WHEN s < 0.60 THEN 'auto_approved' WHEN s < 0.80 THEN 'approved'
            WHEN s < 0.85 THEN 'denied' ELSE 'pending' END,
       NULL,
       now() - random() * interval '30 days'
FROM (SELECT n, random() AS r, random() AS s FROM generate_series(1, :count) AS n) AS rows
"""


async def load(engine, org_id: uuid.UUID, user_id: uuid.UUID, count: int, label: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("SELECT setseed(0.42)"))
        await add_tenant(conn, org_id, user_id, label, "enterprise")
        await conn.execute(text(LOAD), {"org": org_id, "agents": AGENTS, "count": count})
        await conn.execute(
            text("INSERT INTO agent_action_counters (org_id, last_display_id) VALUES (:org, :n)"),
            {"org": org_id, "n": count},
        )
    await vacuum_analyze(engine)


async def run(url: str, runs: int = 20, actions: int = ACTIONS) -> None:
    print(f"agents: loading {actions:,} agent actions into PostgreSQL ...", flush=True)
    async with fresh_database(url, "gateway_bench_agents") as engine:
        org_id, user_id = uuid.uuid4(), uuid.uuid4()
        started = time.perf_counter()
        # 90 % in the measured organisation, 10 % in another that must not be read.
        await load(engine, org_id, user_id, actions * 9 // 10, "bench")
        await load(engine, uuid.uuid4(), uuid.uuid4(), actions // 10, "noise")
        print(f"agents: loaded in {time.perf_counter() - started:.1f} s", flush=True)
        base = "/api/analytics"
        await measure_gets(
            "agents",
            engine,
            user_id=user_id,
            org_id=org_id,
            paths=[
                ("trends (7 days)", f"{base}/trends"),
                ("trends (30 days)", f"{base}/trends?days=30"),
                ("realtime metrics", f"{base}/realtime/metrics"),
                ("executive dashboard (30 d)", f"{base}/executive/dashboard"),
                ("predictive trends", f"{base}/predictive/trends"),
            ],
            runs=runs,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="postgresql+asyncpg://... (a server URL)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--actions", type=int, default=ACTIONS)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.runs, args.actions))


if __name__ == "__main__":
    main()
