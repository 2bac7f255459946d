"""`gateway seed --demo` over existing data: refused, and forced, it spares other
organisations (on a database of its own, unlike tests/cli/test_demo.py's shared demo)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import cli
from gateway.demo import DEMO_ORG_IDS, DemoDataExists
from models.tenancy import Organization
from tests.factories import Factory


async def rows(engine: AsyncEngine, statement: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list(await conn.execute(statement))


async def test_a_second_seed_is_refused_and_force_spares_other_organisations(
    db: AsyncEngine, factory: Factory
) -> None:
    # given: someone else's organisation
    other = await factory.org("Initech")

    # when / then: refused while data exists
    with pytest.raises(DemoDataExists):
        await cli.run_seed(db)
    assert (await rows(db, select(func.count()).select_from(Organization)))[0][0] == 1

    # when: forced, twice
    await cli.run_seed(db, force=True)
    await cli.run_seed(db, force=True)

    # then: the demo once, and the other organisation untouched
    names = [n for (n,) in await rows(db, select(Organization.name).order_by(Organization.name))]
    assert names == ["Bluebird Analytics", "Initech", "Northwind Robotics"]
    assert other["id"] not in DEMO_ORG_IDS
