"""Display ids count each organisation's actions from 1, without repeats or gaps, when
actions are recorded at once from several connections, on both databases."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import insert, select

from models.agents import AgentAction
from resolvers.agents.display_ids import allocate_display_ids


def action(org: dict[str, Any], display_id: int) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "org_id": org["id"],
        "display_id": display_id,
        "agent_id": "a",
        "action_type": "t",
        "risk_level": "low",
        "status": "pending",
    }


async def test_concurrent_inserts_draw_distinct_ids(db, factory) -> None:
    # given
    acme, globex = await factory.org("Acme"), await factory.org("Globex")

    async def record(org: dict[str, Any]) -> None:
        # The transaction stays open after the draw, so that the writers overlap.
        async with db.begin() as conn:
            display_id = await allocate_display_ids(conn, org_id=org["id"])
            await asyncio.sleep(0.01)
            await conn.execute(insert(AgentAction).values(**action(org, display_id)))

    # when: eight actions at once in each organisation, each in its own transaction
    await asyncio.gather(*(record(org) for org in (acme, globex) for _ in range(8)))

    # then
    async with db.connect() as conn:
        found = (await conn.execute(select(AgentAction.org_id, AgentAction.display_id))).all()
    for org in (acme, globex):
        assert sorted(d for o, d in found if o == org["id"]) == list(range(1, 9))


async def test_a_rolled_back_insert_returns_its_ids(db, factory) -> None:
    # given
    acme = await factory.org()
    await factory.agent_action(acme)

    # when: a block is reserved in a transaction that fails
    async with db.connect() as conn:
        async with conn.begin() as transaction:
            assert await allocate_display_ids(conn, org_id=acme["id"], count=5) == 2
            await transaction.rollback()

    # then: the next action is number 2
    assert (await factory.agent_action(acme))["display_id"] == 2
