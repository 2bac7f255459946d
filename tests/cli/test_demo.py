"""`gateway seed --demo`: the designed shape, the same rows every time, no double seeding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.demo import DEMO_ORG_IDS, seed_demo
from models.catalog import Component, Deployment
from models.knowledge import EntryAuthor, KnowledgeEntry
from models.tenancy import Organization
from tests.conftest import empty_tables

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def rows(engine: AsyncEngine, statement: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list(await conn.execute(statement))


async def seeded(engine: AsyncEngine, **kwargs: Any) -> Any:
    messages: list[str] = []
    info = await seed_demo(engine, progress=messages.append, now=NOW, **kwargs)
    assert messages, "progress is reported"
    return info


@pytest.fixture(scope="module")
async def demo(engine: AsyncEngine) -> Any:
    """The demo, seeded once per dialect for the tests of this module, which read it (one
    seeds it again in place: the same rows, as it asserts). Seeding over other data is
    tests/cli/test_demo_refused.py's."""
    await empty_tables(engine)
    return await seeded(engine)


@pytest.fixture
def db(engine: AsyncEngine, demo: Any) -> AsyncEngine:
    """Here, the database holding the module's demo (not emptied before each test)."""
    return engine


async def test_the_demo_has_the_designed_shape(db: AsyncEngine, demo: Any) -> None:
    # given: the demo seeded (the fixture)
    info = demo

    # then: what was written is what the tables hold
    for table, written in info.rows.items():
        assert (await rows(db, text(f"SELECT COUNT(*) FROM {table}")))[0][0] == written
    assert info.rows["organizations"] == 2
    assert info.rows["components"] == 50
    assert info.rows["environments"] == 6
    assert info.rows["departments"] == 9
    assert 3000 < info.rows["deployments"] < 10000
    assert info.admin_username == "ada" and info.org_id == DEMO_ORG_IDS[0]

    plans = await rows(db, select(Organization.plan).order_by(Organization.plan))
    assert [p for (p,) in plans] == ["growth", "starter"]
    roles = await rows(db, text("SELECT DISTINCT org_id, role FROM users"))
    assert len(roles) == 6, "every role in each organisation"

    kinds = {k for (k,) in await rows(db, select(Component.kind).distinct())}
    assert kinds == {"service", "library", "api", "website", "pipeline"}
    lifecycles = {k for (k,) in await rows(db, select(Component.lifecycle).distinct())}
    assert len(lifecycles) == 5
    unowned = await rows(
        db,
        select(func.count()).where(
            (Component.owner.is_(None)) | (func.trim(Component.owner) == "")
        ),  # type: ignore[union-attr]
    )
    assert unowned[0][0] > 0


async def test_deployments_look_like_recent_history(db: AsyncEngine) -> None:
    # given: the demo seeded (the fixture)

    # then
    by_status = dict(
        await rows(db, select(Deployment.status, func.count()).group_by(Deployment.status))
    )
    total = sum(by_status.values())
    assert by_status["SUCCEEDED"] / total > 0.75
    assert by_status["FAILED"] > 0 and by_status["ROLLED_BACK"] > 0
    assert 0 < by_status.get("RUNNING", 0) + by_status.get("PENDING", 0) < 40
    started = [t for (t,) in await rows(db, select(Deployment.started_at))]
    assert min(started) >= NOW - timedelta(days=90) and max(started) <= NOW
    last_30 = [t for t in started if t >= NOW - timedelta(days=30)]
    assert len(last_30) > 1000, "a 30-day window has plenty of data"
    unfinished = await rows(
        db,
        select(Deployment.started_at).where(Deployment.finished_at.is_(None)),  # type: ignore[union-attr]
    )
    assert all(NOW - t < timedelta(hours=5) for (t,) in unfinished)
    # Failures are mostly followed by a success of the same component and environment.
    recovered = await rows(
        db,
        text(
            "SELECT COUNT(*) FROM deployments f WHERE f.status = 'FAILED' AND EXISTS ("
            " SELECT 1 FROM deployments s WHERE s.component_id = f.component_id"
            " AND s.environment_id = f.environment_id AND s.status = 'SUCCEEDED'"
            " AND s.started_at > f.finished_at)"
        ),
    )
    assert recovered[0][0] > by_status["FAILED"] * 0.8
    actions = {a for (a,) in await rows(db, text("SELECT DISTINCT action FROM audit_events"))}
    assert {"CREATE", "UPDATE", "DELETE", "DEPLOY", "DEPLOY_FINISH"} <= actions


