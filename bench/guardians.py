"""Guardian verdict analytics over 1,000,000 verdict events (5 guardians, two days, two
organisations): the summary, the 1m timeseries over 24 h and the per-guardian rollup,
through the gateway and as raw SQL."""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from sqlalchemy import text

from bench.common import add_tenant, fresh_database, measure_gets, vacuum_analyze

EVENTS = 1_000_000
GUARDIANS = ("PII-Redactor", "Injection-Shield", "Cred-Scanner", "Toxicity-Filter", "Jailbreak")

# One INSERT ... SELECT over generate_series: guardians by position, a verdict mix of
# about 90/7/2/1 %, latencies 20-400 ms, a violation type on every non-pass, over the
# last 48 hours (so the default day holds about half).
LOAD = """
WITH g AS (SELECT array_agg(id ORDER BY name) AS ids FROM guardians WHERE org_id = :org)
INSERT INTO guardian_verdicts (id, org_id, guardian_id, verdict, latency_ms, violation_type,
                               environment, tag, created_at)
SELECT gen_random_uuid(), :org,
       g.ids[1 + n % :guardians],
       CASE WHEN r < 0.90 THEN 'passed' WHEN r < 0.97 THEN 'corrected'
            WHEN r < 0.99 THEN 'blocked' ELSE 'error' END,
       20 + (random() * 380)::int,
       CASE WHEN r >= 0.90 AND r < 0.99
            THEN (ARRAY['pii_exposure','credential_leak','prompt_injection','toxicity',
                        'jailbreak','secrets','profanity'])[1 + (n / 7) % 7] END,
       (ARRAY['live','live','live','test','dev'])[1 + n % 5],
       CASE WHEN n % 3 = 0 THEN 'payments' WHEN n % 3 = 1 THEN 'support' END,
       now() - random() * interval '48 hours'
FROM g, (SELECT n, random() AS r FROM generate_series(1, :count) AS n) AS rows
"""


async def load(engine, org_id: uuid.UUID, user_id: uuid.UUID, count: int, label: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("SELECT setseed(0.42)"))
        await add_tenant(conn, org_id, user_id, label, "enterprise")
        for name in GUARDIANS:
            await conn.execute(
                text(
                    "INSERT INTO guardians (id, org_id, name, environment, tags, config, "
                    "is_active, created_at) VALUES (gen_random_uuid(), :org, :name, 'live', "
                    "'[]', '{}', true, now())"
                ),
                {"org": org_id, "name": name},
            )
        await conn.execute(text(LOAD), {"org": org_id, "guardians": len(GUARDIANS), "count": count})
    await vacuum_analyze(engine)


async def run(url: str, runs: int = 20, events: int = EVENTS) -> None:
    print(f"guardians: loading {events:,} verdict events into PostgreSQL ...", flush=True)
    async with fresh_database(url, "gateway_bench_guardians") as engine:
        org_id, user_id = uuid.uuid4(), uuid.uuid4()
        started = time.perf_counter()
        # 90 % in the measured organisation, 10 % in another that must not be read.
        await load(engine, org_id, user_id, events * 9 // 10, "bench")
        await load(engine, uuid.uuid4(), uuid.uuid4(), events // 10, "noise")
        print(f"guardians: loaded in {time.perf_counter() - started:.1f} s", flush=True)
        base = "/v1/analytics/governance"
        await measure_gets(
            "guardians",
            engine,
            user_id=user_id,
            org_id=org_id,
            paths=[
                ("summary (24 h)", f"{base}/summary"),
                ("timeseries 1m (24 h)", f"{base}/timeseries?bucket=1m"),
                ("timeseries latency 1h", f"{base}/timeseries?metric=latency"),
                ("by-guardian (24 h)", f"{base}/by-guardian"),
            ],
            runs=runs,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="postgresql+asyncpg://... (a server URL)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--events", type=int, default=EVENTS)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.runs, args.events))


if __name__ == "__main__":
    main()
