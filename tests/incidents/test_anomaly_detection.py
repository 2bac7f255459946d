"""Anomaly detection: the modified z-score and its fallbacks, the severity bands, and
detection over hand-worked hourly series (idempotent on a second run), on both dialects.

The detection dataset, window [11:00, 12:00) on 2026-06-15 (now 12:30):
- api: one incident in each of 100 hours of the 14 days before (never at 11:00), three
  in the window. The baseline's median and MAD are 0; its mean absolute deviation is
  100 / 336, so M = 3 / (1.253314 x 100/336) = 8.0427: STATISTICAL, CRITICAL.
  The same hour 1 to 4 weeks before had none: a constant baseline, an excess of 3:
  TEMPORAL, LOW, score 3 against threshold 3.
- web: one incident in the window, none before: an excess of 1, not an anomaly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from gateway.sql import table_of
from models.predictive import AnomalyDetection
from resolvers.incidents.ml.detection import detect
from resolvers.incidents.ml.zscore import modified_z, severity_of

NOW = datetime(2026, 6, 15, 12, 30, tzinfo=UTC)
WINDOW = datetime(2026, 6, 15, 11, tzinfo=UTC)
ANOMALIES = table_of(AnomalyDetection)


def test_mad_score():
    # median 3, deviations 2 1 0 1 2: MAD 1; M = 0.6745 x 6 / 1
    score = modified_z(9, [1, 2, 3, 4, 5])
    assert (score.method, score.value, score.threshold) == ("mad", 4.047, 3.5)
    assert score.anomalous and score.severity == "MEDIUM"
    # 0.5 + (4.047 - 3.5) / 7
    assert score.confidence == 0.5781
    assert not modified_z(8, [1, 2, 3, 4, 5]).anomalous  # 3.3725


def test_mean_absolute_deviation_when_the_mad_is_zero():
    baseline = [0.0] * 10 + [5.0]
    # median 0, MAD 0; mean absolute deviation 5/11; M = 2 / (1.253314 x 5/11) = 3.5107
    score = modified_z(2, baseline)
    assert (score.method, score.value) == ("mean_ad", 3.5107)
    assert score.anomalous and score.severity == "MEDIUM"
    assert not modified_z(1, baseline).anomalous  # 1.7553


def test_an_excess_of_three_over_a_constant_baseline():
    score = modified_z(3, [0.0] * 336)
    assert (score.method, score.value, score.threshold) == ("constant", 3.0, 3.0)
    assert score.anomalous and score.severity == "LOW" and score.confidence == 0.5
    assert not modified_z(2, [0.0] * 336).anomalous
    assert modified_z(5, [2.0, 2.0, 2.0, 2.0]).anomalous  # 3 above a median of 2


@pytest.mark.parametrize(
    ("m", "severity"),
    [
        (3.49, "LOW"),
        (3.5, "MEDIUM"),
        (4.99, "MEDIUM"),
        (5, "HIGH"),
        (7.99, "HIGH"),
        (8, "CRITICAL"),
    ],
)
def test_severity_bands(m, severity):
    assert severity_of(m) == severity


async def test_detection_over_hand_worked_hours(factory, db):
    org = await factory.org()
    made = 0
    for n in range(14 * 24):
        hour = WINDOW - timedelta(days=14) + timedelta(hours=n)
        if hour.hour != 11 and made < 100:
            await factory.incident(org, hour + timedelta(minutes=10), service="api")
            made += 1
    burst = [
        await factory.incident(org, WINDOW + timedelta(minutes=m), service="api")
        for m in (5, 20, 40)
    ]
    await factory.incident(org, WINDOW + timedelta(minutes=30), service="web")
    # another organisation's burst is not this one's
    other = await factory.org("Other")
    for m in range(5):
        await factory.incident(other, WINDOW + timedelta(minutes=m), service="api")

    async with db.begin() as conn:
        first = await detect(conn, org_id=org["id"], now=NOW, hours_back=1)
    async with db.begin() as conn:
        second = await detect(conn, org_id=org["id"], now=NOW, hours_back=1)

    assert first["found"] == 2 and first["added"] == 2
    assert second["found"] == 2 and second["added"] == 0
    async with db.connect() as conn:
        rows = (
            (
                await conn.execute(
                    select(ANOMALIES)
                    .where(ANOMALIES.c.org_id == org["id"])
                    .order_by(ANOMALIES.c.anomaly_type)
                )
            )
            .mappings()
            .all()
        )
    statistical, temporal = rows
    assert {
        k: statistical[k]
        for k in ("anomaly_type", "severity", "anomaly_score", "threshold_used", "confidence_score")
    } == {
        "anomaly_type": "STATISTICAL",
        "severity": "CRITICAL",
        "anomaly_score": 8.0427,
        "threshold_used": 3.5,
        "confidence_score": 1.0,
    }
    assert statistical["time_window_start"] == WINDOW
    assert statistical["time_window_end"] == WINDOW + timedelta(hours=1)
    assert statistical["related_incidents"] == [str(i["id"]) for i in burst]
    assert statistical["affected_services"] == ["api"]
    assert statistical["status"] == "DETECTED"
    assert (temporal["anomaly_type"], temporal["severity"]) == ("TEMPORAL", "LOW")
    assert (temporal["anomaly_score"], temporal["threshold_used"]) == (3.0, 3.0)
