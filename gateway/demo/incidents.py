"""The demo's incident platform: 90 days of incidents, their costs, the system KPI
metrics with hourly measurements over the last 48 hours, and the recurrences found.

- Incidents arrive at random with the working day's rhythm (``activity``: weekdays
  08-18 UTC at full rate), over six services and five categories, mostly LOW and MEDIUM.
- Every 4 days, "Database connection pool exhausted" hits ``orders-db`` (category
  Database): a recurrence the analysis finds (same service and category, like titles).
- Most are acknowledged within minutes and resolved within hours, the severe ones
  sooner; the last two days' are often still open. Some CRITICAL ones are escalated, and
  HIGH and CRITICAL ones have downtime and affected users.
- Severe incidents have cost analyses: downtime at 1,500 USD an hour, lost revenue for
  customer-facing services, and a contractual penalty for the longest CRITICAL outages.
- The system metrics the seed implies (MTTA, MTTR, MTBF, AVAILABILITY, RESOLUTION_RATE)
  are measured by the gateway's own calculation for each hour of the last 48, so the
  KPI summary has trends.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from gateway.demo.base import Seeder, activity, pick_weighted, random_id, rng_for
from gateway.demo.predictive import seed_predictive
from gateway.demo.tenancy import OrgData
from gateway.sql import table_of
from models.incidents import CostAnalysis, Incident, KpiMetric
from resolvers.incidents import kpi_service, recurrence

DAYS = 90
# Two days of hourly measurements: enough for trends, and cheap to seed (each is one
# window statement and one insert per metric).
MEASURED_HOURS = 48
RATE = 0.12  # incidents in a busy hour
SERVICES = ("checkout-api", "web-frontend", "orders-db", "payments", "search", "auth")
CUSTOMER_FACING = {"checkout-api", "web-frontend", "payments"}
CATEGORIES = ("Infrastructure", "Application", "Network", "Security", "Database")
SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
PRIORITY = {"LOW": "P4", "MEDIUM": "P3", "HIGH": "P2", "CRITICAL": "P1"}
TITLES = {
    "Infrastructure": ("Node out of disk", "Pod restarts in a loop", "Load balancer 5xx"),
    "Application": ("Checkout latency high", "Error rate above 2%", "Memory leak in worker"),
    "Network": ("Packet loss between zones", "DNS resolution failures"),
    "Security": ("Suspicious login burst", "Expired certificate"),
    "Database": ("Replica lag above 30s", "Slow queries on orders"),
}
RECURRING = "Database connection pool exhausted"
SYSTEM_METRICS = (
    (
        "Mean Time to Acknowledge",
        "MTTA",
        "Average minutes from opening to acknowledgement",
        Decimal("15.00"),
    ),
    ("Mean Time to Resolve", "MTTR", "Average hours from opening to resolution", Decimal("4.00")),
    ("Mean Time Between Failures", "MTBF", "Hours of service between outages", None),
    ("Availability", "AVAILABILITY", "Share of the window without downtime", Decimal("99.50")),
    ("Resolution Rate", "RESOLUTION_RATE", "Share of incidents resolved", Decimal("80.00")),
)


def _incident(
    rng: random.Random, org: OrgData, at: datetime, now: datetime, **fixed: Any
) -> dict[str, Any]:
    severity = fixed.pop("severity", None) or pick_weighted(rng, SEVERITIES, (45, 35, 15, 5))
    category = fixed.pop("category", None) or rng.choice(CATEGORIES)
    severe = severity in ("HIGH", "CRITICAL")
    acknowledged = at + timedelta(minutes=rng.uniform(1, 12 if severe else 45))
    resolved = acknowledged + timedelta(hours=rng.uniform(0.3, 3 if severe else 20))
    recent = now - at < timedelta(days=2)
    if acknowledged >= now or (recent and rng.random() < 0.3):
        acknowledged = resolved = None  # type: ignore[assignment]
    elif resolved >= now or (recent and rng.random() < 0.5):
        resolved = None  # type: ignore[assignment]
    status = "RESOLVED" if resolved else "ACKNOWLEDGED" if acknowledged else "OPEN"
    users = org.active_users
    return {
        "id": random_id(rng),
        "org_id": org.id,
        "title": fixed.pop("title", None) or rng.choice(TITLES[category]),
        "description": None,
        "category": category,
        "severity": severity,
        "priority": PRIORITY[severity],
        "status": status,
        "service": fixed.pop("service", None) or rng.choice(SERVICES),
        "component_id": None,
        "created_at": at,
        "acknowledged_at": acknowledged,
        "resolved_at": resolved,
        "escalation_count": rng.choice((0, 1, 1, 2)) if severity == "CRITICAL" else 0,
        "reopened_count": 1 if rng.random() < 0.03 else 0,
        "affected_users": rng.randrange(50, 5000) if severe else 0,
        "downtime_minutes": rng.randrange(5, 150) if severe else 0,
        "created_by": rng.choice(users)["id"] if users else None,
    }


def _incidents(rng: random.Random, org: OrgData, now: datetime) -> list[dict[str, Any]]:
    start = (now - timedelta(days=DAYS)).replace(minute=0, second=0, microsecond=0)
    rows = []
    hour = start
    while hour < now:
        if rng.random() < RATE * activity(hour):
            at = hour + timedelta(minutes=rng.uniform(0, 59))
            if at < now:
                rows.append(_incident(rng, org, at, now))
        hour += timedelta(hours=1)
    at = start + timedelta(hours=10)
    while at < now:
        rows.append(
            _incident(
                rng,
                org,
                at,
                now,
                title=RECURRING,
                service="orders-db",
                category="Database",
                severity="HIGH",
            )
        )
        at += timedelta(days=4, hours=rng.uniform(-6, 6))
    return sorted(rows, key=lambda row: row["created_at"])


def _costs(rng: random.Random, incidents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for incident in incidents:
        if incident["severity"] not in ("HIGH", "CRITICAL"):
            continue
        hours = Decimal(incident["downtime_minutes"]) / 60
        base = {
            "org_id": incident["org_id"],
            "incident_id": incident["id"],
            "currency": "USD",
            "calculation_details": {},
            "downtime_hours": hours.quantize(Decimal("0.01")),
            "affected_users": incident["affected_users"],
            "business_unit": "Commerce" if incident["service"] in CUSTOMER_FACING else "Platform",
            "service_tier": "tier-1" if incident["severity"] == "CRITICAL" else "tier-2",
            "is_validated": rng.random() < 0.4,
            "created_at": incident["created_at"] + timedelta(hours=6),
            "updated_at": incident["created_at"] + timedelta(hours=6),
        }

        def cost(
            kind: str, amount: Decimal, method: str, base: dict[str, Any] = base
        ) -> dict[str, Any]:
            return {
                **base,
                "id": random_id(rng),
                "cost_type": kind,
                "cost_amount": amount.quantize(Decimal("0.01")),
                "calculation_method": method,
                "revenue_impact": amount.quantize(Decimal("0.01"))
                if kind == "LOST_REVENUE"
                else Decimal(0),
            }

        rows.append(cost("DOWNTIME", hours * 1500, "downtime hours x 1,500 USD"))
        if incident["service"] in CUSTOMER_FACING:
            lost = Decimal(incident["affected_users"]) * Decimal(rng.uniform(0.5, 3))
            rows.append(cost("LOST_REVENUE", lost, "affected users x average order"))
        if incident["severity"] == "CRITICAL" and incident["downtime_minutes"] > 90:
            rows.append(cost("PENALTY", Decimal(10000), "SLA credit"))
    return rows


def _metrics(org: OrgData, now: datetime) -> list[dict[str, Any]]:
    created = now - timedelta(days=DAYS)
    return [
        {
            "id": uuid.uuid5(org.id, f"kpi/{metric_type}"),
            "org_id": org.id,
            "name": name,
            "description": description,
            "metric_type": metric_type,
            "aggregation_type": "AVERAGE",
            "incident_categories": [],
            "incident_severities": [],
            "incident_priorities": [],
            "calculation_formula": None,
            "time_window_hours": 24,
            "is_active": True,
            "target_value": target,
            "is_system_metric": True,
            "created_by": None,
            # A second apart, so that lists by creation keep the order above.
            "created_at": created + timedelta(seconds=n),
            "updated_at": created + timedelta(seconds=n),
        }
        for n, (name, metric_type, description, target) in enumerate(SYSTEM_METRICS)
    ]


async def seed_incidents(seeder: Seeder, org: OrgData) -> int:
    """Incidents, costs, system metrics with measurements, recurrences: rows written."""
    rng = rng_for(org.id, "incidents")
    now = seeder.now
    incidents = _incidents(rng, org, now)
    written = await seeder.write(table_of(Incident), incidents, label="incidents")
    written += await seeder.write(
        table_of(CostAnalysis), _costs(rng, incidents), label="cost analyses"
    )
    written += await seeder.write(table_of(KpiMetric), _metrics(org, now), label="KPI metrics")
    conn = seeder.connection
    measured = 0
    for hours_ago in range(MEASURED_HOURS - 1, -1, -1):
        # force: a fresh demo has no measurement to skip, so none is looked for.
        done = await kpi_service.calculate_metrics(
            conn, org_id=org.id, now=now - timedelta(hours=hours_ago), force=True
        )
        measured += done.written
    seeder.rows["kpi_measurements"] += measured
    seeder.progress(f"  KPI measurements: {measured}")
    found = await recurrence.analyse(conn, org_id=org.id, now=now)
    seeder.rows["recurrence_analyses"] += found.groups
    seeder.progress(f"  recurrences: {found.groups}")
    predictive = await seed_predictive(seeder, org)
    return written + measured + found.groups + predictive
