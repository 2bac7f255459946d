"""The executive dashboard's GraphQL types: the seed's answer, field for field (its REST
operation aliases them back to the seed's snake_case keys). Names start with
``Executive`` so that no other family's types collide with them."""

from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.type(description="The period the dashboard reports on: [startDate, endDate].")
class ExecutivePeriod:
    start_date: datetime
    end_date: datetime
    days: int


@strawberry.type
class ExecutiveSummary:
    overall_health: str = strawberry.field(
        description="The mean of the four KPI scores: excellent >= 95, good >= 85, fair >= 70, "
        "else needs_attention."
    )
    key_achievements: list[str]
    areas_of_focus: list[str]
    data_quality: str = strawberry.field(description="Always real_database_queries.")


@strawberry.type
class ExecutivePlatformHealth:
    score: float = strawberry.field(description="The success rate (100 when nothing is decided).")
    trend: str = strawberry.field(description="improving, declining or stable (±2 points).")
    status: str = strawberry.field(description="The score's band.")
    total_actions: int
    success_rate: float = strawberry.field(
        description="(approved + auto_approved) / decided x 100 (100 when nothing is decided)."
    )


@strawberry.type
class ExecutiveSecurityPosture:
    score: float = strawberry.field(
        description="100 - (10 x critical + 2 x high + 0.5 x medium) / actions x 100, in 0-100."
    )
    trend: str = strawberry.field(description="improving, declining or stable (±2 points).")
    critical_issues: int
    high_risk_actions: int
    medium_risk_actions: int


@strawberry.type
class ExecutiveOperationalEfficiency:
    score: float = strawberry.field(description="auto_approved / decided x 100.")
    automation_rate: float = strawberry.field(description="auto_approved / decided, 2 decimals.")
    manual_interventions: int = strawberry.field(description="Approved and denied actions.")
    pending_actions: int = strawberry.field(description="Actions of the period still pending.")


@strawberry.type
class ExecutiveComplianceStatus:
    score: float = strawberry.field(
        description="100 - violations / high-or-critical actions x 100."
    )
    violations: int = strawberry.field(description="Denied high-or-critical actions.")
    pending_reviews: int = strawberry.field(description="Pending high-or-critical actions.")
    compliance_actions: int = strawberry.field(description="Actions mapped to a NIST control.")


@strawberry.type
class ExecutiveKpis:
    platform_health: ExecutivePlatformHealth
    security_posture: ExecutiveSecurityPosture
    operational_efficiency: ExecutiveOperationalEfficiency
    compliance_status: ExecutiveComplianceStatus


@strawberry.type
class ExecutiveUserGrowth:
    current_users: int = strawberry.field(description="The organisation's active users.")
    active_users: int = strawberry.field(
        description="Active users with a console session seen in the period, a review made "
        "in it (audit log), or named as the reviewer of one of its actions."
    )
    growth_rate: float = strawberry.field(
        description="Users created in the period / users created before it, 2 decimals."
    )
    trend: str = strawberry.field(
        description="positive when users joined in the period, else flat."
    )
    new_users_this_week: int = strawberry.field(description="Users created in the last 7 days.")


@strawberry.type
class ExecutiveSystemUtilization:
    avg_actions_per_day: float = strawberry.field(description="Actions / days, 1 decimal.")
    peak_day_actions: int = strawberry.field(description="The period's busiest UTC day.")
    efficiency_score: float = strawberry.field(description="The automation rate.")
    total_actions_month: int = strawberry.field(description="Actions in the period.")


@strawberry.type
class ExecutiveBusinessMetrics:
    user_growth: ExecutiveUserGrowth
    system_utilization: ExecutiveSystemUtilization


@strawberry.type(description="One recommendation drawn from the period's figures.")
class ExecutiveInsight:
    category: str = strawberry.field(description="security, efficiency or compliance.")
    insight: str
    action: str
    priority: str = strawberry.field(description="low, medium or high.")
    data_source: str


@strawberry.type
class ExecutiveDashboardMeta:
    version: str
    mock_data: bool
    real_data_sources: list[str]
    has_activity: bool = strawberry.field(description="Whether the period has any action.")


@strawberry.type(description="Executive KPIs of the agent console over a period (seed 004).")
class ExecutiveDashboard:
    report_date: datetime
    data_period: ExecutivePeriod
    executive_summary: ExecutiveSummary
    executive_kpis: ExecutiveKpis
    business_metrics: ExecutiveBusinessMetrics
    strategic_insights: list[ExecutiveInsight]
    next_review_date: datetime = strawberry.field(description="The report date plus 7 days.")
    meta: ExecutiveDashboardMeta
