"""The predictive side's reads: the lists' statements, the summaries (one aggregate
statement each), and a model's performance."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, case, cast, func, select

from gateway.errors import GatewayError, not_found
from gateway.rounding import decimal_string, half_up, ratio
from gateway.sql import seconds_between, table_of
from models.predictive import (
    AnomalyDetection,
    ModelTraining,
    PredictiveInsight,
    PredictiveModel,
)
from resolvers.incidents.listing import search_condition
from resolvers.incidents.predictive_types import (
    AnomalySummary,
    FeatureImportance,
    InsightSummary,
    ModelPerformance,
)
from resolvers.incidents.predictive_types import (
    ModelTraining as TrainingType,
)

MODELS = table_of(PredictiveModel)
TRAININGS = table_of(ModelTraining)
ANOMALIES = table_of(AnomalyDetection)
INSIGHTS = table_of(PredictiveInsight)
UNRESOLVED = ("DETECTED", "INVESTIGATING")
DECIDED = ("CONFIRMED", "FALSE_POSITIVE", "RESOLVED")


def models_of(org_id: uuid.UUID) -> Select[Any]:
    return select(MODELS).where(MODELS.c.org_id == org_id)


def model_conditions(
    org_id: uuid.UUID, *, model_type: str | None, status: str | None, search: str | None
) -> list[ColumnElement[bool]]:
    """Which models the list holds: its resolver's statement and the compiled one
    (gateway/compiler) both read these."""
    conditions = [MODELS.c.org_id == org_id]
    if model_type is not None:
        conditions.append(MODELS.c.model_type == model_type)
    if status is not None:
        conditions.append(MODELS.c.status == status)
    found = search_condition(search, (MODELS.c.name, MODELS.c.description))
    if found is not None:
        conditions.append(found)
    return conditions


def anomalies_of(org_id: uuid.UUID) -> Select[Any]:
    return select(ANOMALIES).where(ANOMALIES.c.org_id == org_id)


def anomaly_conditions(
    org_id: uuid.UUID,
    *,
    choices: dict[str, str | None],
    start: datetime | None,
    end: datetime | None,
    search: str | None,
) -> list[ColumnElement[bool]]:
    """Which anomalies the list holds (``choices``: a column's name and the value it must
    have, None: any): its resolver's statement and the compiled one both read these."""
    a = ANOMALIES.c
    conditions = [a.org_id == org_id]
    conditions += [a[name] == value for name, value in choices.items() if value is not None]
    if start is not None:
        conditions.append(a.detected_at >= start)
    if end is not None:
        conditions.append(a.detected_at <= end)
    found = search_condition(search, (a.description,))
    return conditions if found is None else [*conditions, found]


def insight_conditions(
    org_id: uuid.UUID,
    now: datetime,
    *,
    choices: dict[str, str | None],
    flags: dict[str, bool | None],
    include_expired: bool,
) -> list[ColumnElement[bool]]:
    """Which insights the list holds (``choices`` and ``flags``: a column's name and the
    value it must have, None: any; the expired ones only if ``include_expired``): its
    resolver's statement and the compiled one both read these."""
    i = INSIGHTS.c
    conditions = [i.org_id == org_id]
    conditions += [i[name] == value for name, value in choices.items() if value is not None]
    conditions += [i[name].is_(value) for name, value in flags.items() if value is not None]
    return conditions if include_expired else [*conditions, i.valid_until > now]


def insights_of(org_id: uuid.UUID) -> Select[Any]:
    return select(INSIGHTS).where(INSIGHTS.c.org_id == org_id)


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def anomaly_summary_statement(org_id: uuid.UUID) -> Select[Any]:
    a = ANOMALIES.c
    resolved = a.resolved_at.is_not(None)
    return select(
        cast(func.count(), Integer).label("total"),
        *(_count(a.severity == s).label(s.lower()) for s in ("CRITICAL", "HIGH", "MEDIUM", "LOW")),
        _count(a.status.in_(UNRESOLVED)).label("unresolved"),
        _count(a.status == "FALSE_POSITIVE").label("false_positives"),
        _count(a.status.in_(DECIDED)).label("decided"),
        func.avg(case((resolved, seconds_between(a.detected_at, a.resolved_at)))).label(
            "mean_seconds"
        ),
    ).where(a.org_id == org_id)


