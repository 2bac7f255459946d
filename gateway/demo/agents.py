"""The demo's agent console: 30 days of actions from eight agents, and console sessions.

- Each agent acts every hour at its own rate, scaled by the working week (``activity``:
  weekdays 08-18 UTC at full rate, evenings and nights less, weekends least), so the
  daily counts have a weekly rhythm.
- ``SPIKE_DAYS_AGO`` days before ``now`` (a UTC day), the database and data agents run
  hot: four times their rate, mostly high and critical risk. It is the period's day with
  the most high-risk actions, which the trends show; yesterday, the last complete day,
  so that the predictive trends judge it (and flag it) too.
- Low-risk actions are approved by policy (``auto_approved``); the others are approved
  or denied by a manager or admin, except the last day's, which partly wait (``pending``).
- Display ids count each organisation's actions from 1 in time order, drawn as the
  gateway draws them (``resolvers/agents/display_ids.py``).
- Every active user has sessions on past working days; about half have one open now,
  seen in the last 15 minutes (the admin always), and a few an idle one seen an hour ago.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gateway.demo.base import Seeder, activity, pick_weighted, random_id, rng_for
from gateway.demo.tenancy import OrgData
from gateway.sql import table_of
from models.agents import RISK_LEVELS, AgentAction, UserSession
from resolvers.agents.display_ids import allocate_display_ids

DAYS = 30
SPIKE_DAYS_AGO = 1
SPIKE_RATE = 4.0
SPIKE_RISK = (5, 15, 45, 35)  # low, medium, high, critical
SPIKE_AGENTS = frozenset({"database-agent", "data-analysis-agent"})
SESSION_DAYS = 14


@dataclass(frozen=True)
class Act:
    """One kind of action an agent takes, with what the console shows beside it."""

    action_type: str
    tool_name: str
    mitre_tactic: str
    nist_control: str
    recommendation: str
    summary: str


@dataclass(frozen=True)
class Agent:
    name: str
    rate: float  # actions in a busy hour
    risk: tuple[int, int, int, int]  # weights of low, medium, high, critical
    acts: tuple[Act, ...]


AGENTS = (
    Agent(
        "customer-service-agent",
        3.0,
        (55, 35, 8, 2),
        (
            Act(
                "email_send",
                "email_service",
                "TA0002",
                "AC-3",
                "Verify recipient authorization",
                "Email sent to external recipient",
            ),
            Act(
                "ticket_update",
                "helpdesk_api",
                "TA0003",
                "AU-6",
                "Confirm the customer's identity",
                "Support ticket updated",
            ),
        ),
    ),
    Agent(
        "data-analysis-agent",
        2.0,
        (40, 40, 15, 5),
        (
            Act(
                "database_query",
                "database_query",
                "TA0009",
                "AC-6",
                "Limit the query to the fields needed",
                "Query over customer records",
            ),
            Act(
                "report_export",
                "file_storage",
                "TA0010",
                "SC-7",
                "Check the export's destination",
                "Report exported to shared storage",
            ),
        ),
    ),
    Agent(
        "email-automation-agent",
        1.5,
        (60, 30, 8, 2),
        (
            Act(
                "bulk_email",
                "email_service",
                "TA0040",
                "SI-8",
                "Review the recipient list",
                "Campaign email sent",
            ),
        ),
    ),
    Agent(
        "code-review-agent",
        1.2,
        (50, 35, 12, 3),
        (
            Act(
                "pull_request_comment",
                "github_api",
                "TA0001",
                "SA-11",
                "No action needed",
                "Review comment posted",
            ),
            Act(
                "merge_request",
                "github_api",
                "TA0004",
                "CM-3",
                "Require a human approval for merges",
                "Merge of a reviewed change",
            ),
        ),
    ),
    Agent(
        "database-agent",
        1.0,
        (30, 40, 22, 8),
        (
            Act(
                "schema_change",
                "database_admin",
                "TA0040",
                "CM-5",
                "Take a backup before the change",
                "Schema migration applied",
            ),
            Act(
                "database_query",
                "database_query",
                "TA0009",
                "AC-6",
                "Restrict access to sensitive tables",
                "Read from a sensitive table",
            ),
        ),
    ),
    Agent(
        "security-scanner-agent",
        0.9,
        (45, 30, 18, 7),
        (
            Act(
                "vulnerability_scan",
                "scanner",
                "TA0007",
                "RA-5",
                "Triage the findings",
                "Scan of production hosts",
            ),
        ),
    ),
    Agent(
        "billing-agent",
        0.8,
        (40, 40, 15, 5),
        (
            Act(
                "refund_issue",
                "payments_api",
                "TA0040",
                "AC-2",
                "Confirm refunds above the limit",
                "Refund issued to a customer",
            ),
        ),
    ),
    Agent(
        "devops-deploy-agent",
        0.6,
        (35, 40, 20, 5),
        (
            Act(
                "deployment",
                "kubernetes_api",
                "TA0002",
                "CM-3",
                "Deploy in the change window",
                "Service deployed to production",
            ),
        ),
    ),
)


def _count(rng: random.Random, expected: float) -> int:
    """A whole count with the expected value ``expected``."""
    whole = math.floor(expected)
    return whole + (rng.random() < expected - whole)


def _status(rng: random.Random, risk: str, recent: bool) -> str:
    if risk == "low":
        return "auto_approved"
    if recent and rng.random() < 0.5:
        return "pending"
    if risk == "medium":
        return str(pick_weighted(rng, ("auto_approved", "approved", "denied"), (50, 45, 5)))
    return str(pick_weighted(rng, ("approved", "denied"), (75, 25)))


def _actions(rng: random.Random, org: OrgData, now: datetime) -> list[dict[str, Any]]:
    reviewers = [u for u in org.active_users if u["role"] in ("admin", "manager")]
    spike_day = (now - timedelta(days=SPIKE_DAYS_AGO)).date()
    rows = []
    start = now - timedelta(days=DAYS)
    hour = start.replace(minute=0, second=0, microsecond=0)
    while hour < now:
        spike = hour.date() == spike_day
        for agent in AGENTS:
            hot = spike and agent.name in SPIKE_AGENTS
            rate = agent.rate * activity(hour) * (SPIKE_RATE if hot else 1.0)
            for _ in range(_count(rng, rate)):
                at = hour + timedelta(seconds=rng.uniform(0, 3600))
                if not start <= at < now:
                    continue
                risk = pick_weighted(rng, RISK_LEVELS, SPIKE_RISK if hot else agent.risk)
                act = rng.choice(agent.acts)
                status = _status(rng, risk, recent=now - at < timedelta(days=1))
                reviewed = status in ("approved", "denied")
                rows.append(
                    {
                        "id": random_id(rng),
                        "org_id": org.id,
                        "agent_id": agent.name,
                        "action_type": act.action_type,
                        "tool_name": act.tool_name,
                        "risk_level": risk,
                        "mitre_tactic": act.mitre_tactic,
                        "nist_control": act.nist_control,
                        "recommendation": act.recommendation,
                        "summary": act.summary,
                        "status": status,
                        "reviewed_by": rng.choice(reviewers)["id"] if reviewed else None,
                        "timestamp": at,
                    }
                )
        hour += timedelta(hours=1)
    return sorted(rows, key=lambda row: row["timestamp"])


def _session(
    rng: random.Random, user: dict[str, Any], started: datetime, seen: datetime, ended: bool = False
) -> dict[str, Any]:
    return {
        "id": random_id(rng),
        "org_id": user["org_id"],
        "user_id": user["id"],
        "started_at": started,
        "last_seen_at": seen,
        "ended_at": seen if ended else None,
    }


def _sessions(rng: random.Random, org: OrgData, now: datetime) -> list[dict[str, Any]]:
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for user in org.active_users:
        for days_ago in range(SESSION_DAYS, 0, -1):
            day = today - timedelta(days=days_ago)
            if rng.random() < (0.7 if day.weekday() < 5 else 0.1):
                started = day + timedelta(hours=rng.uniform(7, 10))
                seen = started + timedelta(hours=rng.uniform(0.5, 8))
                rows.append(_session(rng, user, started, seen, ended=True))
        draw = rng.random()
        if user is org.admin or draw < 0.5:  # open, seen in the last 15 minutes
            started = now - timedelta(hours=rng.uniform(0.5, 5))
            rows.append(_session(rng, user, started, now - timedelta(minutes=rng.uniform(0, 14))))
        elif draw < 0.65:  # open but idle: not active
            started = now - timedelta(hours=rng.uniform(2, 6))
            rows.append(_session(rng, user, started, now - timedelta(minutes=rng.uniform(40, 90))))
    return rows


async def seed_agents(seeder: Seeder, org: OrgData) -> int:
    """Agent actions and console sessions: rows written."""
    rng = rng_for(org.id, "agents")
    actions = _actions(rng, org, seeder.now)
    if actions:
        first = await allocate_display_ids(seeder.connection, org_id=org.id, count=len(actions))
        seeder.rows["agent_action_counters"] += 1
        for offset, row in enumerate(actions):
            row["display_id"] = first + offset
    written = await seeder.write(table_of(AgentAction), actions, label="agent actions")
    sessions = _sessions(rng, org, seeder.now)
    return written + await seeder.write(table_of(UserSession), sessions, label="user sessions")
