"""Predictive models: creation, training requests and the training job.

- A training request (``trainPredictiveModel``, REST ``train/``) enqueues a
  ``models.train`` job and sets the model TRAINING (RETRAINING when it was trained
  before), in one transaction; a model already training is a CONFLICT (409).
- The job reads the organisation's incidents of the last ``training_data_period_days``
  (in SQL, ``ml/features.py``), fits off the event loop (``gateway.jobs.off_loop``) and
  stores the pipeline with joblib under ``<models_dir>/<org>/<model>-v<version>.joblib``.
  Success: ACTIVE, version + 1, the metrics, a ``model_trainings`` row, the
  ``model.training_completed`` webhook event and an ``insights.generate`` job. Fewer rows
  than ``min_training_samples``, or data that cannot train the model: ERROR with the
  reason, a failed ``model_trainings`` row, and the job fails without retrying.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, insert, literal, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from strawberry.utils.str_converters import to_camel_case

from gateway import jobs, webhooks
from gateway.audit import Subject
from gateway.auth import Principal
from gateway.errors import GatewayError, bad_input, not_found
from gateway.jobs import ClaimedJob, job_kind, off_loop
from gateway.rounding import half_up
from gateway.settings import Settings
from gateway.sql import UTCDateTime, seconds_between, table_of
from models.predictive import ModelTraining, PredictiveModel, PredictiveModelCreate
from resolvers.incidents.audit import audit
from resolvers.incidents.ml import features, rules
from resolvers.incidents.ml.training import Fitted, Spec, TrainingError, train

log = logging.getLogger("gateway.models")

MODELS = table_of(PredictiveModel)
TRAININGS = table_of(ModelTraining)
KIND = "models.train"
BUSY = ("TRAINING", "RETRAINING")


async def model_of(conn: AsyncConnection, org_id: uuid.UUID, model_id: uuid.UUID) -> RowMapping:
    statement = select(MODELS).where(MODELS.c.org_id == org_id, MODELS.c.id == model_id)
    row = (await conn.execute(statement)).mappings().first()
    if row is None:
        raise not_found("predictive model")
    return row


async def create_model(
    conn: AsyncConnection, *, actor: Principal, now: datetime, data: PredictiveModelCreate
) -> RowMapping:
    """A new model of the actor's organisation, INACTIVE until trained."""
    refused = rules.problems(
        data.model_type,
        data.algorithm_type,
        data.hyperparameters,
        data.feature_columns,
        data.target_column,
    )
    if refused:
        field, problem = next(iter(refused.items()))
        argument = to_camel_case(field)
        raise bad_input(
            f"{argument}: {problem}",
            argument=argument,
            fields={name: [message] for name, message in refused.items()},
        )
    chosen, target = rules.with_defaults(data.model_type, data.feature_columns, data.target_column)
    values = {
        **data.model_dump(),
        "feature_columns": chosen,
        "target_column": target,
        "id": uuid.uuid4(),
        "org_id": actor.org_id,
        "status": "INACTIVE",
        "version": 0,
        "created_by": actor.user_id,
        "created_at": now,
        "updated_at": now,
    }
    # The attribute is `hyperparameters`; its column is the seed's `model_config`.
    values["model_config"] = values.pop("hyperparameters")
    created = (
        (await conn.execute(insert(MODELS).values(**values).returning(*MODELS.c))).mappings().one()
    )
    details = {"name": created["name"], "model_type": created["model_type"]}
    await audit(conn, actor, now, "CREATE", Subject("predictive_model", created["id"]), details)
    return created


async def request_training(
    conn: AsyncConnection,
    *,
    actor: Principal,
    now: datetime,
    model_id: uuid.UUID,
    models_dir: Path,
) -> RowMapping:
    """A queued training job for the model (CONFLICT while one runs): the job's row."""
    model = await model_of(conn, actor.org_id, model_id)
    if model["status"] in BUSY:
        raise GatewayError("CONFLICT", "the model is already being trained")
    job = await jobs.enqueue(
        conn,
        org_id=actor.org_id,
        kind=KIND,
        payload={"model_id": str(model_id), "models_dir": str(models_dir)},
        now=now,
    )
    # The status test makes a concurrent second request change nothing (and fail here).
    if not await start_training(conn, model, now, job["id"]):
        raise GatewayError("CONFLICT", "the model is already being trained")
    await audit(
        conn, actor, now, "TRAIN", Subject("predictive_model", model_id), {"job_id": str(job["id"])}
    )
    return job


