"""The demo's non-human identities: a dozen NHIs of all four kinds, their guardian
bindings, and eight days of activity, shaped for the NHI risk and anomaly detection to
find something in the last 24 hours:

- ``ci-runner-prod`` (CI runner, tier 2) spends a few cents an hour, then bursts to
  several dollars an hour for four hours (2 to 5 hours ago), with 3 denied attempts:
  a ``spend_burst`` (p99 of hourly spend far above 5x its week's mean hourly spend).
- ``ml-training-job`` (workload) bursts too, less (three hours 10 to 12 hours ago, about
  12x its baseline where the runner's is over 20x: a ``high`` burst beside a ``critical``).
- ``support-agent`` (AI agent, pending federation) is denied 12 times in the last day,
  mostly on ``stripe.create_refund``: a ``tool_denials`` anomaly.
- ``batch-etl-worker`` (workload, unverified) and ``legacy-cron`` have no guardian.
- ``billing-reconciler`` (service account, tier 4, verified) is quiet and compliant:
  a few events a day, each checked by its guardian, never denied, never over a cent.

Every other NHI stays under 1 USD an hour and under 5 denials a day, so it raises no
anomaly. Activity is drawn from a seeded stream of its own, so the rest of the demo is
unchanged by it; MCP sessions of the clients an NHI stands for point at it.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from gateway.demo.base import Seeder, activity, rng_for, time_id
from gateway.demo.tenancy import OrgData

DAYS = 8


@dataclass(frozen=True)
class Burst:
    """Extra events in some recent hours: ``events`` per hour, each of ``spend``."""

    hours_ago: tuple[int, ...]
    events: int
    spend: tuple[float, float]


@dataclass(frozen=True)
class NhiSpec:
    label: str
    kind: str
    tier: int
    federation_status: str
    guardians: tuple[str, ...]
    # Events in a busy hour, the spend of each (USD), the share denied.
    per_hour: float
    spend: tuple[float, float]
    denied: float
    tools: tuple[str, ...]
    # The MCP client whose sessions this NHI runs, if any.
    client: str | None = None
    burst: Burst | None = None
    # Denied attempts added in the last 24 hours.
    denials_24h: int = 0
    owned: bool = True
    # Every event checked by its first guardian, none denied.
    compliant: bool = False


NHIS = (
    NhiSpec(
        "ci-runner-prod",
        "ci_runner",
        2,
        "verified",
        ("Credential-Leak-Scanner",),
        4,
        (0.005, 0.02),
        0.0,
        ("github.create_pr", "s3.put_object", "http.fetch"),
        client="ci-agent",
        burst=Burst((2, 3, 4, 5), 30, (0.12, 0.28)),
        denials_24h=3,
    ),
    NhiSpec(
        "support-agent",
        "ai_agent",
        2,
        "pending",
        ("Prompt-Injection-Shield", "Jailbreak-Detector"),
        5,
        (0.002, 0.01),
        0.005,
        ("jira.search", "gmail.send_email", "stripe.create_refund"),
        client="support-bot",
        denials_24h=12,
    ),
    NhiSpec(
        "batch-etl-worker",
        "workload",
        3,
        "unverified",
        (),
        3,
        (0.01, 0.04),
        0.0,
        ("postgres.query", "s3.get_object"),
    ),
    NhiSpec(
        "billing-reconciler",
        "service_account",
        4,
        "verified",
        ("PII-Redactor",),
        0.3,
        (0.0005, 0.01),
        0.0,
        ("postgres.query",),
        compliant=True,
    ),
    NhiSpec(
        "ml-training-job",
        "workload",
        2,
        "verified",
        ("Credential-Leak-Scanner",),
        2,
        (0.08, 0.2),
        0.0,
        ("s3.get_object", "s3.put_object"),
        burst=Burst((10, 11, 12), 12, (0.11, 0.15)),
    ),
    NhiSpec(
        "deploy-bot",
        "ci_runner",
        1,
        "verified",
        ("Credential-Leak-Scanner", "PII-Redactor"),
        1,
        (0.01, 0.05),
        0.01,
        ("github.create_pr", "slack.post_message"),
    ),
    NhiSpec(
        "ci-runner-staging",
        "ci_runner",
        3,
        "verified",
        ("Credential-Leak-Scanner",),
        3,
        (0.005, 0.02),
        0.01,
        ("github.search_code", "s3.put_object"),
    ),
    NhiSpec(
        "code-review-agent",
        "ai_agent",
        3,
        "pending",
        ("Prompt-Injection-Shield",),
        2,
        (0.01, 0.06),
        0.01,
        ("github.search_code", "github.create_pr"),
        client="cursor",
    ),
    NhiSpec(
        "finance-copilot",
        "ai_agent",
        1,
        "verified",
        ("PII-Redactor", "Toxicity-Filter"),
        1.5,
        (0.01, 0.05),
        0.02,
        ("stripe.create_refund", "postgres.query", "gmail.send_email"),
        client="finance-copilot",
    ),
    NhiSpec(
        "data-sync-svc",
        "service_account",
        2,
        "unverified",
        ("PII-Redactor",),
        2,
        (0.002, 0.01),
        0.0,
        ("postgres.query", "s3.put_object"),
    ),
    NhiSpec(
        "legacy-cron",
        "service_account",
        3,
        "unverified",
        (),
        0.5,
        (0.001, 0.005),
        0.02,
        ("filesystem.read_file", "http.fetch"),
        owned=False,
    ),
    NhiSpec(
        "metrics-exporter",
        "workload",
        4,
        "pending",
        ("Toxicity-Filter",),
        1,
        (0.0005, 0.002),
        0.0,
        ("http.fetch",),
    ),
)


@dataclass
class Identities:
    nhis: list[dict[str, Any]]
    bindings: list[dict[str, Any]]
    activity: list[dict[str, Any]]

    def by_client(self) -> dict[str, Any]:
        """The NHI id each MCP client's sessions run as."""
        ids = {nhi["label"]: nhi["id"] for nhi in self.nhis}
        return {spec.client: ids[spec.label] for spec in NHIS if spec.client}


