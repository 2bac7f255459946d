"""The demo's governance data: every table filled, the shape the analytics should find,
and the same rows every run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select

from gateway.demo import DEMO_ORG_IDS, seed_demo
from models.governance import ConfigChange, Guardian, GuardianVerdictEvent, McpToolCall

NOW = datetime(2026, 3, 4, 15, 20, tzinfo=UTC)  # a Wednesday afternoon


async def seeded(db):
    return await seed_demo(db, progress=lambda _: None, now=NOW)


async def scalar(db, statement):
    async with db.connect() as conn:
        return await conn.scalar(statement)


async def test_the_demo_fills_the_governance_tables(db) -> None:
    info = await seeded(db)
    for table in ("guardians", "guardian_verdicts", "mcp_sessions", "mcp_tool_calls"):
        assert info.rows[table] > 0, table
    assert info.rows["guardians"] == 10  # five per organisation
    assert 0 < info.rows["config_changes"] <= 20
    names = await scalar(
        db,
        select(func.count(func.distinct(Guardian.name))).where(Guardian.org_id == DEMO_ORG_IDS[0]),
    )
    assert names == 5
    # two days of verdicts, ending at the demo's now
    first = await scalar(db, select(func.min(GuardianVerdictEvent.created_at)))
    last = await scalar(db, select(func.max(GuardianVerdictEvent.created_at)))
    assert (
        NOW - timedelta(days=2, hours=1)
        <= first.replace(tzinfo=UTC)
        < NOW - timedelta(days=2) + timedelta(hours=1)
    )
    assert NOW - timedelta(hours=1) < last.replace(tzinfo=UTC) < NOW
    tools = await scalar(db, select(func.count(func.distinct(McpToolCall.tool))))
    assert tools >= 12


async def test_the_risky_tool_is_blocked_most_often(db) -> None:
    await seeded(db)
    blocked = func.sum(case((McpToolCall.verdict == "blocked", 1), else_=0))
    block_rate = blocked * 1.0 / func.count()
    statement = (
        select(McpToolCall.tool)
        .where(McpToolCall.org_id == DEMO_ORG_IDS[0])
        .group_by(McpToolCall.tool)
        .order_by(block_rate.desc())
        .limit(1)
    )
    riskiest = await scalar(db, statement)
    assert riskiest == "stripe.create_refund"


async def test_working_hours_are_busier(db) -> None:
    await seeded(db)
    # Tuesday 3 March: 10:00-12:00 UTC against 02:00-04:00 UTC
    day = datetime(2026, 3, 3, tzinfo=UTC)

    async def between(start: int, end: int) -> int:
        statement = select(func.count()).where(
            GuardianVerdictEvent.created_at >= day + timedelta(hours=start),
            GuardianVerdictEvent.created_at < day + timedelta(hours=end),
        )
        return int(await scalar(db, statement))

    assert await between(10, 12) > 3 * await between(2, 4)


async def test_config_changes_lead_to_the_guardians_as_seeded(db) -> None:
    await seeded(db)
    async with db.connect() as conn:
        guardians = {
            str(row["id"]): row for row in (await conn.execute(select(Guardian))).mappings()
        }
        changes = (
            await conn.execute(select(ConfigChange).order_by(ConfigChange.changed_at))
        ).mappings()
        latest = {(c["target_id"], c["field"]): c for c in changes}
    assert len(latest) >= 5
    for (target, field), change in latest.items():
        assert change["new_value"] == guardians[target][field], (field, change)
        assert change["old_value"] != change["new_value"]
        assert guardians[target]["org_id"] == change["org_id"]


async def test_the_demo_is_the_same_every_run(db) -> None:
    await seeded(db)
    statement = select(GuardianVerdictEvent.id, GuardianVerdictEvent.latency_ms).order_by(
        GuardianVerdictEvent.id
    )
    async with db.connect() as conn:
        first = list(await conn.execute(statement))
    await seed_demo(db, progress=lambda _: None, now=NOW, replace=True)
    async with db.connect() as conn:
        assert list(await conn.execute(statement)) == first