def model_path(models_dir: str, org_id: uuid.UUID, model_id: uuid.UUID, version: int) -> str:
    return str(Path(models_dir) / str(org_id) / f"{model_id}-v{version}.joblib")


class NotEnoughData(Exception):
    pass


async def _fit(conn: AsyncConnection, model: RowMapping, spec: Spec, now: datetime) -> Fitted:
    since = now - timedelta(days=model["training_data_period_days"])
    needed = model["min_training_samples"]
    if model["model_type"] in rules.SERIES_TYPES:
        series = await features.daily_counts(conn, org_id=model["org_id"], since=since, until=now)
        if len(series) < needed:
            raise NotEnoughData(
                f"{len(series)} days of incident counts found, {needed} needed "
                "(min_training_samples)"
            )
        return await off_loop(train, spec, None, [float(n) for n in series])
    target = None if model["model_type"] == "ANOMALY_DETECTION" else spec.target
    rows = await features.incident_rows(
        conn,
        org_id=model["org_id"],
        since=since,
        until=now,
        features=spec.features,
        target=target,
    )
    if len(rows) < needed:
        raise NotEnoughData(
            f"{len(rows)} training samples found, {needed} needed (min_training_samples)"
        )
    return await off_loop(train, spec, rows, None)


async def run_training(
    engine: AsyncEngine,
    *,
    org_id: uuid.UUID,
    model_id: uuid.UUID,
    models_dir: str,
    now: datetime,
    job_id: uuid.UUID | None,
) -> dict[str, Any]:
    """Trains one model (see the module's docstring): the training's summary."""
    started = time.monotonic()
    async with engine.connect() as conn:
        model = await model_of(conn, org_id, model_id)
        version = model["version"] + 1
        spec = Spec(
            model_type=model["model_type"],
            algorithm=model["algorithm_type"],
            config=dict(model["model_config"] or {}),
            features=list(model["feature_columns"] or []),
            target=model["target_column"],
            path=model_path(models_dir, org_id, model_id, version),
        )
        try:
            fitted = await _fit(conn, model, spec, now)
        except (NotEnoughData, TrainingError) as error:
            failure: str | None = str(error)
        except Exception as error:
            # The library refused the data (a ValueError of scikit-learn, most likely):
            # the model says so rather than staying in TRAINING.
            log.exception("training model %s failed", model_id)
            failure = f"training failed: {type(error).__name__}: {error}"
        else:
            failure = None
    finished = now + timedelta(seconds=time.monotonic() - started)
    async with engine.begin() as conn:
        if failure is not None:
            await _record_failure(conn, model, failure, now, finished, job_id)
            return {"status": "ERROR", "error": failure}
        return await _record_success(conn, model, fitted, spec, version, now, finished, job_id)


async def _record_failure(
    conn: AsyncConnection,
    model: RowMapping,
    failure: str,
    started: datetime,
    finished: datetime,
    job_id: uuid.UUID | None,
) -> None:
    await conn.execute(
        update(MODELS)
        .where(MODELS.c.id == model["id"])
        .values(status="ERROR", error_message=failure, training_job_id=None, updated_at=finished)
    )
    await conn.execute(
        insert(TRAININGS).values(
            id=uuid.uuid4(),
            org_id=model["org_id"],
            model_id=model["id"],
            job_id=job_id,
            version=None,
            succeeded=False,
            started_at=started,
            finished_at=finished,
            duration_seconds=(finished - started).total_seconds(),
            samples=0,
            metrics={},
            feature_importances={},
            error=failure,
        )
    )


