"""The predictive side's hourly hook (``GATEWAY_PREDICTIVE_SCHEDULE=true``): at each hour
the job worker enqueues, for every organisation, anomaly detection over the last 24
whole hours (detection is idempotent, so an hour the worker missed is caught up), insight
generation (which validates the ended ones first), and a training of each ACTIVE model
with ``auto_retrain_enabled`` whose ``retrain_frequency_days`` have passed. Each job is
due at the hour; a second worker's hook finds it there and adds none."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import jobs
from gateway.sql import table_of
from models.tenancy import Organization
from resolvers.incidents.ml import detection, insights, service

ORGS = table_of(Organization)
MODELS = service.MODELS
WINDOW_HOURS = 24


@jobs.registry.periodic("predictive")
async def hourly(engine: AsyncEngine, hour: datetime, *, data_dir: Path) -> int:
    added = 0
    async with engine.begin() as conn:
        orgs = [row.id for row in await conn.execute(select(ORGS.c.id))]
        for org_id in orgs:
            for kind, payload in (
                (detection.KIND, {"time_window_hours": WINDOW_HOURS}),
                (insights.KIND, {}),
            ):
                added += await jobs.enqueue_once(
                    conn, org_id=org_id, kind=kind, payload=payload, run_after=hour
                )
        retrain = select(MODELS).where(
            and_(MODELS.c.status == "ACTIVE", MODELS.c.auto_retrain_enabled.is_(True)),
            service.due(hour),
        )
        for model in (await conn.execute(retrain)).mappings().all():
            if not await service.start_training(conn, model, hour):
                continue
            job = await jobs.enqueue(
                conn,
                org_id=model["org_id"],
                kind=service.KIND,
                payload={"model_id": str(model["id"]), "models_dir": str(data_dir / "models")},
                now=hour,
            )
            await conn.execute(
                update(MODELS).where(MODELS.c.id == model["id"]).values(training_job_id=job["id"])
            )
            added += 1
    return added
