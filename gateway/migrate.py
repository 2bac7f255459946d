"""Schema migrations (Alembic), run on both dialects by `gateway migrate` and at start-up."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


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


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest by default)."""
    async with engine.begin() as connection:
        await connection.run_sync(_run, revision, "upgrade", None)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Step the database back to ``revision``."""
    async with engine.begin() as connection:
        await connection.run_sync(_run, revision, "downgrade", None)


async def autogenerate(engine: AsyncEngine, message: str) -> None:
    """Write a new revision from the difference between the models and the database."""
    async with engine.begin() as connection:
        await connection.run_sync(_run, "head", "revision", message)


def head_revision() -> str:
    """The newest revision the shipped migrations define."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
