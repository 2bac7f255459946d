"""The predictive side's background work, on both dialects: the hourly hook (once per
hour across workers), an ARIMA forecast and its validation, PATTERN anomalies from an
isolation forest, the webhook events of detection and training, and relatedIncidents
batched."""

from __future__ import annotations

import functools
import uuid
from datetime import timedelta

from sqlalchemy import func, insert, select

from gateway import jobs
from gateway.sql import table_of
from models.jobs import Job
from models.predictive import AnomalyDetection, PredictiveInsight
from models.webhooks import WebhookEndpoint, WebhookOutboxEvent
from resolvers.incidents.ml import detection, insights, schedule, service
from tests.governance.test_guardian_graphql import gql
from tests.incidents.predictive import learnable_history

JOBS = table_of(Job)
INSIGHTS = table_of(PredictiveInsight)
ANOMALIES = table_of(AnomalyDetection)
EVENTS = table_of(WebhookOutboxEvent)


async def _count(db, table, *where) -> int:
    async with db.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table).where(*where)))


async def test_the_hourly_hook_enqueues_once_per_hour(db, factory, tmp_path):
    org = await factory.org()
    hour = factory.now.replace(minute=0, second=0, microsecond=0)
    stale = await factory.predictive_model(
        org,
        status="ACTIVE",
        version=1,
        auto_retrain_enabled=True,
        retrain_frequency_days=30,
        last_trained_at=hour - timedelta(days=31),
    )
    await factory.predictive_model(
        org, status="ACTIVE", version=1, auto_retrain_enabled=True, last_trained_at=hour
    )
    hook = functools.partial(schedule.hourly, data_dir=tmp_path)
    first = jobs.Worker(db, periodic=[hook], clock=lambda: hour + timedelta(minutes=5))
    second = jobs.Worker(db, periodic=[hook], clock=lambda: hour + timedelta(minutes=7))

    assert await first.run_periodic() == 3  # detection, insights, one retraining
    assert await first.run_periodic() == 0  # the same hour, this worker
    assert await second.run_periodic() == 0  # the same hour, another worker

    async with db.connect() as conn:
        kinds = sorted(
            row.kind
            for row in await conn.execute(select(JOBS.c.kind).where(JOBS.c.org_id == org["id"]))
        )
        status = await conn.scalar(
            select(schedule.MODELS.c.status).where(schedule.MODELS.c.id == stale["id"])
        )
    assert kinds == sorted([detection.KIND, insights.KIND, "models.train"])
    assert status == "RETRAINING"


async def test_an_arima_forecast_and_its_validation(db, factory, tmp_path):
    # given: three incidents on each of the 60 whole days before today, noon as "now"
    org = await factory.org()
    today = factory.now.replace(hour=0, minute=0, second=0, microsecond=0)
    now = today + timedelta(hours=12)
    for day in range(1, 61):
        for hour in (2, 10, 18):
            await factory.incident(org, today - timedelta(days=day) + timedelta(hours=hour))
    model = await factory.predictive_model(
        org,
        model_type="INCIDENT_PREDICTION",
        algorithm_type="ARIMA",
        feature_columns=[],
        target_column="daily_incident_count",
        min_training_samples=30,
    )
    async with db.begin() as conn:
        await service.start_training(conn, model, now)
    trained = await service.run_training(
        db, org_id=org["id"], model_id=model["id"], models_dir=str(tmp_path), now=now, job_id=None
    )
    assert trained["status"] == "ACTIVE"
    # 90 days asked for, of which the 30 oldest had none
    assert trained["samples"] == 90

    # when: insights are derived
    async with db.begin() as conn:
        assert await insights.generate(conn, org_id=org["id"], now=now) == {
            "written": 1,
            "validated": 0,
        }

    async with db.connect() as conn:
        [forecast] = (await conn.execute(select(INSIGHTS))).mappings().all()
    assert forecast["insight_type"] == "INCIDENT_FORECAST"
    daily = forecast["predicted_value"]["daily"]
    # three incidents a day, every day: the forecast stays near 3
    assert len(daily) == 7 and all(2.5 <= day["predicted"] <= 3.5 for day in daily)
    assert daily[0]["date"] == today.date().isoformat()
    assert 0 <= forecast["confidence_score"] <= 1
    assert forecast["valid_until"] - forecast["valid_from"] == timedelta(days=7)

    # when: the week has passed with 18 incidents in it, the insight is validated
    start = forecast["valid_from"]
    for n in range(18):
        await factory.incident(org, start + timedelta(hours=9 * n + 1))
    later = forecast["valid_until"] + timedelta(hours=1)
    async with db.begin() as conn:
        assert await insights.validate(conn, org_id=org["id"], now=later) == 1
    async with db.connect() as conn:
        checked = (
            (await conn.execute(select(INSIGHTS).where(INSIGHTS.c.id == forecast["id"])))
            .mappings()
            .one()
        )
    predicted = forecast["predicted_value"]["total"]
    assert checked["is_validated"] and checked["actual_value"] == {"total": 18}
    # 1 - |18 - p| / max(18, p, 1), to 4 places
    expected = 1 - abs(18 - predicted) / max(18, predicted)
    assert abs(checked["accuracy"] - expected) < 0.0001


