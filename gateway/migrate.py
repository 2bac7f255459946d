"""Schema migrations (Alembic), run on both dialects by `gateway migrate` and at start-up.

Several processes may start at once (replicas, `gateway serve` beside `gateway migrate`),
so every run holds a lock for its whole duration: a PostgreSQL advisory lock taken in
the very transaction Alembic runs in, or a file lock beside the SQLite database. The
second process waits, then finds the schema at head and does nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import AsyncFileLock
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant both sides agree on; these are the bytes of "gateway\x01".
ADVISORY_LOCK_ID = 0x6761746577617901


def alembic_config() -> Config:
    """Alembic's configuration, pointing at the migrations shipped in this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _run(connection: Connection, revision: str, action: str, message: str | None) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    if action == "upgrade":
        command.upgrade(config, revision)
    elif action == "downgrade":
        command.downgrade(config, revision)
    else:
        command.revision(config, message=message, autogenerate=True)


def sqlite_lock_path(engine: AsyncEngine) -> Path | None:
    """The lock file beside a SQLite database file; None for an in-memory database."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    path = Path(database)
    return path.with_name(path.name + ".migrate.lock")


@asynccontextmanager
async def _sqlite_migration(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A SQLite connection in a transaction with foreign-key actions off.

    Batch migrations rebuild a table (copy, drop, rename); with foreign keys on, dropping
    the old table would first delete its rows and cascade to every child table. SQLite
    ignores this pragma inside a transaction, so it is set before the migration's
    begins, and every key is checked before the commit instead (SQLite's own procedure
    for altering a table).
    """
    async with engine.connect() as connection:
        await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        # SQLAlchemy's autobegin is bookkeeping only here: no BEGIN was sent for a pragma.
        await connection.commit()
        try:
            async with connection.begin():
                yield connection
                broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise RuntimeError(f"migration left {len(broken)} broken foreign keys")
        finally:
            await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            await connection.commit()


@asynccontextmanager
async def _locked(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection in a transaction, held alone among every process migrating this database."""
    lock_path = sqlite_lock_path(engine)
    if lock_path is not None:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        # No timeout: the holder is migrating, and the OS releases the lock if it dies.
        async with AsyncFileLock(lock_path), _sqlite_migration(engine) as connection:
            yield connection
        return
    if engine.dialect.name == "sqlite":
        async with _sqlite_migration(engine) as connection:
            yield connection
        return
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Released by the commit (or rollback) that ends the migration's transaction.
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:id)"), {"id": ADVISORY_LOCK_ID}
            )
        yield connection


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest by default)."""
    async with _locked(engine) as connection:
        await connection.run_sync(_run, revision, "upgrade", None)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Step the database back to ``revision``."""
    async with _locked(engine) as connection:
        await connection.run_sync(_run, revision, "downgrade", None)


async def autogenerate(engine: AsyncEngine, message: str) -> None:
    """Write a new revision from the difference between the models and the database."""
    async with _locked(engine) as connection:
        await connection.run_sync(_run, "head", "revision", message)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None when it was never migrated."""
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def head_revision() -> str:
    """The newest revision the shipped migrations define."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
