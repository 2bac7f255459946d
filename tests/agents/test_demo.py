"""The demo's agent console: 30 days of actions from eight agents with a weekly rhythm,
display ids 1..n per organisation, one spike day, and sessions seen in the last minutes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from gateway.demo import DEMO_ORG_IDS, seed_demo
from gateway.demo.agents import SPIKE_DAYS_AGO
from models.agents import HIGH_RISK, AgentAction, AgentActionCounter, UserSession

NOW = datetime(2026, 3, 4, 15, 20, tzinfo=UTC)  # a Wednesday afternoon


async def test_the_demo_fills_the_agent_tables(db) -> None:
    # when
    info = await seed_demo(db, progress=lambda _: None, now=NOW)

    # then: about 150 actions a working day, fewer at weekends, in each organisation
    assert 2 * 3000 < info.rows["agent_actions"] < 2 * 5500
    async with db.connect() as conn:
        for org_id in DEMO_ORG_IDS:
            actions = (
                await conn.execute(
                    select(
                        AgentAction.display_id,
                        AgentAction.agent_id,
                        AgentAction.risk_level,
                        AgentAction.status,
                        AgentAction.timestamp,
                    ).where(AgentAction.org_id == org_id)
                )
            ).all()
            counter = await conn.scalar(
                select(AgentActionCounter.last_display_id).where(
                    AgentActionCounter.org_id == org_id
                )
            )
            active = await conn.scalar(
                select(func.count()).where(
                    UserSession.org_id == org_id,
                    UserSession.ended_at.is_(None),
                    UserSession.last_seen_at >= NOW - timedelta(minutes=15),
                )
            )
            assert_actions(actions, counter)
            assert active >= 1


def assert_actions(actions: list, counter: int | None) -> None:
    n = len(actions)
    # Display ids are 1..n, in time order, and the counter goes on from n.
    assert sorted(a.display_id for a in actions) == list(range(1, n + 1)) and counter == n
    in_order = sorted(actions, key=lambda a: a.display_id)
    assert [a.timestamp for a in in_order] == sorted(a.timestamp for a in actions)
    assert min(a.timestamp for a in actions) >= NOW - timedelta(days=30)
    assert max(a.timestamp for a in actions) < NOW
    assert len({a.agent_id for a in actions}) == 8
    assert {a.status for a in actions} == {"pending", "approved", "denied", "auto_approved"}

    # The spike is the day with the most high-risk actions, by far.
    high = Counter(a.timestamp.date() for a in actions if a.risk_level in HIGH_RISK)
    (spike, most), (_, runner_up) = high.most_common(2)
    assert spike == (NOW - timedelta(days=SPIKE_DAYS_AGO)).date()
    assert most > 2 * runner_up

    # The weekly rhythm: a full weekday has well over the actions of a weekend day.
    per_day = Counter(a.timestamp.date() for a in actions)
    full = [d for d in per_day if NOW.date() - timedelta(days=29) <= d < NOW.date()]
    weekday = [per_day[d] for d in full if d.weekday() < 5 and d != spike]
    weekend = [per_day[d] for d in full if d.weekday() >= 5]
    assert min(weekday) > 1.5 * max(weekend)
