"""Several processes migrating one fresh database at once: one does the work, all succeed."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import migrate
from gateway.db import create_engine
from tests.conftest import _fresh_postgres

GATEWAY = str(Path(sys.executable).with_name("gateway"))


async def _gateway_migrate(url: str, data_dir: Path) -> tuple[int, str]:
    env = {**os.environ, "GATEWAY_DATABASE_URL": url, "GATEWAY_DATA_DIR": str(data_dir)}
    process = await asyncio.create_subprocess_exec(
        GATEWAY,
        "migrate",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_item11_three_concurrent_migrates_on_a_fresh_database_all_succeed(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    # given: a database nobody has migrated yet
    if engine.dialect.name == "postgresql":
        admin, fresh, name = await _fresh_postgres()
        url = fresh.url.render_as_string(hide_password=False)
    else:
        admin, name = None, ""
        url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        fresh = create_engine(url)
    try:
        # when: three `gateway migrate` processes start together
        results = await asyncio.gather(*(_gateway_migrate(url, tmp_path) for _ in range(3)))

        # then: every one succeeds, and the schema is at head exactly once
        assert [status for status, _ in results] == [0, 0, 0], results
        async with fresh.connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
            organisations = (await conn.execute(text("SELECT COUNT(*) FROM organizations"))).one()
        assert [v for (v,) in versions] == [migrate.head_revision()]
        assert organisations == (0,)
    finally:
        await fresh.dispose()
        if admin is not None:
            async with admin.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()