async def test_knowledge_has_the_risks_to_find(db: AsyncEngine) -> None:
    # given: the demo seeded (the fixture)

    # then: every creator is an author, and some entries have several
    missing = await rows(
        db,
        select(func.count())
        .select_from(KnowledgeEntry)
        .outerjoin(
            EntryAuthor,
            (EntryAuthor.entry_id == KnowledgeEntry.id)
            & (EntryAuthor.user_id == KnowledgeEntry.created_by),
        )
        .where(EntryAuthor.entry_id.is_(None)),  # type: ignore[union-attr]
    )
    assert missing[0][0] == 0
    multi = await rows(
        db,
        select(EntryAuthor.entry_id).group_by(EntryAuthor.entry_id).having(func.count() > 1),
    )
    assert multi
    statuses = dict(
        await rows(db, select(KnowledgeEntry.status, func.count()).group_by(KnowledgeEntry.status))
    )
    assert set(statuses) == {"active", "needs_review", "archived"}
    never = await rows(
        db,
        select(func.count()).where(KnowledgeEntry.last_reviewed_at.is_(None)),  # type: ignore[union-attr]
    )
    assert never[0][0] > 0
    # Some departments rest on one person: one creator holds at least 80% of entries.
    shares = await rows(
        db,
        text(
            "SELECT department_id, MAX(n) * 1.0 / SUM(n) FROM ("
            " SELECT department_id, created_by, COUNT(*) AS n FROM knowledge_entries"
            " WHERE department_id IS NOT NULL GROUP BY department_id, created_by) t"
            " GROUP BY department_id"
        ),
    )
    concentrated = [d for d, share in shares if share >= 0.8]
    assert 2 <= len(concentrated) < len(shares)


async def test_the_demo_is_the_same_every_time(db: AsyncEngine) -> None:
    # given: the demo seeded (the fixture)
    query = select(
        Deployment.id, Deployment.status, Deployment.version, Deployment.started_at
    ).order_by(Deployment.id)
    first = await rows(db, query)
    entries = await rows(db, select(KnowledgeEntry).order_by(KnowledgeEntry.id))

    # when: seeded again, replacing itself
    info = await seeded(db, replace=True)

    # then
    assert await rows(db, query) == first
    assert await rows(db, select(KnowledgeEntry).order_by(KnowledgeEntry.id)) == entries
    assert info.rows["deployments"] == len(first)


async def test_item8_demo_audit_events_carry_their_family_and_subject(db: AsyncEngine) -> None:
    # given: the demo seeded (the fixture)

    # then: each kind of event in its family, about the row its mutation names
    kinds = await rows(
        db,
        text(
            "SELECT DISTINCT family, action, subject_type, subject_id IS NULL,"
            " component_id IS NULL FROM audit_events"
        ),
    )
    assert sorted(tuple(k) for k in kinds) == [
        ("catalog", "CREATE", "component", False, False),
        ("catalog", "CREATE", "environment", False, True),
        ("catalog", "DELETE", "component", False, False),
        ("catalog", "DEPLOY", "deployment", False, False),
        ("catalog", "DEPLOY_FINISH", "deployment", False, False),
        ("catalog", "UPDATE", "component", False, False),
        ("knowledge", "CREATE", "knowledge_entry", False, True),
        ("knowledge", "REVIEW", "knowledge_entry", False, True),
    ]
    # every entry's creation is there, and a deployment's events name that deployment
    created = await rows(
        db,
        text(
            "SELECT COUNT(*) FROM knowledge_entries e WHERE EXISTS (SELECT 1 FROM audit_events a"
            " WHERE a.family = 'knowledge' AND a.action = 'CREATE' AND a.subject_id = e.id)"
        ),
    )
    assert created[0][0] == (await rows(db, select(func.count()).select_from(KnowledgeEntry)))[0][0]
    strays = await rows(
        db,
        text(
            "SELECT COUNT(*) FROM audit_events a WHERE a.subject_type = 'deployment' AND NOT EXISTS"
            " (SELECT 1 FROM deployments d WHERE d.id = a.subject_id"
            " AND d.component_id = a.component_id)"
        ),
    )
    assert strays[0][0] == 0
