"""Anomaly detection over a window of whole UTC hours (``gateway anomalies detect``, the
``anomalies.detect`` job, scheduled hourly by the worker when enabled).

- STATISTICAL: each service's incident count in each hour of the window, against that
  service's hourly counts over the 14 days before the window (336 hours, zeros
  included), by modified z-score (``ml/zscore.py``).
- TEMPORAL: the same count against the same hour of the week over the 4 weeks before
  (the hours 7, 14, 21 and 28 days earlier).
- PATTERN: the incidents created in the window that an ACTIVE ISOLATION_FOREST model
  (the one named, else each of the organisation's) scores as outliers.

The counting is SQL (one GROUP BY over service and hour); the scoring is over those
counts. One anomaly per (type, service, hour), or per (PATTERN, model, incident), named by
``dedup_key``: detecting over the same window again adds nothing. Each new anomaly
emits the ``anomaly.detected`` webhook event, in the same transaction.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway import webhooks
from gateway.errors import bad_input
from gateway.jobs import ClaimedJob, job_kind, off_loop
from gateway.rounding import half_up
from gateway.sql import table_of, time_bucket, upsert
from gateway.times import rfc3339
from models.incidents import Incident
from models.predictive import AnomalyDetection, PredictiveModel
from resolvers.incidents.ml import features
from resolvers.incidents.ml.training import load
from resolvers.incidents.ml.zscore import Score, modified_z, severity_of

log = logging.getLogger("gateway.models")

INCIDENTS = table_of(Incident)
ANOMALIES = table_of(AnomalyDetection)
MODELS = table_of(PredictiveModel)
KIND = "anomalies.detect"
HOUR = timedelta(hours=1)
BASELINE_DAYS = 14
TEMPORAL_WEEKS = 4
DEFAULT_WINDOW_HOURS = 24
MAX_WINDOW_HOURS = 24 * 31


def window_of(now: datetime, hours: int) -> tuple[datetime, datetime]:
    """The last ``hours`` whole hours before ``now``."""
    end = now.replace(minute=0, second=0, microsecond=0)
    return end - timedelta(hours=hours), end


def check_window(hours_back: int) -> int:
    if not 1 <= hours_back <= MAX_WINDOW_HOURS:
        raise bad_input(
            f"timeWindowHours must be from 1 to {MAX_WINDOW_HOURS}", argument="timeWindowHours"
        )
    return hours_back


async def check_model(conn: AsyncConnection, org_id: uuid.UUID, model_id: uuid.UUID) -> None:
    """BAD_USER_INPUT unless ``model_id`` names an ACTIVE ISOLATION_FOREST model of the
    organisation (the one PATTERN detection may use)."""
    model = (
        await conn.execute(
            select(MODELS.c.algorithm_type, MODELS.c.status).where(
                MODELS.c.org_id == org_id, MODELS.c.id == model_id
            )
        )
    ).first()
    if model is None or model.algorithm_type != "ISOLATION_FOREST" or model.status != "ACTIVE":
        raise bad_input(
            "modelId must name an ACTIVE ISOLATION_FOREST model of this organisation",
            argument="modelId",
        )


def key_of(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


async def hourly_counts(
    conn: AsyncConnection, org_id: uuid.UUID, since: datetime, until: datetime
) -> dict[str, dict[datetime, int]]:
    """Incidents per service and hour in ``[since, until)``; hours without one absent."""
    hour = time_bucket("hour", INCIDENTS.c.created_at).label("hour")
    statement = (
        select(INCIDENTS.c.service, hour, cast(func.count(), Integer).label("n"))
        .where(
            INCIDENTS.c.org_id == org_id,
            INCIDENTS.c.created_at >= since,
            INCIDENTS.c.created_at < until,
        )
        .group_by(INCIDENTS.c.service, hour)
    )
    counts: dict[str, dict[datetime, int]] = defaultdict(dict)
    for row in await conn.execute(statement):
        counts[row.service][row.hour] = row.n
    return counts


def hours(start: datetime, end: datetime) -> list[datetime]:
    return [start + n * HOUR for n in range(int((end - start) / HOUR))]


def statistical(
    counts: dict[str, dict[datetime, int]], start: datetime, end: datetime
) -> list[tuple[str, datetime, int, Score]]:
    """(service, hour, count, score) of each anomalous hour, by the 14 days before."""
    baseline_hours = hours(start - timedelta(days=BASELINE_DAYS), start)
    found = []
    for service, by_hour in sorted(counts.items()):
        baseline = [float(by_hour.get(h, 0)) for h in baseline_hours]
        for h in hours(start, end):
            x = by_hour.get(h, 0)
            if x:
                score = modified_z(x, baseline)
                if score.anomalous:
                    found.append((service, h, x, score))
    return found


def temporal(
    counts: dict[str, dict[datetime, int]], start: datetime, end: datetime
) -> list[tuple[str, datetime, int, Score]]:
    """(service, hour, count, score) of each anomalous hour, by the same hour of the
    week over the 4 weeks before."""
    found = []
    for service, by_hour in sorted(counts.items()):
        for h in hours(start, end):
            x = by_hour.get(h, 0)
            if x:
                weeks = [
                    float(by_hour.get(h - timedelta(weeks=w), 0))
                    for w in range(1, TEMPORAL_WEEKS + 1)
                ]
                score = modified_z(x, weeks)
                if score.anomalous:
                    found.append((service, h, x, score))
    return found


async def _incidents_in(
    conn: AsyncConnection, org_id: uuid.UUID, start: datetime, end: datetime
) -> dict[tuple[str, datetime], list[str]]:
    hour = time_bucket("hour", INCIDENTS.c.created_at).label("hour")
    statement = (
        select(INCIDENTS.c.id, INCIDENTS.c.service, hour)
        .where(
            INCIDENTS.c.org_id == org_id,
            INCIDENTS.c.created_at >= start,
            INCIDENTS.c.created_at < end,
        )
        .order_by(INCIDENTS.c.created_at, INCIDENTS.c.id)
    )
    ids: dict[tuple[str, datetime], list[str]] = defaultdict(list)
    for row in await conn.execute(statement):
        ids[(row.service, row.hour)].append(str(row.id))
    return ids


def _count_row(
    org_id: uuid.UUID,
    kind: str,
    service: str,
    hour: datetime,
    count: int,
    score: Score,
    incident_ids: list[str],
    now: datetime,
) -> dict[str, Any]:
    against = (
        f"the {BASELINE_DAYS} days before"
        if kind == "STATISTICAL"
        else f"the same hour of the previous {TEMPORAL_WEEKS} weeks"
    )
    return {
        "dedup_key": key_of(kind, service, hour.isoformat()),
        "model_id": None,
        "anomaly_type": kind,
        "severity": score.severity,
        "confidence_score": score.confidence,
        "anomaly_score": score.value,
        "threshold_used": score.threshold,
        "time_window_start": hour,
        "time_window_end": hour + HOUR,
        "related_incidents": incident_ids,
        "affected_services": [service],
        "affected_metrics": ["incident_count"],
        "description": (
            f"{count} incidents on {service} in the hour from {hour:%Y-%m-%d %H:00} UTC, "
            f"against a median of {score.median:g} over {against}"
        ),
        "metadata": {"count": count, "median": score.median, "method": score.method},
        "detected_at": now,
    }


async def _patterns(
    conn: AsyncConnection,
    org_id: uuid.UUID,
    start: datetime,
    end: datetime,
    now: datetime,
    model_id: uuid.UUID | None,
) -> list[dict[str, Any]]:
    statement = select(MODELS).where(
        MODELS.c.org_id == org_id,
        MODELS.c.status == "ACTIVE",
        MODELS.c.algorithm_type == "ISOLATION_FOREST",
    )
    if model_id is not None:
        statement = statement.where(MODELS.c.id == model_id)
    rows = []
    for model in (await conn.execute(statement)).mappings():
        incidents = await features.incident_rows(
            conn,
            org_id=org_id,
            since=start,
            until=end,
            features=list(model["feature_columns"]),
            target=None,
        )
        if not incidents:
            continue
        try:
            scores = await off_loop(score_outliers, model["model_file_path"], incidents)
        except OSError:
            # Its file is gone (a data directory not shared with this worker): the counts'
            # anomalies still stand; this model's wait for its next training.
            log.warning("model %s: no stored pipeline at %s", model["id"], model["model_file_path"])
            continue
        for incident, decision in zip(incidents, scores, strict=True):
            if decision >= 0:
                continue
            rows.append(_pattern_row(model, incident, decision, now))
    return rows


def score_outliers(path: str, incidents: list[dict[str, Any]]) -> list[float]:
    """The stored ISOLATION_FOREST's decision score for each incident (< 0: an outlier)."""
    from resolvers.incidents.ml.training import frame_of

    stored = load(path)
    frame = frame_of(incidents, stored["features"])
    return [float(v) for v in stored["pipeline"].decision_function(frame)]


