"""The incidents family's rows for the compiler tests (tests/compiler/test_compiled_incidents.py)
and the fields each of its compiled types declares."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

MOMENT = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
# Valid until long after any clock the tests run at (the list leaves out expired insights).
LATER = datetime(2099, 1, 1, tzinfo=UTC)
RELATED = uuid.UUID("00000000-0000-4000-8000-000000000001")
# The Team board's one widget.
HEATMAP = {
    "type": "heatmap",
    "position": {"row": 0, "column": 0},
    "size": {"width": 3, "height": 2},
    "config": {"heatmap_type": "SEVERITY_DISTRIBUTION", "time_granularity": "DAY"},
}


async def minute_apart(
    factory: Any, make: Callable[..., Awaitable[dict[str, Any]]], values: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A row made by ``make`` from each of ``values``, the first at MOMENT, each a minute
    after the one before."""
    made = []
    for n, each in enumerate(values):
        factory.now = MOMENT + n * MINUTE
        made.append(await make(**each))
    factory.now = MOMENT
    return made


async def models(factory: Any, acme: dict[str, Any]) -> dict[str, Any]:
    """Acme's predictive models, created a minute apart from MOMENT:

    | name               | type                | status   | trained          |
    |--------------------|---------------------|----------|------------------|
    | Severity predictor | SEVERITY_PREDICTION | ACTIVE   | MOMENT, v3, 0.91 |
    | Cost model         | COST_PREDICTION     | ERROR    | never (an error) |
    | Café ü forecaster  | INCIDENT_PREDICTION | INACTIVE | never            |

    Newest first: Café ü forecaster, Cost model, Severity predictor."""
    factory.now = MOMENT
    severity = await factory.predictive_model(
        acme,
        description="Learns severity from the service",
        hyperparameters={"n_estimators": 50, "max_depth": 4.0},
        status="ACTIVE",
        version=3,
        accuracy_score=0.91,
        f1_score=0.875,
        last_trained_at=MOMENT + timedelta(microseconds=250000),
        training_duration_seconds=12,
        training_samples_count=150,
        model_file_path="models/severity-3.joblib",
        auto_retrain_enabled=True,
    )
    factory.now = MOMENT + MINUTE
    cost = await factory.predictive_model(
        acme,
        "COST_PREDICTION",
        "XGBOOST",
        name="Cost model",
        feature_columns=[],
        target_column="cost_amount",
        status="ERROR",
        error_message="too few samples",
    )
    factory.now = MOMENT + 2 * MINUTE
    cafe = await factory.predictive_model(
        acme, "INCIDENT_PREDICTION", "ARIMA", name="Café ü forecaster", target_column=""
    )
    factory.now = MOMENT
    return {"severity": severity, "cost": cost, "cafe": cafe}


async def predictions(
    factory: Any, acme: dict[str, Any], user: dict[str, Any], model: dict[str, Any]
) -> dict[str, Any]:
    """Acme's anomalies and insights.

    | anomaly | type        | severity | status         | detected (MOMENT minus) |
    |---------|-------------|----------|----------------|-------------------------|
    | spike   | STATISTICAL | HIGH     | DETECTED       | 3 h                     |
    | outage  | THRESHOLD   | CRITICAL | RESOLVED       | 1 h less 0.5 s          |
    | quiet   | TEMPORAL    | LOW      | FALSE_POSITIVE | 2 days                  |

    Newest first: outage, spike, quiet.

    | insight  | type               | confidence   | created       | valid until |
    |----------|--------------------|--------------|---------------|-------------|
    | forecast | INCIDENT_FORECAST  | 0.9 HIGH     | MOMENT        | LATER       |
    | risk     | HIGH_SEVERITY_RISK | 0.6 MEDIUM   | MOMENT + 1 min| LATER       |
    | slow     | SLOW_RESOLUTION    | 0.3 LOW      | MOMENT + 2 min| expired     |
    """
    hour = timedelta(hours=1)
    spike = await factory.anomaly_detection(
        acme,
        MOMENT - 3 * hour,
        severity="HIGH",
        model_id=model["id"],
        description="Spike in db incidents",
        affected_services=["db", "web"],
        related_incidents=[str(RELATED)],
        root_cause_analysis="Disk full",
        details={"z": 4.25, "baseline": 3, "window": {"hours": 1}},
    )
    outage = await factory.anomaly_detection(
        acme,
        MOMENT - hour + timedelta(seconds=0.5),
        severity="CRITICAL",
        status="RESOLVED",
        anomaly_type="THRESHOLD",
        resolved_at=MOMENT,
        resolved_by=user["id"],
        resolution_notes="Restarted",
        actions_taken=["paged", "restarted"],
    )
    quiet = await factory.anomaly_detection(
        acme,
        MOMENT - 48 * hour,
        severity="LOW",
        status="FALSE_POSITIVE",
        anomaly_type="TEMPORAL",
        description="Café ü quiet hour",
    )
    forecast = await factory.insight(
        acme,
        predicted_value={"total": 12.0, "by_day": [1, 2.5]},
        valid_until=LATER,
        is_acknowledged=True,
        acknowledged_by=user["id"],
        acknowledged_at=MOMENT + MINUTE,
        model_id=model["id"],
    )
    factory.now = MOMENT + MINUTE
    risk = await factory.insight(
        acme,
        insight_type="HIGH_SEVERITY_RISK",
        confidence_score=0.6,
        title="Café ü: more HIGH incidents",
        valid_until=LATER,
        is_validated=True,
        validated_at=MOMENT + 2 * MINUTE,
        accuracy=0.75,
        actual_value={"total": 9},
    )
    factory.now = MOMENT + 2 * MINUTE
    slow = await factory.insight(acme, insight_type="SLOW_RESOLUTION", confidence_score=0.3)
    return {
        "spike": spike,
        "outage": outage,
        "quiet": quiet,
        "forecast": forecast,
        "risk": risk,
        "slow": slow,
    }


