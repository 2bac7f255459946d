"""The portal's service functions, called directly with a fixed clock: the windows
``now - days <= t <= now`` include both edges exactly, to the microsecond."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.auth import Principal
from models.audit import AuditEvent
from models.catalog import ComponentCreate, Deployment
from resolvers.catalog import queries, service
from tests.factories import Factory

NOW = datetime(2024, 5, 1, 12, 0, 0, 500_000, tzinfo=UTC)
TICK = timedelta(microseconds=1)
DAYS = 7
SINCE = NOW - timedelta(days=DAYS)


async def test_dora_counts_a_deployment_started_exactly_days_ago_and_exactly_now(
    db: AsyncEngine, factory: Factory
) -> None:
    # given: successes at both edges and one microsecond outside each
    org = await factory.org()
    component = await factory.component(org, "api")
    environment = await factory.environment(org, "prod")
    starts = {"edge-since": SINCE, "before": SINCE - TICK, "edge-now": NOW, "after": NOW + TICK}
    async with db.begin() as conn:
        for version, started in starts.items():
            await conn.execute(
                insert(Deployment).values(
                    id=uuid.uuid4(),
                    org_id=org["id"],
                    component_id=component["id"],
                    environment_id=environment["id"],
                    status="SUCCEEDED",
                    version=version,
                    started_at=started,
                    finished_at=started + timedelta(hours=1),
                )
            )

    # when
    async with db.connect() as conn:
        data = await queries.dora(conn, org_id=org["id"], now=NOW, days=DAYS)

    # then: the two at the edges, 2 / 7 = 0.2857 -> 0.29 a day, lead time 1 h each
    assert data["deployment_frequency"] == {
        "deployments_per_day": 0.29,
        "total": 2,
        "period_days": DAYS,
    }
    assert data["lead_time_for_changes"] == {"avg_hours": 1.0, "samples": 2}


async def test_usage_counts_events_exactly_at_the_window_edges(
    db: AsyncEngine, factory: Factory
) -> None:
    # given
    org = await factory.org()
    user = await factory.user(org)
    times = {"EDGE_SINCE": SINCE, "BEFORE": SINCE - TICK, "EDGE_NOW": NOW, "AFTER": NOW + TICK}
    async with db.begin() as conn:
        for action, created in times.items():
            await conn.execute(
                insert(AuditEvent).values(
                    id=uuid.uuid4(),
                    org_id=org["id"],
                    family="catalog",
                    actor_id=user["id"],
                    action=action,
                    created_at=created,
                    details={},
                )
            )

    # when
    async with db.connect() as conn:
        data = await queries.usage(conn, org_id=org["id"], now=NOW, days=DAYS)

    # then
    assert data["total_audit_events"] == 2
    assert data["action_breakdown"] == [
        {"action": "EDGE_NOW", "count": 1},
        {"action": "EDGE_SINCE", "count": 1},
    ]


async def test_a_write_takes_its_time_from_the_injected_clock(
    db: AsyncEngine, factory: Factory
) -> None:
    # given
    org = await factory.org()
    user = await factory.user(org, role="manager")
    actor = Principal(
        user_id=user["id"],
        org_id=org["id"],
        username="jane",
        role="manager",
        plan="growth",
        scopes=None,
        via="jwt",
    )

    # when
    async with db.begin() as conn:
        row = await service.create_component(
            conn,
            org_id=org["id"],
            actor=actor,
            now=NOW,
            data=ComponentCreate(name="  api  ", kind="service"),
        )

    # then: the row and its audit event, both at NOW; the name trimmed
    assert (row["name"], row["created_at"], row["updated_at"]) == ("api", NOW, NOW)
    async with db.connect() as conn:
        event = (await conn.execute(select(AuditEvent))).mappings().one()
    assert (event["action"], event["created_at"], event["component_id"]) == (
        "CREATE",
        NOW,
        row["id"],
    )
