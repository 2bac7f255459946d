"""GraphQL types of the predictive side: models and their trainings, anomalies (with
their related incidents, batched), insights and the summaries."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

import strawberry
from sqlalchemy import select
from strawberry.scalars import JSON

from gateway.compiler.spec import Column, Node, compilable
from gateway.context import Context, Info
from gateway.sql import table_of
from models.incidents import Incident as IncidentRow
from models.predictive import AnomalyDetection as AnomalyRow
from models.predictive import ModelTraining as TrainingRow
from models.predictive import PredictiveInsight as InsightRow
from models.predictive import PredictiveModel as ModelRow
from resolvers.batching import all_per_key
from resolvers.incidents.incident_types import Incident
from resolvers.incidents.listing import columns_named

T = TypeVar("T")
INCIDENTS = table_of(IncidentRow)
TRAININGS = table_of(TrainingRow)


def built(cls: type[T], row: Any, **given: Any) -> T:
    """``cls`` from a row: each of its fields from the row's column of that name, unless
    ``given``."""
    names = [f.name for f in dataclasses.fields(cls) if f.init]  # type: ignore[arg-type]
    return cls(**{name: given[name] if name in given else row[name] for name in names})


@strawberry.type(description="A predictive model (seed 001) and its latest evaluation.")
class PredictiveModel:
    id: uuid.UUID
    name: str
    description: str | None
    model_type: str
    algorithm_type: str
    model_config: JSON = strawberry.field(description="The algorithm's settings.")
    feature_columns: list[str]
    target_column: str
    training_data_period_days: int
    min_training_samples: int
    accuracy_score: float | None
    precision_score: float | None
    recall_score: float | None
    f1_score: float | None
    status: str = strawberry.field(description="TRAINING, ACTIVE, INACTIVE, RETRAINING or ERROR.")
    version: str = strawberry.field(description='"0" until trained, then "1", "2", ...')
    model_file_path: str | None
    last_trained_at: datetime | None
    training_duration_seconds: int | None
    training_samples_count: int | None
    auto_retrain_enabled: bool
    retrain_frequency_days: int
    performance_threshold: float
    error_message: str | None = strawberry.field(description="Why the last training failed.")
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> PredictiveModel:
        return built(cls, row, **MODEL.values(row), version=str(row["version"]))

    @strawberry.field(description="Its trainings, newest first (batched).")
    async def performance_history(self, info: Info) -> list[ModelTraining]:
        rows = await info.context.loaders.get(trainings_by_model).load(self.id)
        return [ModelTraining.from_row(row) for row in rows]


# What the selection compiler may build (gateway/compiler/spec.py); from_row reads it.
# Left to the resolvers: the four scores and performanceThreshold (floats, which the
# compiler does not write; the scores, though nullable, are not carried for a fallback
# either), version (the stored integer as text) and performanceHistory (batched). Selecting
# any of them sends the root field to the resolver path.
MODEL = compilable(
    Node(
        "PredictiveModel",
        table_of(ModelRow),
        {
            "id": Column("id"),
            "name": Column("name"),
            "description": Column("description"),
            "modelType": Column("model_type"),
            "algorithmType": Column("algorithm_type"),
            "modelConfig": Column("model_config"),
            "featureColumns": Column("feature_columns"),
            "targetColumn": Column("target_column"),
            "trainingDataPeriodDays": Column("training_data_period_days"),
            "minTrainingSamples": Column("min_training_samples"),
            "status": Column("status"),
            "modelFilePath": Column("model_file_path"),
            "lastTrainedAt": Column("last_trained_at"),
            "trainingDurationSeconds": Column("training_duration_seconds"),
            "trainingSamplesCount": Column("training_samples_count"),
            "autoRetrainEnabled": Column("auto_retrain_enabled"),
            "retrainFrequencyDays": Column("retrain_frequency_days"),
            "errorMessage": Column("error_message"),
            "createdBy": Column("created_by"),
            "createdAt": Column("created_at"),
            "updatedAt": Column("updated_at"),
        },
        to_resolvers=frozenset(("accuracyScore", "precisionScore", "recallScore", "f1Score")),
    ),
    lambda row: PredictiveModel.from_row(row),
)


@strawberry.type(description="One training of a model: its figures, or why it failed.")
class ModelTraining:
    id: uuid.UUID
    version: str | None
    succeeded: bool
    started_at: datetime
    finished_at: datetime
    duration_seconds: float
    samples: int
    metrics: JSON
    feature_importances: JSON
    error: str | None

    @classmethod
    def from_row(cls, row: Any) -> ModelTraining:
        version = None if row["version"] is None else str(row["version"])
        return built(cls, row, version=version)


async def trainings_by_model(ctx: Context, keys: Sequence[uuid.UUID]) -> list[list[Any]]:
    org_id = await ctx.org_id()
    statement = (
        select(TRAININGS)
        .where(TRAININGS.c.org_id == org_id, TRAININGS.c.model_id.in_(keys))
        .order_by(TRAININGS.c.finished_at.desc(), TRAININGS.c.id)
    )
    return all_per_key(await ctx.all(statement), keys, "model_id")


@strawberry.type(description="A feature and its share of the model's decisions.")
class FeatureImportance:
    feature: str
    importance: float


@strawberry.type(description="A trained model's latest figures and its history.")
class ModelPerformance:
    model_id: uuid.UUID
    version: str
    status: str
    last_trained_at: datetime | None
    accuracy_score: float | None
    precision_score: float | None
    recall_score: float | None
    f1_score: float | None
    training_samples_count: int | None
    training_duration_seconds: int | None
    metrics: JSON = strawberry.field(description="The latest training's own figures.")
    feature_importances: list[FeatureImportance] = strawberry.field(
        description="Largest first; empty for an algorithm without them."
    )
    history: list[ModelTraining]


@strawberry.type(description="A training request: the job that trains the model.")
class TrainingRequest:
    job_id: uuid.UUID
    model: PredictiveModel
    status: str


@strawberry.type(description="An anomaly (seed 001).")
class AnomalyDetection:
    id: uuid.UUID
    model_id: uuid.UUID | None
    anomaly_type: str
    severity: str
    status: str
    confidence_score: float
    anomaly_score: float
    threshold_used: float
    detected_at: datetime
    time_window_start: datetime
    time_window_end: datetime
    related_incident_ids: list[uuid.UUID]
    affected_services: list[str]
    affected_metrics: list[str]
    description: str
    root_cause_analysis: str | None
    impact_assessment: str | None
    actions_taken: list[str]
    acknowledged_at: datetime | None
    acknowledged_by: uuid.UUID | None
    resolved_at: datetime | None
    resolved_by: uuid.UUID | None
    resolution_notes: str | None
    metadata: JSON

    @classmethod
    def from_row(cls, row: Any) -> AnomalyDetection:
        return built(
            cls,
            row,
            **ANOMALY.values(row),
            related_incident_ids=[uuid.UUID(i) for i in row["related_incidents"]],
        )

    @strawberry.field(description="The incidents it concerns that still exist (batched).")
    async def related_incidents(self, info: Info) -> list[Incident]:
        rows = await info.context.loaders.get(incidents_by_id).load_many(self.related_incident_ids)
        return [Incident.from_row(row) for row in rows if row is not None]


# What the selection compiler may build (gateway/compiler/spec.py); from_row reads it.
# Left to the resolvers: the three scores (floats, which the compiler does not write),
# relatedIncidentIds (the stored ids as UUIDs) and relatedIncidents (batched), all
# non-null: selecting one sends the root field to the resolver path.
ANOMALY = compilable(
    Node(
        "AnomalyDetection",
        table_of(AnomalyRow),
        columns_named(
            "id",
            "model_id",
            "anomaly_type",
            "severity",
            "status",
            "detected_at",
            "time_window_start",
            "time_window_end",
            "affected_services",
            "affected_metrics",
            "description",
            "root_cause_analysis",
            "impact_assessment",
            "actions_taken",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "resolution_notes",
            "metadata",
        ),
    ),
    lambda row: AnomalyDetection.from_row(row),
)


async def incidents_by_id(ctx: Context, keys: Sequence[uuid.UUID]) -> list[Any]:
    org_id = await ctx.org_id()
    rows = await ctx.all(
        select(INCIDENTS).where(INCIDENTS.c.org_id == org_id, INCIDENTS.c.id.in_(keys))
    )
    found = {row["id"]: row for row in rows}
    return [found.get(key) for key in keys]


@strawberry.type(description="The organisation's anomalies in figures.")
class AnomalySummary:
    total_anomalies: int
    critical_anomalies: int
    high_anomalies: int
    medium_anomalies: int
    low_anomalies: int
    unresolved_anomalies: int = strawberry.field(description="DETECTED or INVESTIGATING.")
    false_positive_rate: str = strawberry.field(
        description="FALSE_POSITIVE / (CONFIRMED + FALSE_POSITIVE + RESOLVED) x 100, one "
        'decimal ("0.0" when none is decided).'
    )
    average_resolution_time: str | None = strawberry.field(
        description="Mean of resolved_at - detected_at as H:MM:SS; null when none is resolved."
    )


@strawberry.type(description="What an ACTIVE model expects (seed 001).")
class PredictiveInsight:
    id: uuid.UUID
    model_id: uuid.UUID | None
    insight_type: str = strawberry.field(
        description="INCIDENT_FORECAST, HIGH_SEVERITY_RISK or SLOW_RESOLUTION."
    )
    title: str
    description: str
    confidence_score: float
    confidence_level: str = strawberry.field(description="HIGH >= 0.8, MEDIUM >= 0.5, LOW.")
    predicted_value: JSON
    valid_from: datetime
    valid_until: datetime
    is_acknowledged: bool
    acknowledged_by: uuid.UUID | None
    acknowledged_at: datetime | None
    is_validated: bool
    validated_at: datetime | None
    accuracy: float | None
    actual_value: JSON | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> PredictiveInsight:
        return built(cls, row, **INSIGHT.values(row))


# What the selection compiler may build (gateway/compiler/spec.py); from_row reads it.
# Left to the resolvers: confidenceScore and accuracy (floats, which the compiler does
# not write; accuracy, though nullable, is not carried for a fallback either): selecting
# one sends the root field to the resolver path.
INSIGHT = compilable(
    Node(
        "PredictiveInsight",
        table_of(InsightRow),
        columns_named(
            "id",
            "model_id",
            "insight_type",
            "title",
            "description",
            "confidence_level",
            "predicted_value",
            "valid_from",
            "valid_until",
            "is_acknowledged",
            "acknowledged_by",
            "acknowledged_at",
            "is_validated",
            "validated_at",
            "actual_value",
            "created_at",
            "updated_at",
        ),
        to_resolvers=frozenset(("accuracy",)),
    ),
    lambda row: PredictiveInsight.from_row(row),
)


@strawberry.type(description="The organisation's insights in figures.")
class InsightSummary:
    total_insights: int
    high_confidence_insights: int
    medium_confidence_insights: int
    low_confidence_insights: int
    acknowledged_insights: int
    validated_insights: int
    expired_insights: int
    average_accuracy: str | None = strawberry.field(
        description="The validated insights' mean accuracy, two decimals; null when none."
    )
    active_models: int = strawberry.field(description="Models with status ACTIVE.")
