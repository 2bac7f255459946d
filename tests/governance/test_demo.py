"""The demo's governance data: every table filled, the shape the analytics should find,
and the same rows every run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import case, func, select

from gateway.demo import DEMO_ORG_IDS, seed_demo
from gateway.sql import MONEY_UNITS, bucket_floor, epoch_bucket, money_units
from models.governance import (
    ConfigChange,
    Guardian,
    GuardianVerdictEvent,
    McpSession,
    McpToolCall,
)
from models.identities import Nhi, NhiActivity, NhiAnomaly, NhiGuardian
from resolvers.governance.nhi_detection import detect
from tests.conftest import empty_tables

NOW = datetime(2026, 3, 4, 15, 20, tzinfo=UTC)  # a Wednesday afternoon


@pytest.fixture(scope="module")
async def demo(engine):
    """The demo, seeded once per dialect for the tests of this module, which read it: one
    seeds it again in place (the same rows, as it asserts), one adds detection's findings,
    which no other test here reads."""
    await empty_tables(engine)
    return await seed_demo(engine, progress=lambda _: None, now=NOW)


@pytest.fixture
def db(engine, demo):
    """Here, the database holding the module's demo (not emptied before each test)."""
    return engine


async def scalar(db, statement):
    async with db.connect() as conn:
        return await conn.scalar(statement)


async def test_the_demo_fills_the_governance_tables(db, demo) -> None:
    info = demo
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
    statement = select(GuardianVerdictEvent.id, GuardianVerdictEvent.latency_ms).order_by(
        GuardianVerdictEvent.id
    )
    activity = select(NhiActivity.id, NhiActivity.spend_usd, NhiActivity.outcome).order_by(
        NhiActivity.id
    )
    async with db.connect() as conn:
        first = list(await conn.execute(statement))
        first_activity = list(await conn.execute(activity))
    await seed_demo(db, progress=lambda _: None, now=NOW, replace=True)
    async with db.connect() as conn:
        assert list(await conn.execute(statement)) == first
        assert list(await conn.execute(activity)) == first_activity


# --- non-human identities ---------------------------------------------------------------

DAY_AGO = NOW - timedelta(hours=24)
WEEK_BEFORE = DAY_AGO - timedelta(days=7)


async def nhi_id(db, label: str):
    statement = select(Nhi.id).where(Nhi.org_id == DEMO_ORG_IDS[0], Nhi.label == label)
    return await scalar(db, statement)


async def hourly_spend(db, id, start: datetime, end: datetime) -> list[Decimal]:
    """The NHI's spend per UTC hour of [start, end), idle hours as 0 (start on the hour)."""
    hour = epoch_bucket(NhiActivity.occurred_at, 3600)
    statement = (
        select(hour, func.sum(money_units(NhiActivity.spend_usd)))
        .where(
            NhiActivity.nhi_id == id,
            NhiActivity.occurred_at >= start,
            NhiActivity.occurred_at < end,
        )
        .group_by(hour)
    )
    async with db.connect() as conn:
        sums = {at: Decimal(units) / MONEY_UNITS for at, units in await conn.execute(statement)}
    count = (end - start) // timedelta(hours=1)
    return [sums.get(start + timedelta(hours=h), Decimal(0)) for h in range(count)]


def p99(values: list[Decimal]) -> Decimal:
    """percentile_cont(0.99): linear between the two nearest ranks."""
    ordered = sorted(values)
    rank = Decimal("0.99") * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


async def denied_since(db, id, start: datetime) -> int:
    statement = select(func.count()).where(
        NhiActivity.nhi_id == id,
        NhiActivity.outcome == "denied",
        NhiActivity.occurred_at >= start,
    )
    return int(await scalar(db, statement))


async def test_the_demo_has_a_dozen_nhis_of_every_kind_tier_and_federation(db, demo) -> None:
    info = demo
    assert info.rows["nhis"] == 24  # twelve per organisation
    assert info.rows["nhi_activity"] > 1000
    async with db.connect() as conn:
        mine = Nhi.org_id == DEMO_ORG_IDS[0]
        kinds = set(await conn.scalars(select(Nhi.kind).where(mine)))
        tiers = set(await conn.scalars(select(Nhi.tier).where(mine)))
        federation = set(await conn.scalars(select(Nhi.federation_status).where(mine)))
        bound = await conn.scalar(
            select(func.count(func.distinct(NhiGuardian.nhi_id))).where(
                NhiGuardian.org_id == DEMO_ORG_IDS[0]
            )
        )
        first = await conn.scalar(select(func.min(NhiActivity.occurred_at)))
    assert kinds == {"service_account", "ci_runner", "ai_agent", "workload"}
    assert tiers == {1, 2, 3, 4}
    assert federation == {"verified", "pending", "unverified"}
    assert 8 <= bound < 12  # most are bound, not all
    # eight days of activity
    assert first.replace(tzinfo=UTC) < NOW - timedelta(days=7, hours=23)
    await an_unbound_workload_and_a_quiet_compliant_service_account(db)
    await some_mcp_sessions_run_as_nhis_of_their_organisation(db)


