"""The migrations build exactly the schema the models declare, on both dialects."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from gateway import migrate
from gateway.db import create_engine
from gateway.sql import UTCDateTime
from models.audit import AuditEvent
from tests.conftest import _fresh_postgres


async def test_migrated_schema_matches_models(engine):
    def diff(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return compare_metadata(context, SQLModel.metadata)

    async with engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_every_migration_steps_down_and_up_again(engine, tmp_path):
    # On a database of its own, so that the session's schema stays in place.
    if engine.dialect.name == "postgresql":
        admin, scratch, name = await _fresh_postgres()
    else:
        admin, scratch, name = None, create_engine(f"sqlite+aiosqlite:///{tmp_path}/m.db"), ""
    try:
        await migrate.upgrade(scratch)
        await migrate.downgrade(scratch, "base")
        async with scratch.connect() as conn:
            tables = await conn.run_sync(lambda c: c.dialect.get_table_names(c))
        assert set(tables) <= {"alembic_version"}
        await migrate.upgrade(scratch)
        async with scratch.connect() as conn:
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        assert version == migrate.head_revision()
    finally:
        await scratch.dispose()
        if admin is not None:
            async with admin.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()


@pytest.fixture
async def scratch(engine, tmp_path) -> AsyncIterator[AsyncEngine]:
    """An empty database of the session's dialect, so that the session's schema stays."""
    if engine.dialect.name == "postgresql":
        admin, scratch, name = await _fresh_postgres()
    else:
        admin, scratch, name = None, create_engine(f"sqlite+aiosqlite:///{tmp_path}/m.db"), ""
    try:
        yield scratch
    finally:
        await scratch.dispose()
        if admin is not None:
            async with admin.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()


# The two tables as revision 0003 left them, written the way the gateway wrote them then.
ORGANIZATIONS = sa.table(
    "organizations",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("plan", sa.String()),
    sa.column("subscription_active", sa.Boolean()),
    sa.column("created_at", UTCDateTime()),
)
OLD_EVENTS = sa.table(
    "audit_events",
    sa.column("id", sa.Uuid()),
    sa.column("org_id", sa.Uuid()),
    sa.column("action", sa.String()),
    sa.column("component_id", sa.Uuid()),
    sa.column("created_at", UTCDateTime()),
    sa.column("details", sa.JSON()),
)


async def test_item8_migration_backfills_family_and_subject(scratch):
    # given: events of every kind the gateway wrote before families, and an import's
    await migrate.upgrade(scratch, "0003")
    org, component, deployment, environment, entry = (uuid.uuid4() for _ in range(5))
    now = datetime(2026, 1, 10, tzinfo=UTC)
    old = [
        ("CREATE", component, {"entity": "component", "name": "billing"}),
        ("DEPLOY", component, {"deployment_id": str(deployment), "version": "1"}),
        ("CREATE", None, {"entity": "environment", "id": str(environment), "name": "prod"}),
        ("CREATE", None, {"entity": "knowledge_entry", "id": str(entry), "title": "Payroll"}),
        ("ARCHIVE", None, {"entity": "knowledge_entry", "id": str(entry), "title": "Payroll"}),
        ("STALENESS_CHECK", None, {"days_threshold": 30, "checked": 4, "flagged": 1}),
        ("UPDATE", None, {"entity": "environment", "id": "not-an-id"}),
        ("DELETE", None, {}),
    ]
    ids = [uuid.UUID(int=n + 1) for n in range(len(old))]
    async with scratch.begin() as conn:
        await conn.execute(
            ORGANIZATIONS.insert().values(
                id=org, name="A", plan="growth", subscription_active=True, created_at=now
            )
        )
        await conn.execute(
            OLD_EVENTS.insert(),
            [
                {
                    "id": id_,
                    "org_id": org,
                    "action": action,
                    "component_id": component_id,
                    "created_at": now,
                    "details": details,
                }
                for id_, (action, component_id, details) in zip(ids, old, strict=True)
            ],
        )

    # when
    await migrate.upgrade(scratch)

    # then
    async with scratch.connect() as conn:
        rows = (
            await conn.execute(
                select(AuditEvent.family, AuditEvent.subject_type, AuditEvent.subject_id).order_by(
                    AuditEvent.id
                )
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("catalog", "component", component),
        ("catalog", "deployment", deployment),
        ("catalog", "environment", environment),
        ("knowledge", "knowledge_entry", entry),
        ("knowledge", "knowledge_entry", entry),
        ("knowledge", None, None),
        ("catalog", None, None),
        ("catalog", None, None),
    ]

    # and stepping back keeps every event, without the new columns
    await migrate.downgrade(scratch, "0003")
    async with scratch.connect() as conn:
        kept = (await conn.execute(select(OLD_EVENTS.c.id).order_by(OLD_EVENTS.c.id))).all()
        columns = await conn.run_sync(
            lambda c: {col["name"] for col in sa.inspect(c).get_columns("audit_events")}
        )
    assert [r.id for r in kept] == ids
    assert "family" not in columns and "subject_id" not in columns


OLD_SESSIONS = sa.table(
    "mcp_sessions",
    sa.column("id", sa.Uuid()),
    sa.column("org_id", sa.Uuid()),
    sa.column("client", sa.String()),
    sa.column("nhi_id", sa.Uuid()),
    sa.column("started_at", UTCDateTime()),
)
OLD_CALLS = sa.table(
    "mcp_tool_calls",
    sa.column("id", sa.Uuid()),
    sa.column("org_id", sa.Uuid()),
    sa.column("session_id", sa.Uuid()),
    sa.column("tool", sa.String()),
    sa.column("verdict", sa.String()),
    sa.column("latency_ms", sa.Integer()),
    sa.column("created_at", UTCDateTime()),
)
NHIS = sa.table(
    "nhis",
    sa.column("id", sa.Uuid()),
    sa.column("org_id", sa.Uuid()),
    sa.column("label", sa.String()),
    sa.column("tier", sa.Integer()),
    sa.column("created_at", UTCDateTime()),
)


async def test_sessions_keep_their_nhi_and_calls_when_nhi_becomes_a_key(scratch):
    # given: revision 0006's sessions naming an NHI no table holds, with a tool call
    await migrate.upgrade(scratch, "0006")
    org, nhi, session, plain, call = (uuid.uuid4() for _ in range(5))
    early, late = datetime(2026, 4, 1, 9, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=UTC)
    async with scratch.begin() as conn:
        await conn.execute(
            ORGANIZATIONS.insert().values(
                id=org, name="A", plan="growth", subscription_active=True, created_at=early
            )
        )
        await conn.execute(
            OLD_SESSIONS.insert(),
            [
                {"id": session, "org_id": org, "client": "c", "nhi_id": nhi, "started_at": late},
                {"id": plain, "org_id": org, "client": "c", "nhi_id": nhi, "started_at": early},
            ],
        )
        await conn.execute(
            OLD_CALLS.insert().values(
                id=call,
                org_id=org,
                session_id=session,
                tool="t",
                verdict="passed",
                latency_ms=5,
                created_at=late,
            )
        )

    # when
    await migrate.upgrade(scratch)

    # then: one placeholder NHI, created when its first session started; nothing lost
    async with scratch.connect() as conn:
        nhis = (await conn.execute(select(NHIS))).all()
        named = (await conn.execute(select(OLD_SESSIONS.c.nhi_id))).scalars().all()
        calls = (await conn.execute(select(OLD_CALLS.c.id))).scalars().all()
    assert [tuple(row) for row in nhis] == [(nhi, org, f"unregistered-{nhi.hex[:8]}", 4, early)]
    assert named == [nhi, nhi]
    assert calls == [call]

    # and the key holds: a session cannot name an NHI that does not exist
    with pytest.raises(sa.exc.IntegrityError):
        async with scratch.begin() as conn:
            await conn.execute(OLD_SESSIONS.update().values(nhi_id=uuid.uuid4()))

    # and stepping back keeps the sessions and their calls
    await migrate.downgrade(scratch, "0006")
    async with scratch.connect() as conn:
        assert (await conn.execute(select(OLD_CALLS.c.id))).scalars().all() == [call]
        assert len((await conn.execute(select(OLD_SESSIONS.c.id))).all()) == 2
