"""NHI anomaly detection (resolvers/governance/nhi_detection.py) on the hand-worked
dataset of nhi_anomaly_data.py, on both databases: severities at the exact thresholds,
idempotence (anomalies and snapshots), and the job run by a real worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy import func, select

from gateway.errors import GatewayError
from gateway.jobs import Worker
from models.identities import NhiAnomaly, NhiRiskSnapshot
from resolvers.governance.nhi_detection import (
    burst_severity,
    check_detection_window,
    detect,
    window_hours,
)
from tests.governance.nhi_anomaly_data import END, EXPECTED, NOW, START, build
from tests.governance.nhi_anomaly_data import WINDOW as WINDOW_BODY

ANOMALIES = NhiAnomaly.__table__
SNAPSHOTS = NhiRiskSnapshot.__table__


async def stored(engine: Any, org_id: Any) -> list[Any]:
    statement = select(ANOMALIES).where(ANOMALIES.c.org_id == org_id)
    async with engine.connect() as conn:
        return list((await conn.execute(statement)).mappings())


async def count(engine: Any, table: Any, org_id: Any) -> int:
    statement = select(func.count()).select_from(table).where(table.c.org_id == org_id)
    async with engine.connect() as conn:
        return int((await conn.execute(statement)).scalar_one())


async def run(engine: Any, org_id: Any, now: datetime = NOW) -> dict[str, int]:
    async with engine.begin() as conn:
        return await detect(conn, org_id=org_id, start=START, end=END, now=now)


def test_severity_thresholds_are_exact():
    b = Fraction(1, 2)
    assert burst_severity(Fraction(2), Fraction(0)) == "critical"
    assert burst_severity(20 * b, b) == "critical"
    assert burst_severity(20 * b - Fraction(1, 10000), b) == "high"
    assert burst_severity(10 * b, b) == "high"
    assert burst_severity(10 * b - Fraction(1, 10000), b) == "medium"


def test_window_hours_are_whole_or_two_decimals():
    assert window_hours(START, END) == 24
    assert window_hours(START, START + timedelta(minutes=90)) == 1.5
    assert window_hours(START, START + timedelta(minutes=20)) == 0.33
    assert window_hours(START, START + timedelta(seconds=18)) == 0.01  # 0.005 half up


@pytest.mark.parametrize(
    ("start", "end", "status"),
    [
        (START, START, 400),
        (END, START, 400),
        (datetime(1, 1, 1, tzinfo=UTC), datetime(1, 1, 2, tzinfo=UTC), 400),
        (START, START + timedelta(days=90, microseconds=1), 422),
    ],
)
def test_detection_windows_are_checked(start, end, status):
    with pytest.raises(GatewayError) as refused:
        check_detection_window(start, end)
    assert refused.value.status == status
    check_detection_window(START, START + timedelta(days=90))  # exactly 90 days: allowed


async def test_anomalies_on_the_hand_worked_dataset(engine, factory):
    data = await build(factory)
    result = await run(engine, data.org["id"])
    assert result == {"nhis": 9, "anomalies_found": 6, "anomalies_added": 6, "snapshots_added": 9}
    rows = await stored(engine, data.org["id"])
    found = {
        (data.label_of(row["nhi_id"]), row["type"]): (row["severity"], row["evidence"])
        for row in rows
    }
    assert found == EXPECTED
    for row in rows:
        assert (row["window_from"], row["window_to"]) == (START, END)
        assert row["detected_at"] == NOW and row["status"] == "open"
        assert row["note"] is None and row["acknowledged_by"] is None
    # Globex's NHI is in no run of Acme's.
    assert await count(engine, ANOMALIES, data.other["id"]) == 0


async def test_snapshots_hold_each_nhis_score_and_signals(engine, factory):
    data = await build(factory)
    await run(engine, data.org["id"])
    statement = select(SNAPSHOTS).where(SNAPSHOTS.c.org_id == data.org["id"])
    async with engine.connect() as conn:
        rows = {
            data.label_of(row["nhi_id"]): row for row in (await conn.execute(statement)).mappings()
        }
    assert len(rows) == 9
    zero = rows["zero"]
    assert (zero["window_from"], zero["window_to"], zero["computed_at"]) == (START, END, NOW)
    assert zero["source"] == "detection" and zero["job_id"] is None
    # zero: tier 2, verified, unbound: 0.35 S + 0.15 G + 0.10 x 2/3 = 0.5667 -> 0.57
    assert zero["signals"] == ["spend_burst:p99", "guardian:none"]
    assert zero["risk_score"] == 0.57
    # denied20: tier 3, D = 1: 0.25 + 0.15 + 0.10/3 = 0.4333 -> 0.43
    assert rows["denied20"]["signals"] == ["tool_attempt:denied:20", "guardian:none"]
    assert rows["denied20"]["risk_score"] == 0.43


async def test_detecting_the_same_window_twice_adds_nothing(engine, factory):
    data = await build(factory)
    org_id = data.org["id"]
    await run(engine, org_id)
    before = await stored(engine, org_id)
    # given one anomaly acknowledged in between
    first = before[0]
    async with engine.begin() as conn:
        await conn.execute(
            ANOMALIES.update()
            .where(ANOMALIES.c.id == first["id"])
            .values(status="acknowledged", note="seen")
        )
    # when the same window is detected again, later
    again = await run(engine, org_id, now=NOW + timedelta(hours=3))
    # then nothing is added and nothing changes
    assert again == {"nhis": 9, "anomalies_found": 6, "anomalies_added": 0, "snapshots_added": 0}
    assert await count(engine, ANOMALIES, org_id) == 6
    assert await count(engine, SNAPSHOTS, org_id) == 9
    after = {row["id"]: row for row in await stored(engine, org_id)}
    assert after[first["id"]]["status"] == "acknowledged"
    assert after[first["id"]]["note"] == "seen"
    assert {row["id"] for row in before} == set(after)
    assert all(row["detected_at"] == NOW for row in after.values())


async def test_another_window_adds_its_own_rows(engine, factory):
    data = await build(factory)
    org_id = data.org["id"]
    await run(engine, org_id)
    async with engine.begin() as conn:
        result = await detect(
            conn, org_id=org_id, start=START, end=END + timedelta(hours=1), now=NOW
        )
    # 25 hours: p99 at 0.99 x 24 = 23.76, still the two largest sums: the same bursts;
    # and denied4's denial at the old `to` is now in: 5 denials, a seventh anomaly.
    assert result["anomalies_added"] == 7 and result["snapshots_added"] == 9
    assert await count(engine, SNAPSHOTS, org_id) == 18


async def test_the_job_runs_in_a_real_worker(client, db, factory):
    data = await build(factory)
    headers = factory.headers(data.user)
    response = await client.post(
        "/v1/analytics/nhi-risk/detect-anomalies",
        json=WINDOW_BODY,
        headers=headers,
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "queued" and body["job_id"].startswith("job_")
    assert await Worker(db).run_until_idle() == 1
    job = await client.get(f"/v1/analytics/jobs/{body['job_id']}", headers=headers)
    assert job.status_code == 200, job.text
    answer = job.json()
    assert answer["job_id"] == body["job_id"] and answer["kind"] == "nhi.detect"
    assert answer["status"] == "succeeded" and answer["error"] is None
    assert answer["result"] == {
        "nhis": 9,
        "anomalies_found": 6,
        "anomalies_added": 6,
        "snapshots_added": 9,
    }
    assert answer["created_at"].endswith("Z") and answer["finished_at"].endswith("Z")
    # The snapshots name the job.
    statement = select(SNAPSHOTS.c.job_id, SNAPSHOTS.c.source).where(
        SNAPSHOTS.c.org_id == data.org["id"]
    )
    async with db.connect() as conn:
        rows = set(await conn.execute(statement))
    assert len(rows) == 1
    ((job_id, source),) = rows
    assert source == "detection" and job_id is not None
    # A second request of the same window: succeeded, nothing added.
    again = await client.post(
        "/v1/analytics/nhi-risk/detect-anomalies", json=WINDOW_BODY, headers=headers
    )
    assert again.status_code == 202
    await Worker(db).run_until_idle()
    assert await count(db, ANOMALIES, data.org["id"]) == 6
    assert await count(db, SNAPSHOTS, data.org["id"]) == 9
