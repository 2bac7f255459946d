"""The predictive trends' GraphQL types (seed 004): a union of the two answers the seed
shows, so that one stored operation draws either with exactly its own keys (an inline
fragment per member). Semantics are in ``forecast.py`` and ``forecast_model.py``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry


@strawberry.type(description="One forecast day of the organisation's high-risk actions.")
class RiskForecastDay:
    date: date
    predicted_high_risk_actions: int = strawberry.field(
        description="High and critical actions expected that UTC day (half-up, at least 0)."
    )
    confidence: float = strawberry.field(
        description="clamp(1 - z(0.9) * sigma * sqrt(h) / max(forecast, 1), 0.5, 0.99): "
        "how narrow the 80 % prediction interval is around the forecast, h days ahead."
    )
    trend: str = strawberry.field(
        description="increasing, decreasing or stable: the change from the day before, "
        "over the recent daily mean, beyond ±5 %."
    )


@strawberry.type(description="One of the five busiest agents' next 7 days.")
class AgentWorkloadForecast:
    agent_id: str
    predicted_actions: int = strawberry.field(
        description="Actions expected over the next 7 days (half-up, at least 0)."
    )
    confidence: float = strawberry.field(description="The mean of its 7 days' confidences.")
    recommendation: str = strawberry.field(
        description="Monitor capacity (> 20 % above the recent daily mean), Scale down "
        "(> 20 % below), else Capacity adequate."
    )


@strawberry.type(description="A last complete day far from its own previous 14 days.")
class ForecastAnomaly:
    type: str = strawberry.field(description="spike or drop.")
    description: str
    severity: str = strawberry.field(description="medium (|z| > 3.5) or high (|z| > 5).")
    timestamp: datetime = strawberry.field(description="The start of the day judged (UTC).")
    agent_id: str | None = strawberry.field(
        description="The agent whose actions it is about; null for the organisation's "
        "high-risk actions."
    )
    modified_z_score: float | None = strawberry.field(
        description="0.6745 * (x - median) / MAD, 2 decimals; null when the baseline is "
        "constant (any other x is then an anomaly)."
    )


@strawberry.type
class RiskPredictions:
    recommended_actions: list[str] = strawberry.field(
        description="What to do, by the rules in the README (at least one line)."
    )


@strawberry.type(description="The data a forecast was made from.")
class ForecastDataCollection:
    days_collected: int = strawberry.field(
        description="UTC days with at least one action among the last 28, today included."
    )
    total_actions: int = strawberry.field(description="Actions in those 28 days.")
    collection_progress: float = strawberry.field(
        description="min(days collected / 14, 1) * 100, 1 decimal."
    )
    ready: bool
    quality: str


@strawberry.type
class ForecastMeta:
    version: str
    mock_data: bool
    prediction_method: str
    model: str = strawberry.field(
        description="holt_winters, holt_linear, or series_mean when a fit failed: what "
        "forecast the high-risk actions."
    )
    confidence_range: list[float] = strawberry.field(
        description="The lowest and highest confidence of the risk forecast's days."
    )
    phase: str


@strawberry.type(description="Forecasts from 4 days of data or more.")
class PredictiveTrendsActive:
    status: str = strawberry.field(description="active.")
    prediction_quality: str = strawberry.field(
        description="high (14 days collected or more), medium (7 or more) or low."
    )
    risk_forecast: list[RiskForecastDay] = strawberry.field(
        description="Tomorrow to a week from tomorrow, oldest first."
    )
    agent_workload_forecast: list[AgentWorkloadForecast] = strawberry.field(
        description="The 5 agents with the most actions in the last 28 days; ties by name."
    )
    anomalies: list[ForecastAnomaly]
    risk_predictions: RiskPredictions
    data_collection: ForecastDataCollection
    meta: ForecastMeta
    timestamp: datetime = strawberry.field(description="When it was computed.")


@strawberry.type(description="How far the collection of data for forecasts has come.")
class CollectionProgress:
    days_collected: int = strawberry.field(
        description="UTC days with at least one action among the last 28, today included."
    )
    minimum_required: int
    optimal_required: int
    total_actions: int = strawberry.field(description="Actions in those 28 days.")
    collection_progress: float = strawberry.field(
        description="days collected / 4 * 100, 1 decimal."
    )
    estimated_ready_date: date = strawberry.field(
        description="Today (UTC) plus the days still missing."
    )


@strawberry.type
class PlannedFeature:
    feature: str
    description: str
    accuracy_target: str
    benefit: str


@strawberry.type(description="Fewer than 4 days of data: no forecast yet.")
class PredictiveTrendsCollecting:
    status: str = strawberry.field(description="collecting_data.")
    message: str
    data_collection: CollectionProgress
    planned_features: list[PlannedFeature]


PredictiveTrends = Annotated[
    PredictiveTrendsActive | PredictiveTrendsCollecting,
    strawberry.union(
        "PredictiveTrends",
        description="Forecasts (status active), or the progress of collecting data for them.",
    ),
]