async def dashboards(factory: Any, acme: dict[str, Any], jane: dict[str, Any]) -> dict[str, Any]:
    """Acme's dashboards, created a minute apart from MOMENT, and two more viewers: ada
    (admin) and max (member of Sales); jane is a member of no department.

    | name                | type        | open to                        | seen by        |
    |---------------------|-------------|--------------------------------|----------------|
    | Executive Dashboard | EXECUTIVE   | admins                         | ada            |
    | Ops board           | OPERATIONAL | everyone (public; inactive)    | all            |
    | Team board          | TECHNICAL   | role member                    | all            |
    | Jane's own          | CUSTOM      | jane, its creator              | ada, jane      |
    | Sales only          | CUSTOM      | group Sales                    | ada, max       |
    """
    sales = await factory.department(acme, "Sales")
    ada = await factory.user(acme, "ada", role="admin")
    max_ = await factory.user(acme, "max", department_id=sales["id"])
    made = {"ada": ada, "max": max_}
    boards = await minute_apart(
        factory,
        partial(factory.dashboard, acme),
        [
            {},
            {
                "name": "Ops board",
                "dashboard_type": "OPERATIONAL",
                "is_public": True,
                "is_active": False,
            },
            {
                "name": "Team board",
                "dashboard_type": "TECHNICAL",
                "description": "Café ü",
                "allowed_roles": ["member"],
                "layout_config": {"rows": 4, "columns": 6},
                "widget_configs": [HEATMAP],
                "auto_refresh_enabled": False,
                "refresh_interval_seconds": 60,
            },
            {"name": "Jane's own", "dashboard_type": "CUSTOM", "created_by": jane["id"]},
            {"name": "Sales only", "dashboard_type": "CUSTOM", "allowed_roles": ["Sales"]},
        ],
    )
    made |= {f"d{n + 1}": board for n, board in enumerate(boards)}
    return made


async def endpoints(factory: Any, acme: dict[str, Any], jane: dict[str, Any]) -> dict[str, Any]:
    """Acme's webhook endpoints, created a minute apart from MOMENT:

    | url                           | description    | active | events            |
    |-------------------------------|----------------|--------|-------------------|
    | https://hooks.example.com/in  | none           | yes    | kpi, cost         |
    | https://ops.example.org/café  | Ops pager      | no     | kpi, cost         |
    | https://b.example.net/hook    | Billing Café ü | yes    | cost              |

    Newest first: b, ops, hooks. jane made the ops one."""
    hooks, ops, billing = await minute_apart(
        factory,
        partial(factory.webhook_endpoint, acme),
        [
            {},
            {
                "url": "https://ops.example.org/café",
                "description": "Ops pager",
                "is_active": False,
                "created_by": jane["id"],
            },
            {
                "url": "https://b.example.net/hook",
                "description": "Billing Café ü",
                "events": ["cost.threshold_exceeded"],
            },
        ],
    )
    return {"hooks": hooks, "ops": ops, "billing": billing}