def identities(seeder: Seeder, org: OrgData, guardians: Sequence[dict[str, Any]]) -> Identities:
    """The organisation's NHIs, bindings and activity (rows to write); the smaller
    organisation's background traffic is scaled down, its bursts and denials are not."""
    rng = rng_for(org.spec.key, "identities")
    guardian_ids = {g["name"]: g["id"] for g in guardians}
    result = Identities([], [], [])
    for spec in NHIS:
        created = seeder.ago(days=rng.uniform(30, 200))
        nhi_id = time_id(rng, created)
        bound = [guardian_ids[name] for name in spec.guardians]
        events = _activity(rng, seeder, org, spec, nhi_id, bound)
        result.activity += events
        owner = rng.choice(org.active_users)["id"] if spec.owned else None
        # The registry's own last-seen time lags the activity a little; none without any.
        lag = timedelta(minutes=rng.uniform(5, 90))
        seen = events[-1]["occurred_at"] - lag if events else None
        result.nhis.append(
            {
                "id": nhi_id,
                "org_id": org.id,
                "label": spec.label,
                "kind": spec.kind,
                "tier": spec.tier,
                "federation_status": spec.federation_status,
                "owner_id": owner,
                "created_at": created,
                "last_seen_at": seen,
            }
        )
        result.bindings += [
            {
                "nhi_id": nhi_id,
                "guardian_id": guardian_id,
                "org_id": org.id,
                "created_at": created + timedelta(days=1),
            }
            for guardian_id in bound
        ]
    return result


def _activity(
    rng: random.Random,
    seeder: Seeder,
    org: OrgData,
    spec: NhiSpec,
    nhi_id: uuid.UUID,
    bound: list[uuid.UUID],
) -> list[dict[str, Any]]:
    """One NHI's events over the last DAYS days, oldest first."""
    scale = 1.0 if org.spec.plan == "growth" else 0.3
    last = seeder.now.replace(minute=0, second=0, microsecond=0)
    events: list[dict[str, Any]] = []

    def event(at: datetime, spend: tuple[float, float], outcome: str) -> None:
        at = min(at, seeder.now - timedelta(seconds=1))
        # Most events of a bound NHI are checked by one of its guardians.
        checked = bound and rng.random() < 0.9
        events.append(
            {
                "id": time_id(rng, at),
                "org_id": org.id,
                "nhi_id": nhi_id,
                "occurred_at": at,
                "spend_usd": Decimal(f"{rng.uniform(*spend):.4f}"),
                "tool": rng.choice(spec.tools),
                "outcome": outcome,
                "guardian_id": rng.choice(bound) if checked else None,
            }
        )

    for hours_ago in range(DAYS * 24, -1, -1):
        hour = last - timedelta(hours=hours_ago)
        expected = spec.per_hour * activity(hour) * scale * rng.uniform(0.5, 1.5)
        # A quiet NHI's fraction of an event is an event that often, not never.
        count = int(expected) + (rng.random() < expected % 1)
        for _ in range(count):
            outcome = "denied" if rng.random() < spec.denied else "allowed"
            event(hour + timedelta(seconds=rng.uniform(0, 3600)), spec.spend, outcome)
    if spec.burst is not None:
        for hours_ago in spec.burst.hours_ago:
            hour = last - timedelta(hours=hours_ago)
            for _ in range(spec.burst.events):
                event(hour + timedelta(seconds=rng.uniform(0, 3600)), spec.burst.spend, "allowed")
    for _ in range(spec.denials_24h):
        event(seeder.ago(hours=rng.uniform(0.5, 23)), (0, 0), "denied")
    if spec.compliant:
        for row in events:
            row["guardian_id"], row["outcome"] = bound[0], "allowed"
    events.sort(key=lambda row: row["occurred_at"])
    return events
