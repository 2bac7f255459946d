"""The demo's AI governance: five guardians with two days of verdicts, MCP sessions over
a dozen tools, the configuration changes that shaped the guardians, and a dozen
non-human identities with eight days of activity (``identities.py``); the sessions of
the clients an NHI stands for run as that NHI.

Shaped to give the governance analytics something to find: traffic follows the UTC
working day, each guardian has its own verdict mix, latency and violation types, and one
tool (``stripe.create_refund``) is blocked far more often than the others.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gateway.demo.base import Seeder, activity, pick_weighted, rng_for, time_id
from gateway.demo.identities import identities
from gateway.demo.tenancy import OrgData
from gateway.sql import table_of
from models.governance import ConfigChange, Guardian, GuardianVerdictEvent, McpSession, McpToolCall
from models.identities import Nhi, NhiActivity, NhiGuardian

DAYS = 2
VERDICTS = ("passed", "corrected", "blocked", "error")
TOOL_VERDICTS = ("passed", "corrected", "blocked")
CLIENTS = ("claude-desktop", "cursor", "support-bot", "ci-agent", "finance-copilot")


@dataclass(frozen=True)
class GuardianSpec:
    name: str
    environment: str
    tags: tuple[str, ...]
    config: dict[str, Any]
    # Verdicts per working hour, the verdict mix (VERDICTS' order), the median latency.
    per_hour: int
    mix: tuple[float, float, float, float]
    median_ms: float
    violations: tuple[str, ...]
    description: str


GUARDIANS = (
    GuardianSpec(
        "PII-Redactor",
        "live",
        ("pii", "compliance"),
        {"mode": "hash", "entities": ["email", "phone", "ssn", "credit_card"]},
        60,
        (0.76, 0.19, 0.04, 0.01),
        38,
        ("pii_email", "pii_phone", "pii_ssn", "pii_credit_card"),
        "Redacts personal data from prompts and answers.",
    ),
    GuardianSpec(
        "Prompt-Injection-Shield",
        "live",
        ("security", "llm"),
        {"threshold": 0.8, "scan_tool_output": True},
        45,
        (0.9, 0.01, 0.08, 0.01),
        55,
        ("prompt_injection", "indirect_injection", "system_prompt_leak"),
        "Blocks instructions smuggled into prompts and tool output.",
    ),
    GuardianSpec(
        "Credential-Leak-Scanner",
        "test",
        ("security", "secrets"),
        {"detectors": ["aws_key", "github_token", "private_key"], "entropy": 4.5},
        25,
        (0.93, 0.05, 0.015, 0.005),
        22,
        ("aws_key", "github_token", "private_key", "password"),
        "Finds keys and passwords before they leave the organisation.",
    ),
    GuardianSpec(
        "Toxicity-Filter",
        "live",
        ("content", "trust-safety"),
        {"threshold": 0.7, "categories": ["hate", "harassment", "self_harm"]},
        35,
        (0.88, 0.08, 0.035, 0.005),
        70,
        ("hate", "harassment", "profanity", "self_harm"),
        "Softens or blocks abusive content.",
    ),
    GuardianSpec(
        "Jailbreak-Detector",
        "dev",
        ("security", "llm", "experimental"),
        {"model": "jb-classifier-v2", "threshold": 0.6},
        15,
        (0.93, 0.0, 0.055, 0.015),
        120,
        ("jailbreak", "roleplay_bypass", "encoding_bypass"),
        "Flags attempts to talk the model out of its rules.",
    ),
)

# tool: (weight, verdict mix in TOOL_VERDICTS' order, median latency in ms)
TOOLS: dict[str, tuple[float, tuple[float, float, float], float]] = {
    "postgres.query": (20, (0.92, 0.05, 0.03), 45),
    "github.create_pr": (6, (0.9, 0.06, 0.04), 850),
    "github.search_code": (10, (0.98, 0.01, 0.01), 320),
    "slack.post_message": (12, (0.86, 0.1, 0.04), 180),
    "stripe.create_refund": (3, (0.45, 0.1, 0.45), 600),
    "s3.get_object": (14, (0.97, 0.0, 0.03), 90),
    "s3.put_object": (5, (0.9, 0.02, 0.08), 140),
    "jira.create_issue": (6, (0.95, 0.03, 0.02), 400),
    "jira.search": (8, (0.99, 0.0, 0.01), 260),
    "gmail.send_email": (4, (0.78, 0.12, 0.1), 500),
    "filesystem.read_file": (12, (0.94, 0.01, 0.05), 12),
    "http.fetch": (9, (0.88, 0.04, 0.08), 700),
}
TOOL_NAMES = tuple(TOOLS)
TOOL_WEIGHTS = tuple(weight for weight, _, _ in TOOLS.values())
SESSIONS_PER_WORKING_HOUR = 14


def latency(rng: random.Random, median_ms: float) -> int:
    """A long-tailed latency around ``median_ms``."""
    return max(1, round(median_ms * rng.lognormvariate(0, 0.45)))


def _hours(seeder: Seeder) -> list[datetime]:
    """The start of each hour of the last DAYS days, oldest first (the last one partial)."""
    last = seeder.now.replace(minute=0, second=0, microsecond=0)
    return [last - timedelta(hours=h) for h in range(DAYS * 24, -1, -1)]


def _within(rng: random.Random, seeder: Seeder, hour: datetime, offset: float = 0) -> datetime:
    at = hour + timedelta(seconds=rng.uniform(0, 3600) + offset)
    return min(at, seeder.now - timedelta(seconds=1))


async def seed_governance(seeder: Seeder, org: OrgData) -> int:
    """Guardians, verdicts, MCP sessions and calls and config changes for one organisation;
    the smaller organisation gets less traffic. Returns how many verdicts."""
    rng = rng_for(org.spec.key, "governance")
    scale = 1.0 if org.spec.plan == "growth" else 0.3
    label = org.spec.key
    guardians = [_guardian(rng, seeder, org, spec) for spec in GUARDIANS]
    verdicts = _verdicts(rng, seeder, org, guardians, scale)
    sessions, calls = _sessions(rng, seeder, org, scale)
    changes = _config_changes(rng, seeder, org, guardians)
    nhis = identities(seeder, org, guardians)
    runs_as = nhis.by_client()
    for session in sessions:
        session["nhi_id"] = runs_as.get(session["client"])
    await seeder.write(table_of(Guardian), guardians, label=f"{label} guardians")
    await seeder.write(table_of(GuardianVerdictEvent), verdicts, label=f"{label} verdicts")
    await seeder.write(table_of(Nhi), nhis.nhis, label=f"{label} NHIs")
    await seeder.write(table_of(NhiGuardian), nhis.bindings, label=f"{label} NHI bindings")
    await seeder.write(table_of(NhiActivity), nhis.activity, label=f"{label} NHI activity")
    await seeder.write(table_of(McpSession), sessions, label=f"{label} MCP sessions")
    await seeder.write(table_of(McpToolCall), calls, label=f"{label} MCP tool calls")
    await seeder.write(table_of(ConfigChange), changes, label=f"{label} config changes")
    return len(verdicts)


def _guardian(
    rng: random.Random, seeder: Seeder, org: OrgData, spec: GuardianSpec
) -> dict[str, Any]:
    created = seeder.ago(days=rng.uniform(30, 120))
    return {
        "id": time_id(rng, created),
        "org_id": org.id,
        "name": spec.name,
        "description": spec.description,
        "environment": spec.environment,
        "tags": list(spec.tags),
        "config": spec.config,
        "is_active": True,
        "created_at": created,
    }


def _verdicts(
    rng: random.Random,
    seeder: Seeder,
    org: OrgData,
    guardians: list[dict[str, Any]],
    scale: float,
) -> list[dict[str, Any]]:
    rows = []
    for hour in _hours(seeder):
        for spec, guardian in zip(GUARDIANS, guardians, strict=True):
            count = round(spec.per_hour * activity(hour) * scale * rng.uniform(0.75, 1.25))
            for _ in range(count):
                at = _within(rng, seeder, hour)
                verdict = pick_weighted(rng, VERDICTS, spec.mix)
                flagged = verdict in ("corrected", "blocked")
                # An error answers late: it waited for a timeout.
                median_ms = spec.median_ms * (8 if verdict == "error" else 1)
                rows.append(
                    {
                        "id": time_id(rng, at),
                        "org_id": org.id,
                        "guardian_id": guardian["id"],
                        "verdict": verdict,
                        "latency_ms": latency(rng, median_ms),
                        "violation_type": rng.choice(spec.violations) if flagged else None,
                        "environment": spec.environment,
                        "tag": rng.choice(spec.tags) if rng.random() < 0.6 else None,
                        "created_at": at,
                    }
                )
    return rows


def _sessions(
    rng: random.Random, seeder: Seeder, org: OrgData, scale: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    sessions, calls = [], []
    for hour in _hours(seeder):
        count = round(SESSIONS_PER_WORKING_HOUR * activity(hour) * scale * rng.uniform(0.7, 1.3))
        for _ in range(count):
            started = _within(rng, seeder, hour)
            session_id = time_id(rng, started)
            sessions.append(
                {
                    "id": session_id,
                    "org_id": org.id,
                    "client": rng.choice(CLIENTS),
                    "nhi_id": None,
                    "started_at": started,
                }
            )
            at = started
            for _ in range(rng.randint(2, 12)):
                at += timedelta(seconds=rng.uniform(1, 90))
                if at >= seeder.now:
                    break  # the session is still going
                tool = pick_weighted(rng, TOOL_NAMES, TOOL_WEIGHTS)
                _, mix, median_ms = TOOLS[tool]
                calls.append(
                    {
                        "id": time_id(rng, at),
                        "org_id": org.id,
                        "session_id": session_id,
                        "tool": tool,
                        "verdict": pick_weighted(rng, TOOL_VERDICTS, mix),
                        "latency_ms": latency(rng, median_ms),
                        "created_at": at,
                    }
                )
    return sessions, calls


def _config_changes(
    rng: random.Random, seeder: Seeder, org: OrgData, guardians: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Changes that led to the guardians as seeded: each new value is the current one."""
    by_name = {g["name"]: g for g in guardians}
    pii, shield = by_name["PII-Redactor"], by_name["Prompt-Injection-Shield"]
    toxicity, jailbreak = by_name["Toxicity-Filter"], by_name["Jailbreak-Detector"]
    changes = [
        (pii, "config", {**pii["config"], "mode": "mask"}, pii["config"], 40),
        (shield, "config", {**shield["config"], "threshold": 0.9}, shield["config"], 30),
        (toxicity, "tags", ["content"], toxicity["tags"], 26),
        (jailbreak, "is_active", False, True, 20),
        (jailbreak, "config", {**jailbreak["config"], "threshold": 0.75}, jailbreak["config"], 5),
        (shield, "environment", "test", "live", 3),
    ]
    rows = []
    for guardian, field, old, new, hours_ago in changes:
        at = seeder.ago(hours=hours_ago, minutes=rng.uniform(0, 50))
        rows.append(
            {
                "id": time_id(rng, at),
                "org_id": org.id,
                "actor_id": org.admin["id"],
                "target_type": "guardian",
                "target_id": str(guardian["id"]),
                "field": field,
                "old_value": old,
                "new_value": new,
                "changed_at": at,
            }
        )
    return rows
