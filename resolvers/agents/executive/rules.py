"""The executive dashboard's sentences: each line is a rule over the period's counts and
scores, checked in the order written here. ``{when}`` is "this month" for a 30-day
period, "this week" for 7, else "in the last N days" ("in the last day" for 1).

Thresholds compare the figures as shown (a score to one decimal, a rate to two).

Key achievements (every rule that holds):
- actions > 0 and no critical action: "Zero critical security incidents {when}";
- something decided and success rate >= 95: "{success_rate}% system reliability achieved";
- something decided and automation rate >= 0.80: "{automation}% workflow automation rate";
- high-risk actions, none denied, none pending: "{n} high-risk actions resolved without
  a violation".

Areas of focus (every rule that holds; none holding gives "Continue monitoring system
health and performance"):
- critical actions: "Reduce critical actions ({critical} {when})";
- pending high-risk actions: "Clear the review backlog ({n} high-risk pending)";
- violations: "Review denied high-risk actions ({n} violations)";
- something decided and success rate < 85: "Improve platform reliability ({x}% success
  rate)";
- something decided and automation rate < 0.50: "Increase workflow automation ({x}%
  automated)";
- actions > 0 and security score < 85: "Lower the share of risky actions (security score
  {x})".

Strategic insights: one per category whose score is measured, in this order.
- security (actions > 0; data_source agent_actions_risk_analysis): critical actions:
  high, "{n} critical actions {when}"; else score >= 85: low, "Strong security posture
  maintained (only {high} high-risk actions)"; >= 70: medium, "Elevated risk in agent
  activity ({high} high-risk, {medium} medium-risk actions)"; else high, "High share of
  risky agent actions (security score {x})".
- efficiency (something decided; approval_workflow_metrics): automation >= 0.80: low,
  "Excellent automation rate ({x}%)"; >= 0.50: medium, "Moderate automation rate
  ({x}%)"; else high, "Low automation rate ({x}%)".
- compliance (high-risk actions; agent_actions_compliance_review): none denied and none
  pending: low, "No violations among {n} high-risk actions"; else compliance score >= 85:
  medium, otherwise high, "{v} violations and {p} pending reviews among {n} high-risk
  actions".
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.rounding import exact
from resolvers.agents.executive.queries import PeriodCounts
from resolvers.agents.executive.scores import Scores, automation_rate, percent_text, whole_percent

RELIABLE, UNRELIABLE = 95, 85
AUTOMATED, UNDERAUTOMATED = 0.80, 0.50
SECURE, EXPOSED = 85, 70
COMPLIANT = 85
STEADY_STATE = "Continue monitoring system health and performance"


@dataclass(frozen=True)
class Insight:
    category: str
    insight: str
    action: str
    priority: str
    data_source: str


def counted(n: int, noun: str) -> str:
    """``n`` and its noun, plural unless one: "1 violation", "12 high-risk actions"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def period_words(days: int) -> str:
    if days == 30:
        return "this month"
    if days == 7:
        return "this week"
    return "in the last day" if days == 1 else f"in the last {days} days"


def key_achievements(c: PeriodCounts, s: Scores, days: int) -> list[str]:
    lines = []
    success, automation = s.platform.value, automation_rate(c)
    if c.actions and not c.critical:
        lines.append(f"Zero critical security incidents {period_words(days)}")
    if c.decided and exact(success) >= RELIABLE:
        lines.append(f"{percent_text(success)}% system reliability achieved")
    if c.decided and exact(automation) >= exact(AUTOMATED):
        lines.append(f"{whole_percent(automation)}% workflow automation rate")
    if c.high_risk and not c.violations and not c.pending_reviews:
        lines.append(f"{counted(c.high_risk, 'high-risk action')} resolved without a violation")
    return lines


def areas_of_focus(c: PeriodCounts, s: Scores, days: int) -> list[str]:
    lines = []
    success, automation = s.platform.value, automation_rate(c)
    if c.critical:
        lines.append(f"Reduce critical actions ({c.critical} {period_words(days)})")
    if c.pending_reviews:
        lines.append(f"Clear the review backlog ({c.pending_reviews} high-risk pending)")
    if c.violations:
        lines.append(f"Review denied high-risk actions ({counted(c.violations, 'violation')})")
    if c.decided and exact(success) < UNRELIABLE:
        lines.append(f"Improve platform reliability ({percent_text(success)}% success rate)")
    if c.decided and exact(automation) < exact(UNDERAUTOMATED):
        lines.append(f"Increase workflow automation ({whole_percent(automation)}% automated)")
    if c.actions and exact(s.security.value) < SECURE:
        lines.append(
            f"Lower the share of risky actions (security score {percent_text(s.security.value)})"
        )
    return lines or [STEADY_STATE]


def strategic_insights(c: PeriodCounts, s: Scores, days: int) -> list[Insight]:
    found = [
        _security(c, s, days) if c.actions else None,
        _efficiency(c) if c.decided else None,
        _compliance(c, s) if c.high_risk else None,
    ]
    return [insight for insight in found if insight is not None]


def _security(c: PeriodCounts, s: Scores, days: int) -> Insight:
    score = exact(s.security.value)

    def said(insight: str, action: str, priority: str) -> Insight:
        return Insight("security", insight, action, priority, "agent_actions_risk_analysis")

    if c.critical:
        return said(
            f"{counted(c.critical, 'critical action')} {period_words(days)}",
            "Investigate critical actions and tighten agent permissions",
            "high",
        )
    if score >= SECURE:
        return said(
            f"Strong security posture maintained (only {counted(c.high, 'high-risk action')})",
            "Continue current security protocols",
            "low",
        )
    if score >= EXPOSED:
        return said(
            f"Elevated risk in agent activity ({c.high} high-risk, "
            f"{counted(c.medium, 'medium-risk action')})",
            "Review the agents and tools behind high-risk actions",
            "medium",
        )
    return said(
        f"High share of risky agent actions (security score {percent_text(s.security.value)})",
        "Require review for high-risk tools and restrict agent permissions",
        "high",
    )


def _efficiency(c: PeriodCounts) -> Insight:
    rate = automation_rate(c)
    shown = whole_percent(rate)

    def said(insight: str, action: str, priority: str) -> Insight:
        return Insight("efficiency", insight, action, priority, "approval_workflow_metrics")

    if exact(rate) >= exact(AUTOMATED):
        return said(
            f"Excellent automation rate ({shown}%)", "Maintain current automation strategies", "low"
        )
    if exact(rate) >= exact(UNDERAUTOMATED):
        return said(
            f"Moderate automation rate ({shown}%)",
            "Extend auto-approval policies to routine low-risk actions",
            "medium",
        )
    return said(
        f"Low automation rate ({shown}%)",
        "Review manual approval steps for automation opportunities",
        "high",
    )


def _compliance(c: PeriodCounts, s: Scores) -> Insight:
    def said(insight: str, action: str, priority: str) -> Insight:
        return Insight("compliance", insight, action, priority, "agent_actions_compliance_review")

    if not c.violations and not c.pending_reviews:
        return said(
            f"No violations among {counted(c.high_risk, 'high-risk action')}",
            "Maintain the review process for high-risk actions",
            "low",
        )
    insight = (
        f"{counted(c.violations, 'violation')} and {counted(c.pending_reviews, 'pending review')}"
        f" among {counted(c.high_risk, 'high-risk action')}"
    )
    if exact(s.compliance.value) >= COMPLIANT:
        return said(insight, "Clear pending reviews and follow up on denied actions", "medium")
    return said(insight, "Audit the agents behind denied high-risk actions", "high")