def _pattern_row(
    model: Any, incident: dict[str, Any], decision: float, now: datetime
) -> dict[str, Any]:
    # Severity: the incident's own, at least MEDIUM (a pattern anomaly has no M).
    severity = incident["_severity"] if incident["_severity"] in ("HIGH", "CRITICAL") else "MEDIUM"
    created = incident["created_at"]
    return {
        "dedup_key": key_of("PATTERN", model["id"], incident["incident_id"]),
        "model_id": model["id"],
        "anomaly_type": "PATTERN",
        "severity": severity,
        # 0.5 at the model's boundary, 1.0 at a decision score of -0.2 or below.
        "confidence_score": half_up(min(1.0, 0.5 + 2.5 * -decision), 4),
        "anomaly_score": half_up(-decision, 4),
        "threshold_used": 0.0,
        "time_window_start": created,
        "time_window_end": created,
        "related_incidents": [str(incident["incident_id"])],
        "affected_services": [incident["service"]] if "service" in incident else [],
        "affected_metrics": list(model["feature_columns"]),
        "description": f"An incident unlike the others, by model {model['name']!r}",
        "metadata": {"decision_score": half_up(decision, 4), "model_version": model["version"]},
        "detected_at": now,
    }


async def detect(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    now: datetime,
    hours_back: int = DEFAULT_WINDOW_HOURS,
    model_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Detection for one organisation over the last ``hours_back`` whole hours, in the
    caller's transaction: what it found and what was new."""
    start, end = window_of(now, check_window(hours_back))
    if model_id is not None:
        await check_model(conn, org_id, model_id)
    since = start - max(timedelta(days=BASELINE_DAYS), timedelta(weeks=TEMPORAL_WEEKS))
    counts = await hourly_counts(conn, org_id, since, end)
    found = [("STATISTICAL", *hit) for hit in statistical(counts, start, end)]
    found += [("TEMPORAL", *hit) for hit in temporal(counts, start, end)]
    ids = await _incidents_in(conn, org_id, start, end) if found else {}
    rows = [
        _count_row(org_id, kind, service, hour, count, score, ids.get((service, hour), []), now)
        for kind, service, hour, count, score in found
    ]
    rows += await _patterns(conn, org_id, start, end, now, model_id)
    new: list[dict[str, Any]] = []
    for row in rows:
        values = {"id": uuid.uuid4(), "org_id": org_id, "status": "DETECTED", **row}
        statement = upsert(
            conn.dialect.name, ANOMALIES, values, ["org_id", "dedup_key"], keep=list(values)
        ).returning(ANOMALIES.c.id)
        inserted = (await conn.execute(statement)).first()
        if inserted is not None:
            new.append(
                {
                    "anomaly_id": str(inserted.id),
                    "anomaly_type": row["anomaly_type"],
                    "severity": row["severity"],
                    "anomaly_score": row["anomaly_score"],
                    "affected_services": row["affected_services"],
                    "time_window_start": rfc3339(row["time_window_start"]),
                    "time_window_end": rfc3339(row["time_window_end"]),
                }
            )
    # One event per new anomaly, in this transaction, in three statements.
    await webhooks.emit_many(conn, org_id=org_id, event="anomaly.detected", items=new, now=now)
    added = len(new)
    return {
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "found": len(rows),
        "added": added,
    }


@job_kind(KIND)
async def anomalies_detect(
    engine: AsyncEngine, *, job: ClaimedJob, now: datetime
) -> dict[str, Any]:
    """The job: ``detect`` with the payload's ``time_window_hours`` and ``model_id``."""
    model_id = job.payload.get("model_id")
    async with engine.begin() as conn:
        return await detect(
            conn,
            org_id=job.org_id,
            now=now,
            hours_back=int(job.payload.get("time_window_hours") or DEFAULT_WINDOW_HOURS),
            model_id=uuid.UUID(model_id) if model_id else None,
        )


__all__ = ["detect", "severity_of"]