async def test_the_demo_nhis_give_detection_something_to_find(db) -> None:
    await the_ci_runner_bursts_in_the_last_day(db)
    await the_ai_agent_is_denied_repeatedly_and_the_others_are_not(db)
    await only_the_designed_nhis_burst(db)


async def the_ci_runner_bursts_in_the_last_day(db) -> None:
    runner = await nhi_id(db, "ci-runner-prod")
    day = await hourly_spend(db, runner, bucket_floor(DAY_AGO, 3600), bucket_floor(NOW, 3600))
    week = await hourly_spend(
        db, runner, bucket_floor(WEEK_BEFORE, 3600), bucket_floor(DAY_AGO, 3600)
    )
    baseline = sum(week) / len(week)
    assert p99(day) >= 1
    assert p99(day) > 5 * baseline
    assert await denied_since(db, runner, DAY_AGO) == 3


async def the_ai_agent_is_denied_repeatedly_and_the_others_are_not(db) -> None:
    agent = await nhi_id(db, "support-agent")
    assert await denied_since(db, agent, DAY_AGO) >= 5
    async with db.connect() as conn:
        labels = list(await conn.scalars(select(Nhi.label).where(Nhi.org_id == DEMO_ORG_IDS[0])))
    for label in labels:
        if label != "support-agent":
            assert await denied_since(db, await nhi_id(db, label), DAY_AGO) < 5, label


async def only_the_designed_nhis_burst(db) -> None:
    async with db.connect() as conn:
        labels = list(await conn.scalars(select(Nhi.label).where(Nhi.org_id == DEMO_ORG_IDS[0])))
    bursting = set()
    for label in labels:
        id = await nhi_id(db, label)
        day = await hourly_spend(db, id, bucket_floor(DAY_AGO, 3600), bucket_floor(NOW, 3600))
        if p99(day) >= 1:
            bursting.add(label)
    assert bursting == {"ci-runner-prod", "ml-training-job"}


async def an_unbound_workload_and_a_quiet_compliant_service_account(db) -> None:
    async with db.connect() as conn:
        unbound = list(
            await conn.scalars(
                select(Nhi.label).where(
                    Nhi.org_id == DEMO_ORG_IDS[0],
                    Nhi.kind == "workload",
                    ~Nhi.id.in_(select(NhiGuardian.nhi_id)),
                )
            )
        )
        quiet = (
            (
                await conn.execute(
                    select(Nhi).where(
                        Nhi.org_id == DEMO_ORG_IDS[0], Nhi.label == "billing-reconciler"
                    )
                )
            )
            .mappings()
            .one()
        )
        events, unchecked, denied, most = (
            await conn.execute(
                select(
                    func.count(),
                    func.count().filter(NhiActivity.guardian_id.is_(None)),
                    func.count().filter(NhiActivity.outcome == "denied"),
                    func.max(NhiActivity.spend_usd),
                ).where(NhiActivity.nhi_id == quiet["id"])
            )
        ).one()
    assert unbound == ["batch-etl-worker"]
    assert (quiet["kind"], quiet["federation_status"]) == ("service_account", "verified")
    assert events > 0 and unchecked == 0 and denied == 0
    assert most <= Decimal("0.01")


async def some_mcp_sessions_run_as_nhis_of_their_organisation(db) -> None:
    async with db.connect() as conn:
        statement = (
            select(Nhi.label, func.count())
            .select_from(McpSession)
            .join(Nhi, (Nhi.id == McpSession.nhi_id) & (Nhi.org_id == McpSession.org_id))
            .where(McpSession.org_id == DEMO_ORG_IDS[0])
            .group_by(Nhi.label)
        )
        runs = dict(tuple(row) for row in await conn.execute(statement))
        humans = await conn.scalar(select(func.count()).where(McpSession.nhi_id.is_(None)))
    assert set(runs) == {"ci-runner-prod", "support-agent", "code-review-agent", "finance-copilot"}
    assert humans > 0


async def test_detection_over_the_demo_s_last_day_finds_the_designed_anomalies(db) -> None:
    # What a newcomer sees after `gateway serve --demo` and one detection request.
    async with db.begin() as conn:
        result = await detect(
            conn, org_id=DEMO_ORG_IDS[0], start=NOW - timedelta(hours=24), end=NOW, now=NOW
        )
        rows = (
            await conn.execute(
                select(Nhi.label, NhiAnomaly.type, NhiAnomaly.severity)
                .join(Nhi, Nhi.id == NhiAnomaly.nhi_id)
                .where(NhiAnomaly.org_id == DEMO_ORG_IDS[0])
                .order_by(Nhi.label, NhiAnomaly.type)
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("ci-runner-prod", "spend_burst", "critical"),
        ("ml-training-job", "spend_burst", "high"),
        ("support-agent", "tool_denials", "medium"),
    ]
    assert (result["nhis"], result["anomalies_added"], result["snapshots_added"]) == (12, 3, 12)