async def _record_success(
    conn: AsyncConnection,
    model: RowMapping,
    fitted: Fitted,
    spec: Spec,
    version: int,
    started: datetime,
    finished: datetime,
    job_id: uuid.UUID | None,
) -> dict[str, Any]:
    metrics = fitted.metrics
    # Whole seconds, as the seed's integer field holds them.
    seconds = int(half_up(fitted.seconds, 0))
    await conn.execute(
        update(MODELS)
        .where(MODELS.c.id == model["id"])
        .values(
            status="ACTIVE",
            version=version,
            model_file_path=spec.path,
            last_trained_at=finished,
            training_duration_seconds=seconds,
            training_samples_count=fitted.samples,
            accuracy_score=metrics["accuracy_score"],
            precision_score=metrics["precision_score"],
            recall_score=metrics["recall_score"],
            f1_score=metrics["f1_score"],
            error_message=None,
            training_job_id=None,
            updated_at=finished,
        )
    )
    await conn.execute(
        insert(TRAININGS).values(
            id=uuid.uuid4(),
            org_id=model["org_id"],
            model_id=model["id"],
            job_id=job_id,
            version=version,
            succeeded=True,
            started_at=started,
            finished_at=finished,
            duration_seconds=half_up(fitted.seconds, 3),
            samples=fitted.samples,
            metrics={**metrics, **({"notes": fitted.notes} if fitted.notes else {})},
            feature_importances=fitted.importances,
            error=None,
        )
    )
    summary = {
        "model_id": str(model["id"]),
        "name": model["name"],
        "model_type": model["model_type"],
        "version": str(version),
        "samples": fitted.samples,
        **{
            name: metrics[name]
            for name in ("accuracy_score", "precision_score", "recall_score", "f1_score")
        },
    }
    await webhooks.emit(
        conn, org_id=model["org_id"], event="model.training_completed", data=summary, now=finished
    )
    # The model's insights, from its new version (ml/insights.py).
    # Due at once (the job's own time: a worker's clock may not have moved since).
    await jobs.enqueue(
        conn,
        org_id=model["org_id"],
        kind="insights.generate",
        payload={"model_id": str(model["id"])},
        now=started,
    )
    return {"status": "ACTIVE", **summary}


@job_kind(KIND)
async def models_train(engine: AsyncEngine, *, job: ClaimedJob, now: datetime) -> dict[str, Any]:
    """The job: trains the payload's model. A model that cannot be trained ends in ERROR
    and the job fails at once (retrying the same data would fail again)."""
    # A job queued without one (the demo's) stores under this process's data directory.
    models_dir = job.payload.get("models_dir") or str(Settings().data_dir / "models")
    result = await run_training(
        engine,
        org_id=job.org_id,
        model_id=uuid.UUID(job.payload["model_id"]),
        models_dir=models_dir,
        now=now,
        job_id=job.id,
    )
    if result["status"] == "ERROR":
        raise jobs.JobFailed(result["error"])
    return result


def due(now: datetime) -> Any:
    """The SQL condition of a model due for training: never trained or failed
    (INACTIVE, ERROR), or ACTIVE with ``auto_retrain_enabled`` and trained longer ago
    than its ``retrain_frequency_days``."""
    m = MODELS.c
    age_days = seconds_between(m.last_trained_at, literal(now, UTCDateTime())) / 86400.0
    return or_(
        m.status.in_(("INACTIVE", "ERROR")),
        and_(
            m.status == "ACTIVE",
            m.auto_retrain_enabled.is_(True),
            age_days >= m.retrain_frequency_days,
        ),
    )


async def start_training(
    conn: AsyncConnection, model: RowMapping, now: datetime, job_id: uuid.UUID | None = None
) -> bool:
    """Marks the model TRAINING (RETRAINING once trained) unless a training is under way:
    whether it did."""
    status = "RETRAINING" if model["version"] > 0 else "TRAINING"
    marked = await conn.execute(
        update(MODELS)
        .where(MODELS.c.id == model["id"], MODELS.c.status.not_in(BUSY))
        .values(status=status, training_job_id=job_id, error_message=None, updated_at=now)
    )
    return bool(marked.rowcount)