async def test_pattern_anomalies_and_webhook_events(db, factory, tmp_path):
    org = await factory.org()
    await learnable_history(factory, org, days=40)
    async with db.begin() as conn:
        await conn.execute(
            insert(table_of(WebhookEndpoint)).values(
                id=uuid.uuid4(),
                org_id=org["id"],
                url="https://hooks.example.com/in",
                events=["anomaly.detected", "model.training_completed"],
                secret="s",
                is_active=True,
                created_at=factory.now,
            )
        )
    model = await factory.predictive_model(
        org,
        model_type="ANOMALY_DETECTION",
        algorithm_type="ISOLATION_FOREST",
        feature_columns=["affected_users", "title_length", "severity"],
        target_column="none",
        hyperparameters={"contamination": 0.1, "n_estimators": 50},
        min_training_samples=50,
    )
    async with db.begin() as conn:
        await service.start_training(conn, model, factory.now)
    result = await service.run_training(
        db,
        org_id=org["id"],
        model_id=model["id"],
        models_dir=str(tmp_path),
        now=factory.now,
        job_id=None,
    )
    assert result["status"] == "ACTIVE"
    # an incident unlike every other: its blast radius between the two the history knows
    # (a forest isolates a point in an empty stretch of a feature at once; one beyond the
    # training range lands with the extreme it is nearest)
    odd = await factory.incident(
        org,
        factory.now - timedelta(minutes=90),
        title="web incident 9-9",
        severity="CRITICAL",
        service="web",
        affected_users=55,
    )

    async with db.begin() as conn:
        found = await detection.detect(
            conn, org_id=org["id"], now=factory.now, hours_back=3, model_id=model["id"]
        )

    async with db.connect() as conn:
        rows = (
            (await conn.execute(select(ANOMALIES).where(ANOMALIES.c.anomaly_type == "PATTERN")))
            .mappings()
            .all()
        )
        events = (await conn.execute(select(EVENTS.c.event, EVENTS.c.data))).all()
    assert [row["related_incidents"] for row in rows] == [[str(odd["id"])]]
    assert rows[0]["model_id"] == model["id"] and rows[0]["anomaly_score"] > 0
    assert found["added"] == len([e for e in events if e.event == "anomaly.detected"])
    [trained] = [e.data for e in events if e.event == "model.training_completed"]
    assert trained["model_id"] == str(model["id"]) and trained["version"] == "1"


RELATED = """{ anomalyDetections(first: 100) { results {
  relatedIncidents { id title }
} } }"""


async def test_related_incidents_are_batched(client, factory, statements):
    used = []
    for total in (2, 10):
        org = await factory.org(f"Org {total}")
        user = await factory.user(org, f"u{total}")
        for n in range(total):
            made = [await factory.incident(org, title=f"i{n}-{k}") for k in range(2)]
            await factory.anomaly_detection(org, related_incidents=[str(i["id"]) for i in made])
        before = statements.count
        body = await gql(client, factory.headers(user), RELATED)
        used.append(statements.count - before)
        results = body["data"]["anomalyDetections"]["results"]
        assert sorted(len(r["relatedIncidents"]) for r in results) == [2] * total
    assert used[0] == used[1]