async def metrics(factory: Any, acme: dict[str, Any], jane: dict[str, Any]) -> dict[str, Any]:
    """Acme's KPI metrics, created a minute apart from MOMENT:

    | name          | type   | active | system | by   | target | measured (period end)   |
    |---------------|--------|--------|--------|------|--------|-------------------------|
    | MTTA metric   | MTTA   | yes    | no     | jane | 15.5   | 12.25 (day before), 14  |
    | Café ü MTTR   | MTTR   | no     | no     |      |        |                         |
    | Custom ratio  | CUSTOM | yes    | yes    |      |        |                         |

    Newest first: Custom ratio, Café ü MTTR, MTTA metric."""
    mtta, mttr, custom = await minute_apart(
        factory,
        partial(factory.kpi_metric, acme),
        [
            {
                "description": "Time to acknowledge",
                "created_by": jane["id"],
                "target_value": 15.5,
            },
            {
                "metric_type": "MTTR",
                "name": "Café ü MTTR",
                "is_active": False,
                "time_window_hours": 168,
                "incident_severities": ["HIGH"],
            },
            {
                "metric_type": "CUSTOM",
                "name": "Custom ratio",
                "is_system_metric": True,
                "calculation_formula": "MTTR * 60 / MTTA",
            },
        ],
    )
    await factory.kpi_measurement(mtta, MOMENT - timedelta(days=1), "12.25")
    await factory.kpi_measurement(mtta, MOMENT, "14")
    return {"mtta": mtta, "mttr": mttr, "custom": custom}


async def costs(factory: Any, acme: dict[str, Any], jane: dict[str, Any]) -> dict[str, Any]:
    """One Acme incident's cost analyses, created a minute apart from MOMENT:

    | type         | amount   | hours | users | unit / notes              | validated |
    |--------------|----------|-------|-------|---------------------------|-----------|
    | DOWNTIME     | 1500.5   | 2.5   | 120   | Payments                  | no        |
    | LOST_REVENUE | 75000    | 0     | 0     | notes: Checked by finance | by jane   |
    | PENALTY      | 200      | 0     | 0     | Café ü ops                | no        |

    Newest first: PENALTY, LOST_REVENUE, DOWNTIME."""
    incident = await factory.incident(acme, MOMENT - timedelta(days=1))
    downtime, revenue, penalty = await minute_apart(
        factory,
        partial(factory.cost, incident),
        [
            {
                "cost_amount": "1500.5",
                "downtime_hours": "2.5",
                "affected_users": 120,
                "business_unit": "Payments",
                "calculation_method": "hours x rate",
                "calculation_details": {"rate": 600.2, "hours": 2.5},
            },
            {
                "cost_type": "LOST_REVENUE",
                "cost_amount": "75000",
                "revenue_impact": Decimal(75000),
                "is_validated": True,
                "validated_by": jane["id"],
                "validated_at": MOMENT + 5 * MINUTE,
                "validation_notes": "Checked by finance",
                "service_tier": "gold",
            },
            {"cost_type": "PENALTY", "cost_amount": "200", "business_unit": "Café ü ops"},
        ],
    )
    return {"incident": incident, "downtime": downtime, "revenue": revenue, "penalty": penalty}


MODEL_FIELDS = (
    "id name description modelType algorithmType modelConfig featureColumns targetColumn "
    "trainingDataPeriodDays minTrainingSamples status modelFilePath lastTrainedAt "
    "trainingDurationSeconds trainingSamplesCount autoRetrainEnabled retrainFrequencyDays "
    "errorMessage createdBy createdAt updatedAt __typename"
)
ANOMALY_FIELDS = (
    "id modelId anomalyType severity status detectedAt timeWindowStart timeWindowEnd "
    "affectedServices affectedMetrics description rootCauseAnalysis impactAssessment "
    "actionsTaken acknowledgedAt acknowledgedBy resolvedAt resolvedBy resolutionNotes "
    "metadata __typename"
)
INSIGHT_FIELDS = (
    "id modelId insightType title description confidenceLevel predictedValue validFrom "
    "validUntil isAcknowledged acknowledgedBy acknowledgedAt isValidated validatedAt "
    "actualValue createdAt updatedAt __typename"
)
DASHBOARD_FIELDS = (
    "id name description dashboardType layoutConfig widgetConfigs isPublic allowedRoles "
    "autoRefreshEnabled refreshIntervalSeconds isActive createdBy createdAt updatedAt "
    "__typename"
)
# Each root with every declared field: the answer of the whole list.
EVERYTHING = {
    "costAnalyses": (
        "id incidentId costType currency calculationMethod calculationDetails affectedUsers "
        "businessUnit serviceTier isValidated validatedBy validatedAt validationNotes "
        "createdAt updatedAt __typename"
    ),
    "kpiMetrics": (
        "id name description metricType aggregationType calculationFormula timeWindowHours "
        "isActive isSystemMetric createdBy createdAt updatedAt __typename"
    ),
    "webhookEndpoints": "id url description isActive createdBy createdAt __typename",
    "dashboardConfigurations": DASHBOARD_FIELDS,
    "predictiveModels": MODEL_FIELDS,
    "anomalyDetections": ANOMALY_FIELDS,
    "predictiveInsights": INSIGHT_FIELDS,
}