def clock_text(seconds: float) -> str:
    """Seconds as ``H:MM:SS`` (hours past 24 stay hours: ``26:00:00``), half up."""
    whole = int(half_up(seconds, 0))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def anomaly_summary(row: Any) -> AnomalySummary:
    rate = ratio(int(row["false_positives"]) * 100, int(row["decided"]), 1)
    return AnomalySummary(
        total_anomalies=int(row["total"]),
        critical_anomalies=int(row["critical"]),
        high_anomalies=int(row["high"]),
        medium_anomalies=int(row["medium"]),
        low_anomalies=int(row["low"]),
        unresolved_anomalies=int(row["unresolved"]),
        false_positive_rate=decimal_string(rate, 1),
        average_resolution_time=(
            None if row["mean_seconds"] is None else clock_text(float(row["mean_seconds"]))
        ),
    )


def insight_summary_statement(org_id: uuid.UUID, now: datetime) -> Select[Any]:
    i = INSIGHTS.c
    active = (
        select(cast(func.count(), Integer))
        .where(MODELS.c.org_id == org_id, MODELS.c.status == "ACTIVE")
        .scalar_subquery()
    )
    return select(
        cast(func.count(), Integer).label("total"),
        *(
            _count(i.confidence_level == level).label(level.lower())
            for level in ("HIGH", "MEDIUM", "LOW")
        ),
        _count(i.is_acknowledged.is_(True)).label("acknowledged"),
        _count(i.is_validated.is_(True)).label("validated"),
        _count(i.valid_until <= now).label("expired"),
        func.avg(case((and_(i.is_validated.is_(True), i.accuracy.is_not(None)), i.accuracy))).label(
            "mean_accuracy"
        ),
        active.label("active_models"),
    ).where(i.org_id == org_id)


def insight_summary(row: Any) -> InsightSummary:
    return InsightSummary(
        total_insights=int(row["total"]),
        high_confidence_insights=int(row["high"]),
        medium_confidence_insights=int(row["medium"]),
        low_confidence_insights=int(row["low"]),
        acknowledged_insights=int(row["acknowledged"]),
        validated_insights=int(row["validated"]),
        expired_insights=int(row["expired"]),
        average_accuracy=(
            None if row["mean_accuracy"] is None else decimal_string(float(row["mean_accuracy"]), 2)
        ),
        active_models=int(row["active_models"] or 0),
    )


def performance(model: Any, trainings: list[Any]) -> ModelPerformance:
    """A model's performance: NOT_TRAINED (404) when it never was (NOT_FOUND is for an
    unknown model)."""
    if model is None:
        raise not_found("predictive model")
    if model["version"] == 0:
        raise GatewayError("NOT_TRAINED", "the model has not been trained yet")
    latest = next((t for t in trainings if t["succeeded"]), None)
    metrics: Any = dict(latest["metrics"]) if latest else {}  # the JSON scalar's value
    importances = sorted(
        (
            (name, float(value))
            for name, value in (latest["feature_importances"] if latest else {}).items()
        ),
        key=lambda item: (-item[1], item[0]),
    )
    return ModelPerformance(
        model_id=model["id"],
        version=str(model["version"]),
        status=model["status"],
        last_trained_at=model["last_trained_at"],
        accuracy_score=model["accuracy_score"],
        precision_score=model["precision_score"],
        recall_score=model["recall_score"],
        f1_score=model["f1_score"],
        training_samples_count=model["training_samples_count"],
        training_duration_seconds=model["training_duration_seconds"],
        metrics=metrics,
        feature_importances=[FeatureImportance(feature=n, importance=v) for n, v in importances],
        history=[TrainingType.from_row(t) for t in trainings],
    )


def trainings_of(org_id: uuid.UUID, model_id: uuid.UUID) -> Select[Any]:
    return (
        select(TRAININGS)
        .where(TRAININGS.c.org_id == org_id, TRAININGS.c.model_id == model_id)
        .order_by(TRAININGS.c.finished_at.desc(), TRAININGS.c.id)
        .limit(100)
    )
