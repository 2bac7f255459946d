"""The incident platform's predictive side (seed 001): predictive models and their
trainings, anomaly detections, predictive insights and dashboard configurations.

What the algorithms do with these rows is in ``resolvers/incidents/ml/``; the choices a
client may give (types, features, targets) are declared here, beside the columns.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import JSON, CheckConstraint, Column, Float, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import TenantRow, check_in, choice_field, timestamp_field

ModelType = Literal[
    "ANOMALY_DETECTION",
    "INCIDENT_PREDICTION",
    "SEVERITY_PREDICTION",
    "RESOLUTION_TIME_PREDICTION",
    "ESCALATION_PREDICTION",
    "COST_PREDICTION",
]
AlgorithmType = Literal[
    "ISOLATION_FOREST",
    "LSTM",
    "RANDOM_FOREST",
    "XGBOOST",
    "SVM",
    "NEURAL_NETWORK",
    "ARIMA",
    "PROPHET",
]
ModelStatus = Literal["TRAINING", "ACTIVE", "INACTIVE", "RETRAINING", "ERROR"]
AnomalyType = Literal["STATISTICAL", "TEMPORAL", "PATTERN", "THRESHOLD", "BEHAVIORAL"]
AnomalySeverity = Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]
AnomalyStatus = Literal["DETECTED", "INVESTIGATING", "CONFIRMED", "FALSE_POSITIVE", "RESOLVED"]
Resolution = Literal["RESOLVED", "CONFIRMED", "FALSE_POSITIVE"]
InsightType = Literal["INCIDENT_FORECAST", "HIGH_SEVERITY_RISK", "SLOW_RESOLUTION"]
ConfidenceLevel = Literal["HIGH", "MEDIUM", "LOW"]
DashboardType = Literal["EXECUTIVE", "OPERATIONAL", "TECHNICAL", "CUSTOM"]

MODEL_TYPES: tuple[str, ...] = get_args(ModelType)
ALGORITHM_TYPES: tuple[str, ...] = get_args(AlgorithmType)
MODEL_STATUSES: tuple[str, ...] = get_args(ModelStatus)
ANOMALY_TYPES: tuple[str, ...] = get_args(AnomalyType)
ANOMALY_SEVERITIES: tuple[str, ...] = get_args(AnomalySeverity)
ANOMALY_STATUSES: tuple[str, ...] = get_args(AnomalyStatus)
RESOLUTIONS: tuple[str, ...] = get_args(Resolution)
INSIGHT_TYPES: tuple[str, ...] = get_args(InsightType)
CONFIDENCE_LEVELS: tuple[str, ...] = get_args(ConfidenceLevel)
DASHBOARD_TYPES: tuple[str, ...] = get_args(DashboardType)

# Per-incident features a model may read (resolvers/incidents/ml/features.py computes
# each in SQL): the seed's three, then the incident's own fields and its creation time.
FEATURES: tuple[str, ...] = (
    "title_length",
    "description_length",
    "category",
    "severity",
    "priority",
    "service",
    "hour_of_day",
    "weekday",
    "affected_users",
)
# What each model type predicts: the targets it accepts (the first is its default).
TARGETS: dict[str, tuple[str, ...]] = {
    "SEVERITY_PREDICTION": ("severity",),
    "ESCALATION_PREDICTION": ("escalated",),
    "RESOLUTION_TIME_PREDICTION": ("resolution_hours",),
    "COST_PREDICTION": ("cost_amount",),
    "INCIDENT_PREDICTION": ("daily_incident_count",),
    # Unsupervised: no target; the features alone.
    "ANOMALY_DETECTION": ("none",),
}
CLASSIFICATION_TYPES = frozenset({"SEVERITY_PREDICTION", "ESCALATION_PREDICTION"})
REGRESSION_TYPES = frozenset({"RESOLUTION_TIME_PREDICTION", "COST_PREDICTION"})
# The algorithms each model type can be trained with, when their library is installed.
ALGORITHMS_FOR: dict[str, tuple[str, ...]] = {
    **{t: ("RANDOM_FOREST", "SVM", "NEURAL_NETWORK", "XGBOOST") for t in CLASSIFICATION_TYPES},
    **{t: ("RANDOM_FOREST", "SVM", "NEURAL_NETWORK", "XGBOOST") for t in REGRESSION_TYPES},
    "ANOMALY_DETECTION": ("ISOLATION_FOREST",),
    "INCIDENT_PREDICTION": ("ARIMA", "RANDOM_FOREST", "PROPHET", "LSTM"),
}

MAX_TEXT = 10_000
MAX_PERIOD_DAYS = 3650
MAX_SAMPLES = 1_000_000
MAX_CONFIG_KEYS = 20
MAX_WIDGETS = 50
MAX_GRID = 24  # rows or columns of a dashboard layout
MAX_ROLES = 50


class PredictiveModelBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=MAX_TEXT, sa_type=Text)
    model_type: ModelType = choice_field(30)
    algorithm_type: AlgorithmType = choice_field(20)
    # The seed's `model_config` (a name pydantic keeps for itself): hyper-parameters,
    # each checked against the algorithm's own (ml/algorithms.py).
    hyperparameters: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column("model_config", JSON, nullable=False)
    )
    feature_columns: list[str] = Field(default_factory=list, sa_type=JSON)
    target_column: str = Field(default="", max_length=50)
    training_data_period_days: int = Field(default=90, ge=1, le=MAX_PERIOD_DAYS)
    min_training_samples: int = Field(default=100, ge=2, le=MAX_SAMPLES)
    auto_retrain_enabled: bool = False
    retrain_frequency_days: int = Field(default=30, ge=1, le=365)
    performance_threshold: float = Field(default=0.8, ge=0, le=1, sa_type=Float)


class PredictiveModel(PredictiveModelBase, TenantRow, table=True):
    __tablename__ = "predictive_models"
    __table_args__ = (
        CheckConstraint(check_in("model_type", MODEL_TYPES), name="ck_predictive_models_type"),
        CheckConstraint(
            check_in("algorithm_type", ALGORITHM_TYPES), name="ck_predictive_models_algorithm"
        ),
        CheckConstraint(check_in("status", MODEL_STATUSES), name="ck_predictive_models_status"),
        # Indexes: the list, newest first.
        Index("ix_predictive_models_org_created", "org_id", "created_at"),
    )

    # Columns (id and org_id first, then PredictiveModelBase's)
    accuracy_score: float | None = Field(default=None, sa_type=Float)
    precision_score: float | None = Field(default=None, sa_type=Float)
    recall_score: float | None = Field(default=None, sa_type=Float)
    f1_score: float | None = Field(default=None, sa_type=Float)
    status: ModelStatus = choice_field(12, default="INACTIVE")
    # Bumped by each successful training; 0 until the first.
    version: int = 0
    model_file_path: str | None = Field(default=None, max_length=1000)
    last_trained_at: datetime | None = timestamp_field(nullable=True)
    training_duration_seconds: int | None = None
    training_samples_count: int | None = None
    # Why the last training failed (ERROR), else null.
    error_message: str | None = Field(default=None, max_length=MAX_TEXT, sa_type=Text)
    # The training job in hand (TRAINING/RETRAINING), so that a second train is refused.
    training_job_id: uuid.UUID | None = None
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class ModelTraining(TenantRow, table=True):
    """One finished training of a model: its metrics, the performance history."""

    __tablename__ = "model_trainings"
    __table_args__ = (Index("ix_model_trainings_model_finished", "model_id", "finished_at"),)

    # Columns (id and org_id first)
    model_id: uuid.UUID = Field(foreign_key="predictive_models.id", ondelete="CASCADE")
    job_id: uuid.UUID | None = None
    version: int | None = None  # null when it failed
    succeeded: bool
    started_at: datetime = timestamp_field()
    finished_at: datetime = timestamp_field()
    duration_seconds: float = Field(default=0.0, sa_type=Float)
    samples: int = 0
    # accuracy/precision/recall/f1 (and r2, mae for regressors), each in [0, 1] but raw r2/mae.
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    feature_importances: dict[str, float] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    error: str | None = Field(default=None, max_length=MAX_TEXT, sa_type=Text)


class AnomalyDetection(TenantRow, table=True):
    """One anomaly. ``dedup_key`` names what was found (type, service or incident, hour),
    so that detecting over the same window again adds nothing."""

    __tablename__ = "anomaly_detections"
    __table_args__ = (
        CheckConstraint(check_in("anomaly_type", ANOMALY_TYPES), name="ck_anomaly_type"),
        CheckConstraint(check_in("severity", ANOMALY_SEVERITIES), name="ck_anomaly_severity"),
        CheckConstraint(check_in("status", ANOMALY_STATUSES), name="ck_anomaly_status"),
        UniqueConstraint("org_id", "dedup_key", name="uq_anomaly_detections_key"),
        # Indexes: the list and summary, newest first.
        Index("ix_anomaly_detections_org_detected", "org_id", "detected_at"),
    )

    # Columns (id and org_id first)
    model_id: uuid.UUID | None = Field(
        default=None, foreign_key="predictive_models.id", ondelete="SET NULL"
    )
    dedup_key: str = Field(max_length=64)
    anomaly_type: AnomalyType = choice_field(12)
    severity: AnomalySeverity = choice_field(10)
    status: AnomalyStatus = choice_field(16, default="DETECTED")
    confidence_score: float = Field(sa_type=Float)
    anomaly_score: float = Field(sa_type=Float)
    threshold_used: float = Field(sa_type=Float)
    detected_at: datetime = timestamp_field(default_now=True)
    time_window_start: datetime = timestamp_field()
    time_window_end: datetime = timestamp_field()
    related_incidents: list[str] = Field(default_factory=list, sa_type=JSON)
    affected_services: list[str] = Field(default_factory=list, sa_type=JSON)
    affected_metrics: list[str] = Field(default_factory=list, sa_type=JSON)
    description: str = Field(default="", sa_type=Text)
    root_cause_analysis: str | None = Field(default=None, sa_type=Text)
    impact_assessment: str | None = Field(default=None, sa_type=Text)
    actions_taken: list[str] = Field(default_factory=list, sa_type=JSON)
    acknowledged_at: datetime | None = timestamp_field(nullable=True)
    acknowledged_by: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    resolved_at: datetime | None = timestamp_field(nullable=True)
    resolved_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    resolution_notes: str | None = Field(default=None, sa_type=Text)
    # The seed's `metadata` (an attribute of that name is SQLAlchemy's own).
    details: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column("metadata", JSON, nullable=False)
    )


class PredictiveInsight(TenantRow, table=True):
    """What an ACTIVE model expects. ``insight_key`` names the model, type and subject
    and the day it was made, so a second run that day updates the insight in place."""

    __tablename__ = "predictive_insights"
    __table_args__ = (
        CheckConstraint(check_in("insight_type", INSIGHT_TYPES), name="ck_insight_type"),
        CheckConstraint(check_in("confidence_level", CONFIDENCE_LEVELS), name="ck_insight_level"),
        UniqueConstraint("org_id", "insight_key", name="uq_predictive_insights_key"),
        Index("ix_predictive_insights_org_created", "org_id", "created_at"),
    )

    # Columns (id and org_id first)
    model_id: uuid.UUID | None = Field(
        default=None, foreign_key="predictive_models.id", ondelete="SET NULL"
    )
    insight_key: str = Field(max_length=64)
    insight_type: InsightType = choice_field(24)
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_type=Text)
    confidence_score: float = Field(sa_type=Float)
    confidence_level: ConfidenceLevel = choice_field(8)
    predicted_value: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    # The period the prediction is about: [valid_from, valid_until).
    valid_from: datetime = timestamp_field()
    valid_until: datetime = timestamp_field()
    is_acknowledged: bool = False
    acknowledged_by: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    acknowledged_at: datetime | None = timestamp_field(nullable=True)
    is_validated: bool = False
    validated_at: datetime | None = timestamp_field(nullable=True)
    accuracy: float | None = Field(default=None, sa_type=Float)
    actual_value: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class DashboardConfiguration(TenantRow, table=True):
    __tablename__ = "dashboard_configurations"
    __table_args__ = (
        CheckConstraint(check_in("dashboard_type", DASHBOARD_TYPES), name="ck_dashboard_type"),
        Index("ix_dashboard_configurations_org_created", "org_id", "created_at"),
    )

    # Columns (id and org_id first)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_type=Text)
    dashboard_type: DashboardType = choice_field(12)
    layout_config: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    widget_configs: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    is_public: bool = False
    allowed_roles: list[str] = Field(default_factory=list, sa_type=JSON)
    auto_refresh_enabled: bool = True
    refresh_interval_seconds: int = 300
    is_active: bool = True
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = timestamp_field(default_now=True)
    updated_at: datetime = timestamp_field(default_now=True)


class PredictiveModelCreate(PredictiveModelBase):
    """What a client gives; the rules between fields (algorithm, features, target,
    ``model_config``) are checked by ``resolvers/incidents/ml/rules.py``."""

    feature_columns: list[str] = Field(default_factory=list, max_length=len(FEATURES))
    hyperparameters: dict[str, Any] = Field(default_factory=dict, max_length=MAX_CONFIG_KEYS)
