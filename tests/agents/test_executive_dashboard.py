"""``GET /api/analytics/executive/dashboard`` and ``executiveDashboard`` (seed 004) on
hand-worked datasets, on both databases, at an injected "now"."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.governance.test_guardian_graphql import codes, gql

NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)  # a Wednesday, 15:00 UTC
START = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)  # NOW - 10 days: the main test's period
ADMIN_KEY = "agw_exec_admin"
MEMBER_KEY = "agw_exec_member"
OTHER_KEY = "agw_exec_globex"
URL = "/api/analytics/executive/dashboard"


def at(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


async def get(client: Any, key: str, **params: Any) -> Any:
    return await client.get(URL, params=params, headers={"X-API-Key": key})


@pytest.fixture
async def acme(factory) -> dict[str, Any]:
    """Acme over the 10 days [1 March 15:00, 11 March 15:00] and the 10 days before.

    The period's ten actions (2 critical, 3 high, 3 medium, 2 low):

        when (March)      risk      status         NIST   reviewer
        01 15:00 (start)  critical  denied         AC-3   ada
        05 09:00          critical  pending        AU-6
        05 10:00          high      approved              ada
        05 23:59:59       high      auto_approved
        08 12:00          high      denied         AC-3   ada
        09 08:00          medium    auto_approved
        09 09:00          medium    auto_approved
        10 10:00          medium    approved       SI-4   ada
        11 00:00          low       auto_approved
        11 15:00 (now)    low       pending

    approved 2, denied 2, auto 4, pending 2; decided 8.
    - platform: (2 + 4) / 8 = 75.0, status fair.
    - security: 100 - (10x2 + 2x3 + 0.5x3) / 10 x 100 = 100 - 275: clamped to 0.0.
    - efficiency: 4 / 8 = 50.0; automation_rate 0.5; manual 2 + 2 = 4; pending 2.
    - compliance: 5 high-risk, 2 denied (violations), 1 pending (review); 100 - 2/5 x 100
      = 60.0; 4 actions with a NIST control.
    - mean (75 + 0 + 50 + 60) / 4 = 46.25: needs_attention.
    - per UTC day 1, 3, 1, 2, 1, 2: peak 3 (the two actions after "now" on the 11th
      would make it 4); 10 / 10 days = 1.0 a day.

    The previous period [19 Feb 15:00, 1 Mar 15:00): four low actions, at its first
    instant (approved), 25 Feb (denied), 26 Feb (auto_approved) and its last second
    (denied): platform 2 / 4 = 50.0, so 75.0 is +25: improving; security 100.0, so 0.0
    is -100: declining. A critical denied action one second before it is in neither
    period (counted, it would make the previous security 0.0: a stable trend).

    Users (is_active, created): ada admin 2025-01-01, ray manager 2025-02-01, max
    manager 1 Feb, nia 2 Mar, mia 6 Mar, old (inactive) 2025-06-01, fut 12 Mar (after
    now).
    - current: ada, ray, max, nia, mia = 5; before the period ada, ray, max = 3; in it
      nia, mia = 2: growth 2 / 3 = 0.666..: 0.67, positive; in the last 7 days (from
      4 Mar 15:00) mia = 1.
    - active: ada (named reviewer of actions of the period), ray (a review in the audit
      log on 9 Mar), max (session last seen at the period's first instant), mia (a
      session on 10 Mar) = 4; not nia (a session last seen before the period, one started
      after now, a review event before the period, a "recorded" event and a catalog event
      in it), not old (inactive, though seen).
    """
    org = await factory.org("Acme")
    ada = await factory.user(org, "ada", role="admin", created_at=datetime(2025, 1, 1, tzinfo=UTC))
    ray = await factory.user(
        org, "ray", role="manager", created_at=datetime(2025, 2, 1, tzinfo=UTC)
    )
    max_ = await factory.user(org, "max", role="manager", created_at=at(2, 1, 9))
    nia = await factory.user(org, "nia", created_at=at(3, 2, 9))
    mia = await factory.user(org, "mia", created_at=at(3, 6, 9))
    old = await factory.user(
        org, "old", is_active=False, created_at=datetime(2025, 6, 1, tzinfo=UTC)
    )
    await factory.user(org, "fut", created_at=at(3, 12, 9))
    await factory.api_key(ada, ADMIN_KEY, ["agents:read"])
    await factory.api_key(mia, MEMBER_KEY, ["agents:read"])

    by_ada = {"reviewed_by": ada["id"]}
    rows: list[tuple[datetime, str, str, dict[str, Any]]] = [
        (at(3, 1, 15), "critical", "denied", {"nist_control": "AC-3", **by_ada}),
        (at(3, 5, 9), "critical", "pending", {"nist_control": "AU-6"}),
        (at(3, 5, 10), "high", "approved", by_ada),
        (at(3, 5, 23, 59, 59), "high", "auto_approved", {}),
        (at(3, 8, 12), "high", "denied", {"nist_control": "AC-3", **by_ada}),
        (at(3, 9, 8), "medium", "auto_approved", {}),
        (at(3, 9, 9), "medium", "auto_approved", {}),
        (at(3, 10, 10), "medium", "approved", {"nist_control": "SI-4", **by_ada}),
        (at(3, 11, 0), "low", "auto_approved", {}),
        (at(3, 11, 15), "low", "pending", {}),
        # After "now": in no count.
        (at(3, 11, 15, 0, 1), "critical", "denied", {}),
        (at(3, 11, 15, 30), "critical", "pending", {}),
        # The previous period.
        (at(2, 19, 15), "low", "approved", {"reviewed_by": max_["id"]}),
        (at(2, 25, 12), "low", "denied", {}),
        (at(2, 26, 12), "low", "auto_approved", {}),
        (at(3, 1, 14, 59, 59), "low", "denied", {}),
        # Before both.
        (at(2, 19, 14, 59, 59), "critical", "denied", {}),
    ]
    for when, risk, status, extra in rows:
        await factory.agent_action(org, when, risk_level=risk, status=status, **extra)

    await factory.user_session(max_, at(2, 27, 9), last_seen_at=START)
    await factory.user_session(mia, at(3, 10, 9), last_seen_at=at(3, 10, 11))
    await factory.user_session(nia, at(2, 20, 9), last_seen_at=at(2, 28, 9))
    await factory.user_session(nia, at(3, 11, 15, 0, 1))
    await factory.user_session(old, at(3, 10, 9), last_seen_at=at(3, 10, 10))
    subject = ("agent_action", uuid.uuid4())
    for who, action, when, family in [
        (ray, "approved", at(3, 9, 10), "agents"),
        (nia, "denied", at(2, 28, 10), "agents"),
        (nia, "recorded", at(3, 9, 10), "agents"),
        (nia, "deployed", at(3, 9, 10), "catalog"),
    ]:
        await factory.audit(
            who,
            action,
            family=family,
            subject=subject if family == "agents" else None,
            hours_ago=(factory.now - when).total_seconds() / 3600,
        )

    # Globex: three critical denied actions in the period and one admin, seen by no count
    # of Acme's.
    globex = await factory.org("Globex")
    gus = await factory.user(globex, "gus", role="admin", created_at=at(3, 5, 9))
    await factory.api_key(gus, OTHER_KEY, ["agents:read"])
    for hour in (9, 10, 11):
        await factory.agent_action(
            globex, at(3, 9, hour), risk_level="critical", status="denied", reviewed_by=gus["id"]
        )
    await factory.user_session(gus, at(3, 9, 8), last_seen_at=at(3, 9, 12))
    return org


async def test_the_hand_worked_period(client_at, acme) -> None:
    async with client_at(NOW) as client:
        response = await get(client, ADMIN_KEY, days=10)

    assert response.status_code == 200
    assert response.json() == {
        "report_date": "2026-03-11T15:00:00Z",
        "data_period": {
            "start_date": "2026-03-01T15:00:00Z",
            "end_date": "2026-03-11T15:00:00Z",
            "days": 10,
        },
        "executive_summary": {
            "overall_health": "needs_attention",
            # No critical-free period, success 75 < 95, automation 0.5 < 0.8, violations.
            "key_achievements": [],
            "areas_of_focus": [
                "Reduce critical actions (2 in the last 10 days)",
                "Clear the review backlog (1 high-risk pending)",
                "Review denied high-risk actions (2 violations)",
                "Improve platform reliability (75% success rate)",
                # automation 0.5 is not below 0.50: no automation line.
                "Lower the share of risky actions (security score 0)",
            ],
            "data_quality": "real_database_queries",
        },
        "executive_kpis": {
            "platform_health": {
                "score": 75.0,
                "trend": "improving",
                "status": "fair",
                "total_actions": 10,
                "success_rate": 75.0,
            },
            "security_posture": {
                "score": 0.0,
                "trend": "declining",
                "critical_issues": 2,
                "high_risk_actions": 3,
                "medium_risk_actions": 3,
            },
            "operational_efficiency": {
                "score": 50.0,
                "automation_rate": 0.5,
                "manual_interventions": 4,
                "pending_actions": 2,
            },
            "compliance_status": {
                "score": 60.0,
                "violations": 2,
                "pending_reviews": 1,
                "compliance_actions": 4,
            },
        },
        "business_metrics": {
            "user_growth": {
                "current_users": 5,
                "active_users": 4,
                "growth_rate": 0.67,
                "trend": "positive",
                "new_users_this_week": 1,
            },
            "system_utilization": {
                "avg_actions_per_day": 1.0,
                "peak_day_actions": 3,
                "efficiency_score": 0.5,
                "total_actions_month": 10,
            },
        },
        "strategic_insights": [
            {
                "category": "security",
                "insight": "2 critical actions in the last 10 days",
                "action": "Investigate critical actions and tighten agent permissions",
                "priority": "high",
                "data_source": "agent_actions_risk_analysis",
            },
            {
                "category": "efficiency",
                "insight": "Moderate automation rate (50%)",
                "action": "Extend auto-approval policies to routine low-risk actions",
                "priority": "medium",
                "data_source": "approval_workflow_metrics",
            },
            {
                # compliance 60 < 85: high.
                "category": "compliance",
                "insight": "2 violations and 1 pending review among 5 high-risk actions",
                "action": "Audit the agents behind denied high-risk actions",
                "priority": "high",
                "data_source": "agent_actions_compliance_review",
            },
        ],
        "next_review_date": "2026-03-18T15:00:00Z",
        "meta": {
            "version": "2.0.0",
            "mock_data": False,
            "real_data_sources": ["agent_actions", "users", "audit_logs"],
            "has_activity": True,
        },
    }


async def test_the_default_thirty_days_have_no_baseline(client_at, acme) -> None:
    """30 days from 9 Feb 15:00 hold all 15 actions up to now: the 10 above, the four of
    the previous period and the critical one before it. approved 3, denied 5, auto 5,
    pending 2: decided 13; success 8 / 13 = 61.538..: 61.5; automation 5 / 13 = 0.3846..:
    0.38 as a rate, 38.5 as a score (from the exact fraction, not the rounded rate).
    The 30 days before (from 10 Jan) hold nothing: no baseline, so stable trends."""
    async with client_at(NOW) as client:
        body = (await get(client, ADMIN_KEY)).json()

    assert body["data_period"] == {
        "start_date": "2026-02-09T15:00:00Z",
        "end_date": "2026-03-11T15:00:00Z",
        "days": 30,
    }
    platform = body["executive_kpis"]["platform_health"]
    assert (platform["score"], platform["trend"], platform["total_actions"]) == (61.5, "stable", 15)
    assert body["executive_kpis"]["security_posture"]["trend"] == "stable"
    efficiency = body["executive_kpis"]["operational_efficiency"]
    assert (efficiency["score"], efficiency["automation_rate"]) == (38.5, 0.38)
    # 15 / 30 = 0.5 a day; ada, ray, max created before 9 Feb, nia and mia in the period.
    assert body["business_metrics"]["system_utilization"]["avg_actions_per_day"] == 0.5
    assert body["business_metrics"]["user_growth"]["growth_rate"] == 0.67
    assert (
        body["executive_summary"]["areas_of_focus"][0] == "Reduce critical actions (3 this month)"
    )


async def test_another_organisation_sees_only_its_own(client_at, acme) -> None:
    """Globex: three critical denied actions. decided 3, success 0.0; security 100 - 3000:
    0.0; automation 0; compliance 100 - 3/3 x 100 = 0.0; its one admin created and seen
    in the period, and the reviewer of all three."""
    async with client_at(NOW) as client:
        body = (await get(client, OTHER_KEY, days=10)).json()

    kpis = body["executive_kpis"]
    assert kpis["platform_health"]["total_actions"] == 3
    assert kpis["security_posture"]["critical_issues"] == 3
    assert kpis["security_posture"]["high_risk_actions"] == 0
    assert kpis["compliance_status"] == {
        "score": 0.0,
        "violations": 3,
        "pending_reviews": 0,
        "compliance_actions": 0,
    }
    assert body["business_metrics"]["user_growth"] == {
        "current_users": 1,
        "active_users": 1,
        "growth_rate": 0.0,  # nobody before the period: nothing to grow from
        "trend": "positive",
        "new_users_this_week": 1,
    }
    assert body["business_metrics"]["system_utilization"]["peak_day_actions"] == 3


async def test_an_organisation_without_activity(client_at, factory) -> None:
    """Nothing to score: every score 100 (excellent, stable), automation 0.0, no
    achievements, the steady-state area, no insights, has_activity false."""
    org = await factory.org("Quiet")
    ada = await factory.user(org, "ada", role="admin", created_at=at(1, 5, 9))
    await factory.api_key(ada, ADMIN_KEY, ["agents:read"])

    async with client_at(NOW) as client:
        body = (await get(client, ADMIN_KEY)).json()

    assert body["executive_summary"] == {
        "overall_health": "excellent",
        "key_achievements": [],
        "areas_of_focus": ["Continue monitoring system health and performance"],
        "data_quality": "real_database_queries",
    }
    assert body["executive_kpis"] == {
        "platform_health": {
            "score": 100.0,
            "trend": "stable",
            "status": "excellent",
            "total_actions": 0,
            "success_rate": 100.0,
        },
        "security_posture": {
            "score": 100.0,
            "trend": "stable",
            "critical_issues": 0,
            "high_risk_actions": 0,
            "medium_risk_actions": 0,
        },
        "operational_efficiency": {
            "score": 100.0,
            "automation_rate": 0.0,
            "manual_interventions": 0,
            "pending_actions": 0,
        },
        "compliance_status": {
            "score": 100.0,
            "violations": 0,
            "pending_reviews": 0,
            "compliance_actions": 0,
        },
    }
    assert body["business_metrics"] == {
        "user_growth": {
            "current_users": 1,
            "active_users": 0,
            "growth_rate": 0.0,
            "trend": "flat",
            "new_users_this_week": 0,
        },
        "system_utilization": {
            "avg_actions_per_day": 0.0,
            "peak_day_actions": 0,
            "efficiency_score": 0.0,
            "total_actions_month": 0,
        },
    }
    assert body["strategic_insights"] == []
    assert body["meta"]["has_activity"] is False


async def test_a_member_is_refused(client_at, acme, factory) -> None:
    async with client_at(NOW) as client:
        response = await get(client, MEMBER_KEY)
        body = await gql(client, {"X-API-Key": MEMBER_KEY}, "{ executiveDashboard { reportDate } }")

    assert response.status_code == 403
    assert response.json() == {"detail": "Admin access required"}
    assert codes(body) == ["INSUFFICIENT_ROLE"]


@pytest.mark.parametrize("days", ["0", "-3", "3651", "x"])
async def test_a_refused_period_is_422(client_at, acme, days) -> None:
    async with client_at(NOW) as client:
        response = await get(client, ADMIN_KEY, days=days)
        body = await gql(
            client, {"X-API-Key": ADMIN_KEY}, "{ executiveDashboard(days: 0) { reportDate } }"
        )

    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["query", "days"]
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_graphql_answers_the_same(client_at, acme) -> None:
    query = """{ executiveDashboard(days: 10) {
      reportDate
      dataPeriod { startDate days }
      executiveKpis { platformHealth { score trend } complianceStatus { violations } }
      strategicInsights { category priority }
    } }"""
    async with client_at(NOW) as client:
        body = await gql(client, {"X-API-Key": ADMIN_KEY}, query)

    assert body["data"]["executiveDashboard"] == {
        "reportDate": "2026-03-11T15:00:00+00:00",
        "dataPeriod": {"startDate": "2026-03-01T15:00:00+00:00", "days": 10},
        "executiveKpis": {
            "platformHealth": {"score": 75.0, "trend": "improving"},
            "complianceStatus": {"violations": 2},
        },
        "strategicInsights": [
            {"category": "security", "priority": "high"},
            {"category": "efficiency", "priority": "medium"},
            {"category": "compliance", "priority": "high"},
        ],
    }


async def test_four_statements_whatever_the_data(client_at, acme, statements) -> None:
    async with client_at(NOW) as client:
        before = statements.count
        response = await get(client, ADMIN_KEY, days=10)
        used = statements.count - before

    assert response.status_code == 200
    # The principal, then the period, the previous period, the peak day and the users.
    assert used == 5
