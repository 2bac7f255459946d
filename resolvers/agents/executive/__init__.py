"""The executive dashboard (seed 004, ``GET /api/analytics/executive/dashboard``, GraphQL
``executiveDashboard(days: Int = 30)``), admin only.

The period: ``days`` (1 to 3650, default 30) back from the request's "now":
``[now - days, now]``, both edges in; ``data_period`` gives those two instants. The
previous period, for the trends, is as long and ends where this one starts:
``[now - 2 x days, now - days)``, its end left out so that no action is in both.
``report_date`` is now; ``next_review_date`` is now + 7 days.

Every count is of the caller's organisation's actions in the period (``queries.py``):
- decided = approved + denied + auto_approved (pending is not decided);
- ``platform_health``: ``total_actions`` = actions; ``success_rate`` = ``score`` =
  (approved + auto_approved) / decided x 100; ``status`` is the score's band;
- ``security_posture``: ``score`` = 100 - (10 x critical + 2 x high + 0.5 x medium) /
  actions x 100, clamped to 0-100; ``critical_issues``, ``high_risk_actions``,
  ``medium_risk_actions`` count the critical, high and medium actions;
- ``operational_efficiency``: ``automation_rate`` = auto_approved / decided (a fraction,
  2 decimals); ``score`` = auto_approved / decided x 100; ``manual_interventions`` =
  approved + denied; ``pending_actions`` = the period's actions still pending (older
  pending actions belong to their own period);
- ``compliance_status``: ``violations`` = denied high-or-critical actions; ``pending_reviews``
  = pending high-or-critical actions; ``compliance_actions`` = actions mapped to a NIST
  control; ``score`` = 100 - violations / (high + critical) x 100.

A score over an empty denominator (nothing decided, no action, no high-risk action) is
100: nothing is held against the platform. ``automation_rate`` over nothing decided is
0.0, as every rate of the gateway over nothing. Scores are rounded half-up to one decimal
from their exact fractions (``gateway/rounding.py``), rates to two.

``overall_health`` bands the mean of the four scores as shown: excellent >= 95, good
>= 85, fair >= 70, else needs_attention; the platform's ``status`` bands its score the
same way. ``trend`` (platform and security, where the seed shows one) compares the score
with the previous period's: more than 2 points up is improving, more than 2 down is
declining, else stable; stable too when either period has nothing to score (no baseline).

``business_metrics`` (the organisation's users with ``is_active``, by ``created_at``):
- ``current_users``: active users created by now;
- ``active_users``: those of them with a trace of console work in the period: a session
  seen in it (started by now, last seen at or after its start), a review of theirs in
  the audit log (an ``agents`` event ``approved`` or ``denied``) made in it, or their
  name as the reviewer of an action stamped in it (imported and demo actions carry a
  reviewer without a review event);
- ``growth_rate``: users created in the period / users created before it (2 decimals;
  0.0 with nobody before it); ``trend``: positive when users joined in the period, else
  flat (never negative: users are deactivated, not deleted, and no deactivation time is
  kept, so a period's losses cannot be told);
- ``new_users_this_week``: users created in the last 7 days (``[now - 7 days, now]``);
- ``system_utilization``: ``avg_actions_per_day`` = actions / days (1 decimal);
  ``peak_day_actions`` = the most of the period's actions on one UTC day;
  ``efficiency_score`` = ``automation_rate``; ``total_actions_month`` = actions.

``executive_summary.data_quality`` is ``real_database_queries``; ``meta`` is version
2.0.0, ``mock_data`` false, the sources agent_actions, users and audit_logs, and
``has_activity`` = the period has an action. The sentences (key achievements, areas of
focus, strategic insights) are rules listed in ``rules.py``.

An organisation without activity answers: every score 100, overall_health excellent,
platform status excellent, trends stable, automation_rate 0.0, no achievements, the
area "Continue monitoring system health and performance", no insights, has_activity
false.
"""
