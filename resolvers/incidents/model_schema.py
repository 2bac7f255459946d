"""The predictive-model root fields (``incidents:read``) and mutations
(``incidents:write``): list, one, performance, create and train."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry.scalars import JSON

from gateway.context import Info
from gateway.errors import bad_input
from gateway.permissions import requires
from gateway.validation import validated
from models.predictive import (
    FEATURES,
    MAX_PERIOD_DAYS,
    MAX_SAMPLES,
    MODEL_STATUSES,
    MODEL_TYPES,
    PredictiveModelCreate,
)
from resolvers.common import check_choice, given
from resolvers.incidents import predictive_reads
from resolvers.incidents.listing import Listing, OffsetPage, check_search, compiled_or_page
from resolvers.incidents.ml import algorithms, service
from resolvers.incidents.predictive_reads import MODELS
from resolvers.incidents.predictive_types import (
    ModelPerformance,
    PredictiveModel,
    TrainingRequest,
)
from resolvers.incidents.scopes import INCIDENTS_READ, INCIDENTS_WRITE

READ = requires(scope=INCIDENTS_READ)
WRITE = requires(scope=INCIDENTS_WRITE)
MODEL_LISTING = Listing(
    {
        name: MODELS.c[name]
        for name in (
            "name",
            "model_type",
            "algorithm_type",
            "status",
            "accuracy_score",
            "f1_score",
            "last_trained_at",
            "created_at",
            "updated_at",
        )
    },
    [MODELS.c.created_at.desc()],
    MODELS.c.id,
)


@strawberry.type
class ModelQuery:
    @strawberry.field(
        description="The organisation's predictive models, newest first unless `ordering` "
        "says otherwise; `search` looks in name and description.",
        extensions=READ,
    )
    async def predictive_models(
        self,
        info: Info,
        first: int = 20,
        offset: int = 0,
        ordering: str | None = None,
        search: str | None = None,
        model_type: str | None = None,
        status: str | None = None,
    ) -> OffsetPage[PredictiveModel]:
        org_id = await info.context.org_id()
        conditions = predictive_reads.model_conditions(
            org_id,
            model_type=check_choice(model_type, MODEL_TYPES, "modelType"),
            status=check_choice(status, MODEL_STATUSES, "status"),
            search=check_search(search, MODELS.c.name),
        )
        return await compiled_or_page(
            info,
            org_id,
            select(MODELS).where(*conditions),
            MODEL_LISTING,
            PredictiveModel.from_row,
            first=first,
            offset=offset,
            ordering=ordering,
        )

    @strawberry.field(description="One predictive model, or null.", extensions=READ)
    async def predictive_model(self, info: Info, id: uuid.UUID) -> PredictiveModel | None:
        org_id = await info.context.org_id()
        row = await info.context.one_or_none(
            predictive_reads.models_of(org_id).where(MODELS.c.id == id)
        )
        return None if row is None else PredictiveModel.from_row(row)

    @strawberry.field(
        description="A model's latest figures, its trainings and its features' importances; "
        "NOT_TRAINED for a model never trained, NOT_FOUND for an unknown one.",
        extensions=READ,
    )
    async def predictive_model_performance(self, info: Info, id: uuid.UUID) -> ModelPerformance:
        org_id = await info.context.org_id()
        model = await info.context.one_or_none(
            predictive_reads.models_of(org_id).where(MODELS.c.id == id)
        )
        trainings = (
            []
            if model is None
            else await info.context.all(predictive_reads.trainings_of(org_id, id))
        )
        return predictive_reads.performance(model, trainings)

    @strawberry.field(
        description="The algorithms this installation can train and the known features.",
        extensions=READ,
    )
    def predictive_model_options(self) -> JSON:
        options: Any = {"algorithms": list(algorithms.supported()), "features": list(FEATURES)}
        return options


@strawberry.input(description="A new predictive model (seed 001's fields).")
class PredictiveModelInput:
    name: str
    model_type: str = strawberry.field(description=f"One of {', '.join(MODEL_TYPES)}.")
    algorithm_type: str
    description: str | None = None
    model_config: JSON | None = strawberry.field(
        default=None, description="The algorithm's settings (README); null: its defaults."
    )
    feature_columns: list[str] = strawberry.field(
        default_factory=list, description="Known features (empty: every one but the target)."
    )
    target_column: str = strawberry.field(
        default="", description="What it predicts (empty: the model type's default)."
    )
    training_data_period_days: int = strawberry.field(
        default=90, description=f"1 to {MAX_PERIOD_DAYS}."
    )
    min_training_samples: int = strawberry.field(default=100, description=f"2 to {MAX_SAMPLES}.")
    auto_retrain_enabled: bool = False
    retrain_frequency_days: int = 30
    performance_threshold: float = 0.8


@strawberry.type
class ModelMutation:
    @strawberry.mutation(
        description="Create a predictive model, INACTIVE until trained (incidents:write).",
        extensions=WRITE,
    )
    async def create_predictive_model(
        self, info: Info, input: PredictiveModelInput
    ) -> PredictiveModel:
        ctx, principal = info.context, await info.context.principal()
        values = given(input)
        config = values.pop("model_config") or {}
        if not isinstance(config, dict):
            raise bad_input("modelConfig must be an object", argument="modelConfig")
        data = validated(PredictiveModelCreate, {**values, "hyperparameters": config})
        async with ctx.writing() as conn:
            row = await service.create_model(conn, actor=principal, now=ctx.now, data=data)
        return PredictiveModel.from_row(row)

    @strawberry.mutation(
        description="Train a model in the background: the job's id; the model is TRAINING "
        "(RETRAINING once trained) until the job ends. CONFLICT while it trains "
        "(incidents:write).",
        extensions=WRITE,
    )
    async def train_predictive_model(self, info: Info, id: uuid.UUID) -> TrainingRequest:
        ctx, principal = info.context, await info.context.principal()
        async with ctx.writing() as conn:
            job = await service.request_training(
                conn, actor=principal, now=ctx.now, model_id=id, models_dir=ctx.models_dir()
            )
            model = await service.model_of(conn, principal.org_id, id)
        return TrainingRequest(
            job_id=job["id"], model=PredictiveModel.from_row(model), status=model["status"]
        )
