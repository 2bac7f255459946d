"""The executive dashboard's bands at their edges (95, 85, 70 exactly) end to end on both
databases, and each rule's branches over hand-counted periods."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from resolvers.agents.executive.queries import PeriodCounts
from resolvers.agents.executive.rules import (
    areas_of_focus,
    key_achievements,
    period_words,
    strategic_insights,
)
from resolvers.agents.executive.scores import Score, Scores, band, trend
from tests.agents.test_executive_dashboard import ADMIN_KEY, NOW, at, get


async def admin_org(factory: Any) -> dict[str, Any]:
    org = await factory.org()
    ada = await factory.user(org, "ada", role="admin", created_at=at(1, 5, 9))
    await factory.api_key(ada, ADMIN_KEY, ["agents:read"])
    return org


# (approved, auto_approved, denied) of 20 low actions: security and compliance are 100,
# so the mean is (platform + efficiency + 200) / 4.
BAND_CASES = [
    # platform 100, efficiency 80: mean 95 exactly.
    ((4, 16, 0), "excellent", "excellent"),
    # platform 100, efficiency 75: mean 93.75.
    ((5, 15, 0), "good", "excellent"),
    # platform 19/20 = 95 exactly; efficiency 45: mean 85 exactly.
    ((10, 9, 1), "good", "excellent"),
    # platform 85 exactly; efficiency 20: mean 76.25.
    ((13, 4, 3), "fair", "good"),
    # platform 70 exactly; efficiency 20: mean 72.5.
    ((10, 4, 6), "fair", "fair"),
    # platform 60, efficiency 20: mean 70 exactly.
    ((8, 4, 8), "fair", "needs_attention"),
    # platform 55, efficiency 20: mean 68.75.
    ((7, 4, 9), "needs_attention", "needs_attention"),
]


@pytest.mark.parametrize(("counts", "overall", "status"), BAND_CASES)
async def test_band_edges(client_at, factory, counts, overall, status) -> None:
    org = await admin_org(factory)
    statuses = ["approved"] * counts[0] + ["auto_approved"] * counts[1] + ["denied"] * counts[2]
    for n, action_status in enumerate(statuses):
        await factory.agent_action(
            org, NOW - timedelta(hours=n + 1), risk_level="low", status=action_status
        )

    async with client_at(NOW) as client:
        body = (await get(client, ADMIN_KEY)).json()

    assert body["executive_summary"]["overall_health"] == overall
    assert body["executive_kpis"]["platform_health"]["status"] == status


async def test_at_every_edge_the_achievements_hold(client_at, factory) -> None:
    """20 low actions, 4 approved and 16 auto_approved: success 100 (>= 95), automation
    0.80 (>= 0.80), no critical action; no high-risk action, so no compliance insight."""
    org = await admin_org(factory)
    for n in range(20):
        action_status = "approved" if n < 4 else "auto_approved"
        await factory.agent_action(
            org, NOW - timedelta(hours=n + 1), risk_level="low", status=action_status
        )

    async with client_at(NOW) as client:
        body = (await get(client, ADMIN_KEY)).json()

    assert body["executive_summary"]["key_achievements"] == [
        "Zero critical security incidents this month",
        "100% system reliability achieved",
        "80% workflow automation rate",
    ]
    assert body["executive_summary"]["areas_of_focus"] == [
        "Continue monitoring system health and performance"
    ]
    assert body["strategic_insights"] == [
        {
            "category": "security",
            "insight": "Strong security posture maintained (only 0 high-risk actions)",
            "action": "Continue current security protocols",
            "priority": "low",
            "data_source": "agent_actions_risk_analysis",
        },
        {
            "category": "efficiency",
            "insight": "Excellent automation rate (80%)",
            "action": "Maintain current automation strategies",
            "priority": "low",
            "data_source": "approval_workflow_metrics",
        },
    ]


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (100, "excellent"),
        (95, "excellent"),
        (94.9, "good"),
        (85, "good"),
        (84.9, "fair"),
        (70, "fair"),
        (69.9, "needs_attention"),
        (0, "needs_attention"),
    ],
)
def test_bands(value: float, name: str) -> None:
    assert band(value) == name


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        ((82.0, True), (80.0, True), "stable"),  # +2 exactly
        ((82.1, True), (80.0, True), "improving"),
        ((78.0, True), (80.0, True), "stable"),  # -2 exactly
        ((77.9, True), (80.0, True), "declining"),
        ((50.0, True), (100.0, False), "stable"),  # no baseline
        ((100.0, False), (50.0, True), "stable"),  # nothing to score now
    ],
)
def test_trends(current, previous, expected) -> None:
    assert trend(Score(*current), Score(*previous)) == expected


@pytest.mark.parametrize(
    ("days", "words"),
    [(1, "in the last day"), (7, "this week"), (10, "in the last 10 days"), (30, "this month")],
)
def test_period_words(days: int, words: str) -> None:
    assert period_words(days) == words


def test_security_at_seventy_and_a_clean_high_risk_record() -> None:
    """10 actions, 1 high and 2 medium, none decided: security 100 - (2 + 1) / 10 x 100 =
    70.0 (medium, and below 85: an area); compliance clean (low); no efficiency insight
    without a decision."""
    c = PeriodCounts(actions=10, high=1, medium=2, pending=10)
    s = Scores.of(c)

    assert s.security.value == 70.0
    assert key_achievements(c, s, 10) == [
        "Zero critical security incidents in the last 10 days",
        "1 high-risk action resolved without a violation",
    ]
    assert areas_of_focus(c, s, 10) == ["Lower the share of risky actions (security score 70)"]
    assert [(i.category, i.insight, i.priority) for i in strategic_insights(c, s, 10)] == [
        (
            "security",
            "Elevated risk in agent activity (1 high-risk, 2 medium-risk actions)",
            "medium",
        ),
        ("compliance", "No violations among 1 high-risk action", "low"),
    ]


def test_security_below_seventy_and_little_automation() -> None:
    """10 actions, 2 high; 3 approved, 1 auto_approved: security 100 - 4 / 10 x 100 = 60.0
    (high); success 4 / 4 = 100; automation 1 / 4 = 0.25 (high, and an area)."""
    c = PeriodCounts(actions=10, high=2, approved=3, auto_approved=1, pending=6)
    s = Scores.of(c)

    assert (s.security.value, s.platform.value, s.efficiency.value) == (60.0, 100.0, 25.0)
    assert areas_of_focus(c, s, 30) == [
        "Increase workflow automation (25% automated)",
        "Lower the share of risky actions (security score 60)",
    ]
    assert [(i.category, i.insight, i.priority) for i in strategic_insights(c, s, 30)] == [
        ("security", "High share of risky agent actions (security score 60)", "high"),
        ("efficiency", "Low automation rate (25%)", "high"),
        ("compliance", "No violations among 2 high-risk actions", "low"),
    ]


def test_pending_high_risk_reviews_without_violations() -> None:
    """3 high actions, 2 pending, 1 auto_approved: compliance 100 - 0 = 100 but 2 reviews
    wait (medium); security 100 - 6 / 3 x 100, clamped to 0.0; automation 1 / 1 = 1.0."""
    c = PeriodCounts(actions=3, high=3, pending=2, pending_reviews=2, auto_approved=1)
    s = Scores.of(c)

    assert (s.security.value, s.compliance.value) == (0.0, 100.0)
    assert areas_of_focus(c, s, 30) == [
        "Clear the review backlog (2 high-risk pending)",
        "Lower the share of risky actions (security score 0)",
    ]
    insights = strategic_insights(c, s, 30)
    assert [(i.category, i.priority) for i in insights] == [
        ("security", "high"),
        ("efficiency", "low"),
        ("compliance", "medium"),
    ]
    assert insights[2].insight == "0 violations and 2 pending reviews among 3 high-risk actions"
    assert insights[2].action == "Clear pending reviews and follow up on denied actions"
