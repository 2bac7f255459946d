"""The demo's incident data: 90 days of incidents with the recurring database incident
found, costs, and the system metrics measured hourly so that the summary has trends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from gateway.demo import DEMO_ORG_IDS, seed_demo
from models.incidents import Incident, RecurrenceAnalysis
from tests.conftest import empty_tables
from tests.governance.test_guardian_graphql import gql

NOW = datetime(2026, 3, 4, 15, 20, tzinfo=UTC)  # a Wednesday afternoon


@pytest.fixture(scope="module")
async def demo(engine):
    """The demo, seeded once per dialect for both tests of this module: the first reads it
    (adding a user to call as), the second runs the jobs the seed left."""
    await empty_tables(engine)
    return await seed_demo(engine, progress=lambda _: None, now=NOW)


@pytest.fixture
def db(engine, demo):
    """Here, the database holding the module's demo (not emptied before each test)."""
    return engine


async def test_the_demo_fills_the_incident_tables(db, demo, client, factory) -> None:
    info = demo
    assert info.rows["incidents"] > 200
    assert info.rows["cost_analyses"] > 0
    assert info.rows["kpi_metrics"] == 10  # five system metrics per organisation
    # Each metric measured for each of the last 48 hours.
    assert info.rows["kpi_measurements"] == 2 * 5 * 48
    org_id = DEMO_ORG_IDS[0]
    async with db.connect() as conn:
        recurring = (
            (
                await conn.execute(
                    select(RecurrenceAnalysis).where(
                        RecurrenceAnalysis.org_id == org_id,
                        RecurrenceAnalysis.service == "orders-db",
                    )
                )
            )
            .mappings()
            .all()
        )
        open_now = await conn.scalar(
            select(func.count()).where(Incident.org_id == org_id, Incident.resolved_at.is_(None))
        )
    # Most are resolved; some of the last two days' are still open.
    assert 0 < open_now < info.rows["incidents"] // 4
    # The database incident every 4 days is one chain of like titles: confidence 1.0.
    assert any(r["confidence_score"] == 1.0 and r["incident_count"] >= 20 for r in recurring)
    admin = await factory_admin(db, org_id, factory)
    summary = await gql(client, admin, "{ kpiSummary { metricType trend currentValue } }")
    assert [row["metricType"] for row in summary["data"]["kpiSummary"]] == [
        "MTTA",
        "MTTR",
        "MTBF",
        "AVAILABILITY",
        "RESOLUTION_RATE",
    ]


async def factory_admin(db, org_id, factory):
    user = await factory.user({"id": org_id}, "demo-reader")
    return factory.headers(user)


async def test_the_demo_models_train(db, factory, tmp_path, monkeypatch) -> None:
    from datetime import timedelta

    from models.predictive import DashboardConfiguration, PredictiveInsight, PredictiveModel
    from tests.incidents.predictive import run_jobs

    monkeypatch.setenv("GATEWAY_DATA_DIR", str(tmp_path))
    # four trainings and a detection per organisation, then each training's insights
    assert await run_jobs(db, NOW + timedelta(minutes=1)) == 2 * (4 + 1 + 4)
    async with db.connect() as conn:
        models = (
            await conn.execute(
                select(PredictiveModel.name, PredictiveModel.status, PredictiveModel.error_message)
                .where(PredictiveModel.org_id == DEMO_ORG_IDS[0])
                .order_by(PredictiveModel.name)
            )
        ).all()
        insights = await conn.scalar(
            select(func.count()).where(PredictiveInsight.org_id == DEMO_ORG_IDS[0])
        )
        boards = await conn.scalar(
            select(func.count()).where(DashboardConfiguration.org_id == DEMO_ORG_IDS[0])
        )
    assert [(m.name, m.status, m.error_message) for m in models] == [
        ("Incident forecast", "ACTIVE", None),
        ("Resolution time", "ACTIVE", None),
        ("Severity predictor", "ACTIVE", None),
        ("Unusual incidents", "ACTIVE", None),
    ]
    # at least the week's forecast
    assert insights >= 1 and boards == 2
