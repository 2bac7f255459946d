"""The migrations build exactly the schema the models declare, on both dialects."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from gateway import migrate
from gateway.db import create_engine
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
