"""Predictive insights, derived from the organisation's ACTIVE models by the
``insights.generate`` job (after each training, and hourly with detection when the
worker schedules it), which first validates the insights whose period has ended.

- INCIDENT_FORECAST (an INCIDENT_PREDICTION model): the next 7 days' incident counts,
  from today (UTC), with the 80 % interval. Confidence: 1 - (sum of highs - sum of lows)
  / (2 x max(forecast total, 1)), clamped to [0, 1].
- HIGH_SEVERITY_RISK (a SEVERITY_PREDICTION model): per service, the mean probability
  the model gives HIGH or CRITICAL over the service's incidents of the last 30 days; one
  insight per service where it is at least 0.5, with that probability as confidence.
- SLOW_RESOLUTION (a RESOLUTION_TIME_PREDICTION model): each open incident whose
  predicted resolution time is over twice the median of the organisation's resolved
  incidents in the model's training period; confidence: the model's precision_score.

Each is valid for 7 days. ``confidence_level``: HIGH at 0.8 or more, MEDIUM at 0.5 or
more, else LOW. Once its period has ended, an insight is validated against what
happened and gets ``accuracy`` in [0, 1]: a forecast 1 - |actual - predicted| /
max(actual, predicted, 1); a risk 1 - |probability - (1 if a HIGH or CRITICAL incident
of the service came, else 0)|; a slow resolution 1 - |actual - predicted| /
max(actual, predicted) in hours (an incident still open counts its hours so far).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, cast, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.jobs import ClaimedJob, job_kind, off_loop
from gateway.rounding import half_up
from gateway.sql import percentile_cont, seconds_between, table_of, upsert
from models.incidents import Incident
from models.predictive import PredictiveInsight, PredictiveModel
from resolvers.incidents.ml import features
from resolvers.incidents.ml.detection import key_of
from resolvers.incidents.ml.training import forecast_from, predict_rows, unit_score

INCIDENTS = table_of(Incident)
INSIGHTS = table_of(PredictiveInsight)
MODELS = table_of(PredictiveModel)
KIND = "insights.generate"
HORIZON_DAYS = 7
RECENT_DAYS = 30
RISK_AT = 0.5
SLOW_FACTOR = 2.0
HIGH_SEVERITIES = ("HIGH", "CRITICAL")


def level_of(confidence: float) -> str:
    if confidence >= 0.8:
        return "HIGH"
    if confidence >= 0.5:
        return "MEDIUM"
    return "LOW"


def _insight(
    model: Any,
    kind: str,
    subject: str,
    title: str,
    description: str,
    confidence: float,
    predicted: dict[str, Any],
    start: datetime,
    now: datetime,
) -> dict[str, Any]:
    confidence = unit_score(confidence)
    return {
        "model_id": model["id"],
        "insight_key": key_of(model["id"], kind, subject, start.date().isoformat()),
        "insight_type": kind,
        "title": title[:300],
        "description": description,
        "confidence_score": confidence,
        "confidence_level": level_of(confidence),
        "predicted_value": predicted,
        "valid_from": start,
        "valid_until": start + timedelta(days=HORIZON_DAYS),
        "updated_at": now,
    }


async def _forecast(conn: AsyncConnection, model: Any, now: datetime) -> list[dict[str, Any]]:
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=model["training_data_period_days"])
    series = await features.daily_counts(conn, org_id=model["org_id"], since=since, until=today)
    mean, low, high = await off_loop(
        forecast_from, model["model_file_path"], [float(n) for n in series], HORIZON_DAYS
    )
    total = sum(mean)
    confidence = 1 - (sum(high) - sum(low)) / (2 * max(total, 1.0))
    daily = [
        {
            "date": (today + timedelta(days=n)).date().isoformat(),
            "predicted": half_up(mean[n], 1),
            "low": half_up(low[n], 1),
            "high": half_up(high[n], 1),
        }
        for n in range(HORIZON_DAYS)
    ]
    predicted = {"total": half_up(total, 1), "daily": daily}
    title = f"About {half_up(total, 0):.0f} incidents expected in the next {HORIZON_DAYS} days"
    description = f"Forecast by {model['name']} from {len(series)} days of daily incident counts."
    return [
        _insight(
            model, "INCIDENT_FORECAST", "all", title, description, confidence, predicted, today, now
        )
    ]


async def _severity_risk(conn: AsyncConnection, model: Any, now: datetime) -> list[dict[str, Any]]:
    rows = await features.incident_rows(
        conn,
        org_id=model["org_id"],
        since=now - timedelta(days=RECENT_DAYS),
        until=now,
        features=list(model["feature_columns"]),
        target=None,
    )
    if not rows:
        return []
    answers = await off_loop(predict_rows, model["model_file_path"], rows)
    per_service: dict[str, list[float]] = defaultdict(list)
    for row, answer in zip(rows, answers, strict=True):
        if isinstance(answer, dict):
            per_service[row["_service"]].append(sum(answer.get(s, 0.0) for s in HIGH_SEVERITIES))
        else:
            per_service[row["_service"]].append(float(str(answer) in HIGH_SEVERITIES))
    found = []
    for service, probabilities in sorted(per_service.items()):
        p = sum(probabilities) / len(probabilities)
        if p < RISK_AT:
            continue
        found.append(
            _insight(
                model,
                "HIGH_SEVERITY_RISK",
                service,
                f"{service} is likely to see high-severity incidents",
                f"{model['name']} rates {p:.0%} of {service}'s recent incidents HIGH or "
                f"CRITICAL ({len(probabilities)} incidents of the last {RECENT_DAYS} days).",
                p,
                {
                    "service": service,
                    "probability": half_up(p, 4),
                    "incidents_considered": len(probabilities),
                },
                now,
                now,
            )
        )
    return found


async def _slow_resolutions(
    conn: AsyncConnection, model: Any, now: datetime
) -> list[dict[str, Any]]:
    org_id = model["org_id"]
    since = now - timedelta(days=model["training_data_period_days"])
    hours = seconds_between(INCIDENTS.c.created_at, INCIDENTS.c.resolved_at) / 3600.0
    typical = (
        await conn.execute(
            select(percentile_cont(0.5, hours)).where(
                INCIDENTS.c.org_id == org_id,
                INCIDENTS.c.created_at >= since,
                INCIDENTS.c.resolved_at.is_not(None),
            )
        )
    ).scalar()
    if not typical:
        return []
    rows = await features.incident_rows(
        conn,
        org_id=org_id,
        since=now - timedelta(days=365),
        until=now,
        features=list(model["feature_columns"]),
        target=None,
        open_only=True,
    )
    if not rows:
        return []
    predictions = await off_loop(predict_rows, model["model_file_path"], rows)
    found = []
    for row, predicted in zip(rows, predictions, strict=True):
        if float(predicted) <= SLOW_FACTOR * typical:
            continue
        incident_id = str(row["incident_id"])
        found.append(
            _insight(
                model,
                "SLOW_RESOLUTION",
                incident_id,
                f"Incident {incident_id[:8]} on {row['_service']} may take "
                f"{float(predicted):.1f} h to resolve",
                f"Predicted {float(predicted):.1f} h against a typical {typical:.1f} h.",
                model["precision_score"] or 0.0,
                {
                    "incident_id": incident_id,
                    "predicted_hours": half_up(float(predicted), 2),
                    "typical_hours": half_up(float(typical), 2),
                },
                now,
                now,
            )
        )
    return found


DERIVE = {
    "INCIDENT_PREDICTION": _forecast,
    "SEVERITY_PREDICTION": _severity_risk,
    "RESOLUTION_TIME_PREDICTION": _slow_resolutions,
}


async def generate(
    conn: AsyncConnection, *, org_id: uuid.UUID, now: datetime, model_id: uuid.UUID | None = None
) -> dict[str, int]:
    """Validates the ended insights, then derives new ones from each ACTIVE model (or the
    one named: a training's own job); an insight made again the same day is updated in
    place."""
    validated = await validate(conn, org_id=org_id, now=now)
    statement = select(MODELS).where(MODELS.c.org_id == org_id, MODELS.c.status == "ACTIVE")
    if model_id is not None:
        statement = statement.where(MODELS.c.id == model_id)
    written = 0
    for model in (await conn.execute(statement.order_by(MODELS.c.created_at))).mappings():
        derive = DERIVE.get(model["model_type"])
        if derive is None or not model["model_file_path"]:
            continue
        for insight in await derive(conn, model, now):
            values = {"id": uuid.uuid4(), "org_id": org_id, "created_at": now, **insight}
            await conn.execute(
                upsert(
                    conn.dialect.name,
                    INSIGHTS,
                    values,
                    ["org_id", "insight_key"],
                    keep=("id", "created_at"),
                )
            )
            written += 1
    return {"written": written, "validated": validated}


async def _actual(conn: AsyncConnection, insight: Any, now: datetime) -> tuple[float, dict]:
    org_id, start, end = insight["org_id"], insight["valid_from"], insight["valid_until"]
    predicted = insight["predicted_value"]
    in_period = (
        INCIDENTS.c.org_id == org_id,
        INCIDENTS.c.created_at >= start,
        INCIDENTS.c.created_at < end,
    )
    if insight["insight_type"] == "INCIDENT_FORECAST":
        count = (
            await conn.execute(select(cast(func.count(), Integer)).where(*in_period))
        ).scalar_one()
        p = float(predicted.get("total", 0))
        return unit_score(1 - abs(count - p) / max(count, p, 1.0)), {"total": count}
    if insight["insight_type"] == "HIGH_SEVERITY_RISK":
        came = (
            await conn.execute(
                select(cast(func.count(), Integer)).where(
                    *in_period,
                    INCIDENTS.c.service == predicted.get("service"),
                    INCIDENTS.c.severity.in_(HIGH_SEVERITIES),
                )
            )
        ).scalar_one()
        outcome = 1.0 if came else 0.0
        p = float(predicted.get("probability", 0))
        return unit_score(1 - abs(p - outcome)), {"high_severity_incidents": came}
    incident = (
        await conn.execute(
            select(INCIDENTS.c.created_at, INCIDENTS.c.resolved_at).where(
                INCIDENTS.c.org_id == org_id,
                INCIDENTS.c.id == uuid.UUID(str(predicted.get("incident_id"))),
            )
        )
    ).first()
    if incident is None:
        return 0.0, {"incident": "deleted"}
    done = incident.resolved_at or min(now, end)
    hours = (done - incident.created_at).total_seconds() / 3600
    p = float(predicted.get("predicted_hours", 0))
    scale = max(hours, p)
    return unit_score(1 - abs(hours - p) / scale) if scale > 0 else 1.0, {
        "hours": half_up(hours, 2),
        "resolved": incident.resolved_at is not None,
    }


async def validate(conn: AsyncConnection, *, org_id: uuid.UUID, now: datetime) -> int:
    """Gives each ended, unvalidated insight its ``accuracy``: how many it validated."""
    ended = select(INSIGHTS).where(
        INSIGHTS.c.org_id == org_id,
        INSIGHTS.c.valid_until <= now,
        INSIGHTS.c.is_validated.is_(False),
    )
    count = 0
    for insight in (await conn.execute(ended)).mappings().all():
        accuracy, actual = await _actual(conn, insight, now)
        await conn.execute(
            update(INSIGHTS)
            .where(INSIGHTS.c.id == insight["id"])
            .values(
                is_validated=True,
                validated_at=now,
                accuracy=accuracy,
                actual_value=actual,
                updated_at=now,
            )
        )
        count += 1
    return count


@job_kind(KIND)
async def insights_generate(
    engine: AsyncEngine, *, job: ClaimedJob, now: datetime
) -> dict[str, Any]:
    model_id = job.payload.get("model_id")
    async with engine.begin() as conn:
        return await generate(
            conn, org_id=job.org_id, now=now, model_id=uuid.UUID(model_id) if model_id else None
        )
