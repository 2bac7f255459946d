"""The demo's incident data: 90 days of incidents with the recurring database incident
found, costs, and the system metrics measured hourly so that the summary has trends."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from gateway.demo import DEMO_ORG_IDS, seed_demo
from models.incidents import Incident, RecurrenceAnalysis
from tests.governance.test_guardian_graphql import gql

NOW = datetime(2026, 3, 4, 15, 20, tzinfo=UTC)  # a Wednesday afternoon


async def test_the_demo_fills_the_incident_tables(db, client, factory) -> None:
    info = await seed_demo(db, progress=lambda _: None, now=NOW)
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
