"""The predictive paths over REST, on both dialects: models (create's rules, train's 202
and 409, performance's NOT_TRAINED), anomalies (filters, summary formulas,
acknowledge and resolve with their 409s), insights (expiry, acknowledge, summary).

Anomaly summary (hand-worked): severities 2 CRITICAL, 1 HIGH, 2 MEDIUM, 1 LOW; statuses
DETECTED, INVESTIGATING (unresolved: 2), FALSE_POSITIVE after 1 h, CONFIRMED after 2 h,
RESOLVED after 2 h 30 min and after 4 h: false positives 1 of 4 decided = "25.0";
mean time to resolve (3600 + 7200 + 9000 + 14400) / 4 = 8550 s = "2:22:30".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

API = "/api/analytics"
MODEL = {
    "name": "Incident Severity Predictor",
    "description": "Predicts incident severity based on historical data",
    "model_type": "SEVERITY_PREDICTION",
    "algorithm_type": "RANDOM_FOREST",
    "model_config": {"n_estimators": 100, "max_depth": 10},
    "feature_columns": ["title_length", "description_length", "category"],
    "target_column": "severity",
    "training_data_period_days": 90,
    "min_training_samples": 100,
}


@pytest.fixture
async def caller(factory) -> dict[str, Any]:
    org = await factory.org()
    user = await factory.user(org, "ana")
    return {"org": org, "user": user, "headers": factory.headers(user)}


async def test_create_a_model_as_the_seed_shows(client, caller):
    response = await client.post(f"{API}/predictive-models/", json=MODEL, headers=caller["headers"])
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in MODEL} == MODEL
    assert body["status"] == "INACTIVE" and body["version"] == "0"
    assert body["accuracy_score"] is None and body["last_trained_at"] is None
    assert body["created_by"] == str(caller["user"]["id"])
    assert body["created_at"].endswith("Z")
    listed = await client.get(
        f"{API}/predictive-models/?model_type=SEVERITY_PREDICTION&status=INACTIVE",
        headers=caller["headers"],
    )
    assert [m["id"] for m in listed.json()["results"]] == [body["id"]]
    other = await client.get(f"{API}/predictive-models/?status=ACTIVE", headers=caller["headers"])
    assert other.json()["count"] == 0


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"algorithm_type": "XGBOOST"}, "algorithm_type", "supported: RANDOM_FOREST"),
        ({"algorithm_type": "LSTM"}, "algorithm_type", "not available"),
        ({"algorithm_type": "ARIMA"}, "algorithm_type", "cannot train a SEVERITY_PREDICTION"),
        ({"model_config": {"trees": 3}}, "model_config", "'trees' is not a setting"),
        ({"model_config": {"n_estimators": 0}}, "model_config", "from 1 to 500"),
        ({"feature_columns": ["shoe_size"]}, "feature_columns", "unknown feature 'shoe_size'"),
        ({"feature_columns": ["severity"]}, "feature_columns", "cannot be a feature"),
        ({"target_column": "cost_amount"}, "target_column", "not a target of"),
        ({"model_type": "WEATHER"}, "model_type", None),
        ({"min_training_samples": 1}, "min_training_samples", None),
        ({"training_data_period_days": "x"}, "training_data_period_days", None),
    ],
)
async def test_create_refuses_each_bad_field_by_name(client, caller, change, field, words):
    response = await client.post(
        f"{API}/predictive-models/", json={**MODEL, **change}, headers=caller["headers"]
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR" and list(body["details"]) == [field]
    if words:
        assert words in body["details"][field][0]


async def test_train_answers_202_then_409_and_performance_waits(client, caller, factory):
    model = await factory.predictive_model(caller["org"])
    headers = caller["headers"]
    performance = await client.get(
        f"{API}/predictive-models/{model['id']}/performance/", headers=headers
    )
    assert performance.status_code == 404
    assert performance.json()["code"] == "NOT_TRAINED"

    first = await client.post(f"{API}/predictive-models/{model['id']}/train/", headers=headers)
    second = await client.post(f"{API}/predictive-models/{model['id']}/train/", headers=headers)

    assert first.status_code == 202
    started = first.json()
    assert started["model_id"] == str(model["id"]) and started["status"] == "TRAINING"
    job = await client.get(
        f'/graphql?query={{job(id:"{started["job_id"]}"){{kind status}}}}', headers=headers
    )
    assert job.json()["data"]["job"] == {"kind": "models.train", "status": "queued"}
    assert second.status_code == 409 and second.json()["code"] == "CONFLICT"
    for path in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        missing = await client.post(f"{API}/predictive-models/{path}/train/", headers=headers)
        assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"


async def test_anomaly_summary_on_hand_worked_rows(client, caller, factory):
    org, at = caller["org"], factory.now - timedelta(days=1)
    for severity, status, hours in [
        ("CRITICAL", "DETECTED", None),
        ("CRITICAL", "INVESTIGATING", None),
        ("HIGH", "FALSE_POSITIVE", 1),
        ("MEDIUM", "CONFIRMED", 2),
        ("MEDIUM", "RESOLVED", 2.5),
        ("LOW", "RESOLVED", 4),
    ]:
        resolved = None if hours is None else at + timedelta(hours=hours)
        await factory.anomaly_detection(
            org, at, severity=severity, status=status, resolved_at=resolved
        )
    await factory.anomaly_detection(await factory.org("Other"), at, status="FALSE_POSITIVE")

    response = await client.get(f"{API}/anomaly-detections/summary/", headers=caller["headers"])

    assert response.status_code == 200
    assert response.json() == {
        "total_anomalies": 6,
        "critical_anomalies": 2,
        "high_anomalies": 1,
        "medium_anomalies": 2,
        "low_anomalies": 1,
        "unresolved_anomalies": 2,
        "false_positive_rate": "25.0",
        "average_resolution_time": "2:22:30",
    }


async def test_an_empty_anomaly_summary(client, caller):
    body = (
        await client.get(f"{API}/anomaly-detections/summary/", headers=caller["headers"])
    ).json()
    assert body["false_positive_rate"] == "0.0" and body["average_resolution_time"] is None


async def test_anomaly_list_filters(client, caller, factory):
    org = caller["org"]
    old = await factory.anomaly_detection(org, factory.now - timedelta(days=10), severity="HIGH")
    new = await factory.anomaly_detection(org, factory.now - timedelta(hours=1), severity="LOW")
    headers = caller["headers"]

    async def ids(query: str) -> list[str]:
        response = await client.get(f"{API}/anomaly-detections/{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()["results"]]

    assert await ids("") == [str(new["id"]), str(old["id"])]
    assert await ids("?severity=HIGH") == [str(old["id"])]
    start = (factory.now - timedelta(days=2)).date().isoformat()
    assert await ids(f"?start_date={start}") == [str(new["id"])]
    assert await ids("?anomaly_type=PATTERN") == []
    bad = await client.get(f"{API}/anomaly-detections/?status=GONE", headers=headers)
    assert bad.status_code == 400 and list(bad.json()["details"]) == ["status"]


async def test_acknowledge_then_resolve(client, caller, factory):
    anomaly = await factory.anomaly_detection(caller["org"])
    headers, path = caller["headers"], f"{API}/anomaly-detections/{anomaly['id']}"

    acknowledged = await client.post(f"{path}/acknowledge/", headers=headers)
    again = await client.post(f"{path}/acknowledge/", headers=headers)
    refused = await client.post(f"{path}/resolve/", json={"resolution": "DONE"}, headers=headers)
    resolved = await client.post(
        f"{path}/resolve/",
        json={"resolution": "FALSE_POSITIVE", "notes": "a deploy"},
        headers=headers,
    )
    twice = await client.post(f"{path}/resolve/", json={"resolution": "RESOLVED"}, headers=headers)

    assert acknowledged.status_code == 200
    assert acknowledged.json()["status"] == "INVESTIGATING"
    assert acknowledged.json()["acknowledged_by"] == str(caller["user"]["id"])
    assert again.status_code == 409 and again.json()["code"] == "CONFLICT"
    assert refused.status_code == 400 and list(refused.json()["details"]) == ["resolution"]
    assert resolved.status_code == 200
    body = resolved.json()
    assert body["status"] == "FALSE_POSITIVE" and body["resolution_notes"] == "a deploy"
    assert body["resolved_by"] == str(caller["user"]["id"]) and body["resolved_at"].endswith("Z")
    assert twice.status_code == 409
    stranger = await factory.user(await factory.org("Other"), "bo")
    theirs = await client.post(f"{path}/acknowledge/", headers=factory.headers(stranger))
    assert theirs.status_code == 404


async def test_insights_leave_out_the_expired(client, caller, factory):
    org, now = caller["org"], factory.now
    live = await factory.insight(org, confidence_score=0.85, valid_from=now - timedelta(days=1))
    await factory.insight(
        org,
        insight_type="SLOW_RESOLUTION",
        confidence_score=0.6,
        valid_from=now - timedelta(days=8),
        is_validated=True,
        accuracy=0.7,
    )
    await factory.insight(
        org,
        insight_type="HIGH_SEVERITY_RISK",
        confidence_score=0.3,
        valid_from=now - timedelta(days=9),
        is_validated=True,
        accuracy=0.95,
    )
    await factory.predictive_model(org, status="ACTIVE", version=1)
    await factory.predictive_model(org)
    headers = caller["headers"]

    listed = await client.get(f"{API}/predictive-insights/", headers=headers)
    every = await client.get(f"{API}/predictive-insights/?include_expired=true", headers=headers)
    acknowledged = await client.post(
        f"{API}/predictive-insights/{live['id']}/acknowledge/", headers=headers
    )
    summary = await client.get(f"{API}/predictive-insights/summary/", headers=headers)

    assert [row["id"] for row in listed.json()["results"]] == [str(live["id"])]
    assert listed.json()["results"][0]["confidence_level"] == "HIGH"
    assert every.json()["count"] == 3
    assert acknowledged.status_code == 200 and acknowledged.json()["is_acknowledged"] is True
    assert summary.json() == {
        "total_insights": 3,
        "high_confidence_insights": 1,
        "medium_confidence_insights": 1,
        "low_confidence_insights": 1,
        "acknowledged_insights": 1,
        "validated_insights": 2,
        "expired_insights": 2,
        # (0.7 + 0.95) / 2 = 0.825, half up
        "average_accuracy": "0.83",
        "active_models": 1,
    }
    bad = await client.get(f"{API}/predictive-insights/?include_expired=maybe", headers=headers)
    assert bad.status_code == 400 and list(bad.json()["details"]) == ["include_expired"]
