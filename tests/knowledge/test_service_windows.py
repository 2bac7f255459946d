"""Staleness, called directly with a fixed clock: an entry whose whole days since review
equal ``days`` is stale, one a second younger is not."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.auth import Principal
from models.knowledge import KnowledgeEntry
from resolvers.knowledge import service, staleness
from tests.factories import Factory

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
DAYS = 30


async def _entries(db: AsyncEngine, org: dict, creator: dict) -> None:
    # Never reviewed, so staleness counts from creation; one reviewed at the edge too.
    rows = [
        ("exactly 30 days", NOW - timedelta(days=DAYS), None),
        ("a second short", NOW - timedelta(days=DAYS) + timedelta(seconds=1), None),
        ("reviewed exactly 30 days ago", NOW - timedelta(days=400), NOW - timedelta(days=DAYS)),
    ]
    async with db.begin() as conn:
        for title, created, reviewed in rows:
            await conn.execute(
                insert(KnowledgeEntry).values(
                    id=uuid.uuid4(),
                    org_id=org["id"],
                    title=title,
                    status="active",
                    created_by=creator["id"],
                    created_at=created,
                    last_reviewed_at=reviewed,
                )
            )


async def test_staleness_edge_is_exactly_days_whole_days(db: AsyncEngine, factory: Factory) -> None:
    # given
    org = await factory.org()
    admin = await factory.user(org, "ada", role="admin")
    await _entries(db, org, admin)

    # when
    async with db.connect() as conn:
        stale = await staleness.stale_entries(conn, org_id=org["id"], now=NOW, days=DAYS, first=10)
        stats = await staleness.staleness_stats(conn, org_id=org["id"], now=NOW, days=DAYS)

    # then: 30 whole days is stale; 29 days 23:59:59 is not (and floors to 29)
    assert sorted(e["title"] for e in stale["entries"]) == [
        "exactly 30 days",
        "reviewed exactly 30 days ago",
    ]
    assert {e["days_since_review"] for e in stale["entries"]} == {30}
    assert stale["total"] == 2
    assert (stats["stale_count"], stats["total_active"]) == (2, 3)
    # (30 + 29 + 30) / 3 = 29.67 -> 29.7
    assert stats["average_days_since_review"] == 29.7


async def test_the_check_flags_exactly_the_entries_at_the_edge(
    db: AsyncEngine, factory: Factory
) -> None:
    # given
    org = await factory.org()
    admin = await factory.user(org, "ada", role="admin")
    await _entries(db, org, admin)
    actor = Principal(
        user_id=admin["id"],
        org_id=org["id"],
        username="ada",
        role="admin",
        plan="growth",
        scopes=None,
        via="jwt",
    )

    # when
    async with db.begin() as conn:
        counts = await service.run_staleness_check(
            conn, org_id=org["id"], actor=actor, now=NOW, days=DAYS
        )

    # then
    assert counts == {"checked": 3, "flagged": 2}
    async with db.connect() as conn:
        statuses = dict(
            (await conn.execute(select(KnowledgeEntry.title, KnowledgeEntry.status))).all()
        )
    assert statuses == {
        "exactly 30 days": "needs_review",
        "a second short": "active",
        "reviewed exactly 30 days ago": "needs_review",
    }
