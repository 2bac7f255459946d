"""Predictive models on the demo data: each of the demo's four models trained from its
90 days of incidents (the SQL that reads the features, then the fit), and anomaly
detection over a week beside its raw-SQL floor (the statements the detection sent,
replayed straight on the asyncpg connection).

Runnable alone: ``python -m bench.models --url postgresql+asyncpg://...``.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import timedelta

from sqlalchemy import select

from bench.common import Figure, capture_statements, fresh_database, median_ms, replay_ms
from gateway.demo import DEMO_ORG_IDS, seed_demo
from gateway.sql import utcnow
from models.predictive import PredictiveModel
from resolvers.incidents.ml import detection, features, rules, service


async def run(url: str, runs: int = 5) -> None:
    async with fresh_database(url, "gateway_bench_models") as engine:
        now = utcnow()
        await seed_demo(engine, progress=lambda _: None, now=now)
        org_id = DEMO_ORG_IDS[0]
        async with engine.connect() as conn:
            models = (
                (
                    await conn.execute(
                        select(PredictiveModel.__table__).where(
                            PredictiveModel.__table__.c.org_id == org_id
                        )
                    )
                )
                .mappings()
                .all()
            )
        with tempfile.TemporaryDirectory() as models_dir:
            for model in models:
                since = now - timedelta(days=model["training_data_period_days"])
                read_started = time.perf_counter()
                async with engine.connect() as conn:
                    if model["model_type"] in rules.SERIES_TYPES:
                        rows = len(
                            await features.daily_counts(conn, org_id=org_id, since=since, until=now)
                        )
                    else:
                        target = (
                            None
                            if model["model_type"] == "ANOMALY_DETECTION"
                            else (model["target_column"])
                        )
                        rows = len(
                            await features.incident_rows(
                                conn,
                                org_id=org_id,
                                since=since,
                                until=now,
                                features=list(model["feature_columns"]),
                                target=target,
                            )
                        )
                read_ms = (time.perf_counter() - read_started) * 1000
                started = time.perf_counter()
                result = await service.run_training(
                    engine,
                    org_id=org_id,
                    model_id=model["id"],
                    models_dir=models_dir,
                    now=now,
                    job_id=None,
                )
                total = time.perf_counter() - started
                print(
                    f"models: train {model['name']} ({model['algorithm_type']}, {rows} rows): "
                    f"{total:.2f} s in all, of which reading the features {read_ms:.0f} ms; "
                    f"{result['status']} f1={result.get('f1_score')}",
                    flush=True,
                )

            async def detect() -> None:
                async with engine.begin() as conn:
                    await detection.detect(conn, org_id=org_id, now=now, hours_back=168)

            statements = await capture_statements(engine, detect)
            reads = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT")]
            gateway_ms = await median_ms(detect, runs)
            floor_ms = await replay_ms(engine, reads, runs)
            figure = Figure("detect anomalies (168 h)", gateway_ms, floor_ms, len(statements))
            print(f"models: {figure.line()}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="postgresql+asyncpg://... (a server URL)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.runs))


if __name__ == "__main__":
    main()
