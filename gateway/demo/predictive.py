"""The demo's predictive side: four models, queued for training, a week of anomaly
detection queued, and two dashboards (the seed's private Executive Dashboard for
managers, and a public operations one).

The jobs run as soon as a worker does (`gateway serve` runs one): the models train on
the 90 days of demo incidents in a few seconds, then each training derives its insights.
"""

from __future__ import annotations

import uuid
from typing import Any

from gateway import jobs
from gateway.demo.base import Seeder
from gateway.demo.tenancy import OrgData
from gateway.sql import table_of
from models.predictive import DashboardConfiguration, PredictiveModel
from resolvers.incidents.ml import detection, service

MODELS: tuple[tuple[str, str, str, dict[str, Any], int], ...] = (
    ("Incident forecast", "INCIDENT_PREDICTION", "ARIMA", {"order": [1, 0, 1]}, 30),
    ("Severity predictor", "SEVERITY_PREDICTION", "RANDOM_FOREST", {"n_estimators": 50}, 100),
    ("Resolution time", "RESOLUTION_TIME_PREDICTION", "RANDOM_FOREST", {"n_estimators": 50}, 50),
    ("Unusual incidents", "ANOMALY_DETECTION", "ISOLATION_FOREST", {"contamination": 0.05}, 50),
)


def _widget(kind: str, row: int, column: int, width: int = 1) -> dict[str, Any]:
    return {
        "type": kind,
        "position": {"row": row, "column": column},
        "size": {"width": width, "height": 1},
    }


async def seed_predictive(seeder: Seeder, org: OrgData) -> int:
    from resolvers.incidents.ml import rules

    now, conn = seeder.now, seeder.connection
    models = []
    for name, model_type, algorithm, config, samples in MODELS:
        features, target = rules.with_defaults(model_type, [], "")
        models.append(
            {
                "id": uuid.uuid4(),
                "org_id": org.id,
                "name": name,
                "model_type": model_type,
                "algorithm_type": algorithm,
                "model_config": config,
                "feature_columns": features,
                "target_column": target,
                "training_data_period_days": 90,
                "min_training_samples": samples,
                "auto_retrain_enabled": True,
                "retrain_frequency_days": 7,
                "performance_threshold": 0.7,
                "status": "TRAINING",
                "version": 0,
                "created_by": org.admin["id"],
                "created_at": now,
                "updated_at": now,
            }
        )
    written = await seeder.write(table_of(PredictiveModel), models, label="predictive models")
    for model in models:
        job = await jobs.enqueue(
            conn, org_id=org.id, kind=service.KIND, payload={"model_id": str(model["id"])}, now=now
        )
        await conn.execute(
            table_of(PredictiveModel)
            .update()
            .where(table_of(PredictiveModel).c.id == model["id"])
            .values(training_job_id=job["id"])
        )
    await jobs.enqueue(
        conn, org_id=org.id, kind=detection.KIND, payload={"time_window_hours": 168}, now=now
    )
    dashboards = [
        {
            "id": uuid.uuid4(),
            "org_id": org.id,
            "name": "Executive Dashboard",
            "description": "High-level metrics for executives",
            "dashboard_type": "EXECUTIVE",
            "layout_config": {"rows": 2, "columns": 3},
            "widget_configs": [
                _widget("kpi_summary", 0, 0, 2),
                _widget("anomaly_summary", 0, 2),
                _widget("cost_summary", 1, 0),
                _widget("insight_summary", 1, 1),
                {**_widget("heatmap", 1, 2), "config": {"heatmap_type": "COST_IMPACT"}},
            ],
            "is_public": False,
            "allowed_roles": ["manager"],
            "auto_refresh_enabled": True,
            "refresh_interval_seconds": 300,
            "is_active": True,
            "created_by": org.admin["id"],
            "created_at": now,
            "updated_at": now,
        },
        {
            "id": uuid.uuid4(),
            "org_id": org.id,
            "name": "Operations overview",
            "description": "What is happening now",
            "dashboard_type": "OPERATIONAL",
            "layout_config": {"rows": 2, "columns": 2},
            "widget_configs": [
                _widget("recent_anomalies", 0, 0),
                _widget("recent_insights", 0, 1),
                _widget("heatmap", 1, 0, 2),
            ],
            "is_public": True,
            "allowed_roles": [],
            "auto_refresh_enabled": True,
            "refresh_interval_seconds": 60,
            "is_active": True,
            "created_by": org.admin["id"],
            "created_at": now,
            "updated_at": now,
        },
    ]
    written += await seeder.write(
        table_of(DashboardConfiguration), dashboards, label="dashboard configurations"
    )
    return written
