"""The walks' organisations: each a full small dataset whose every id, name, title, email
and username is its own, so that any of them in another organisation's answer is a leak.

Rows are keyed by the GraphQL type that shows them (``Component``, ``KnowledgeEntry``),
which is how the call builder (``surfaces.py``) names the row an id argument points at.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from gateway.auth import Principal
from models.tenancy import ROLES
from tests.factories import Factory, one_transaction

Row = dict[str, Any]


@dataclass
class Tenant:
    org: Row
    plan: str
    users: dict[str, Row] = field(default_factory=dict)  # by role
    rows: dict[str, list[Row]] = field(default_factory=dict)  # by GraphQL type name
    # Every id, name, title, email and username of the organisation's rows, as text.
    secrets: set[str] = field(default_factory=set)

    def add(self, kind: str, row: Row, *texts: str | None) -> Row:
        self.rows.setdefault(kind, []).append(row)
        self.secrets.update({str(row["id"]), *(t for t in texts if t)})
        return row

    def id_of(self, kind: str) -> str:
        return str(self.rows[kind][0]["id"])

    def principal(self, role: str, scopes: frozenset[str] | None) -> Principal:
        """Who a caller of this role and scopes is, for reading guards with."""
        user = self.users[role]
        return Principal(
            user_id=user["id"],
            org_id=self.org["id"],
            username=user["username"],
            role=role,
            plan=self.plan,
            scopes=scopes,
            via="jwt",
        )


@one_transaction
async def tenant(factory: Factory, prefix: str, *, plan: str = "growth") -> Tenant:
    """An organisation with a little of everything, every text in it starting ``prefix``."""
    org = await factory.org(f"{prefix} Org", plan=plan)
    t = Tenant(org=org, plan=plan)
    t.add("Organization", org, org["name"])
    dept = t.add(
        "Department", await factory.department(org, f"{prefix}-platform"), f"{prefix}-platform"
    )
    for role in ROLES:
        user = await factory.user(
            org,
            f"{prefix}-{role}",
            role=role,
            email=f"{prefix}-{role}@{prefix}.example",
            name=f"{prefix.title()} {role.title()}",
            department_id=dept["id"],
        )
        t.users[role] = t.add("User", user, user["username"], user["email"], user["name"])
    admin, manager, member = t.users["admin"], t.users["manager"], t.users["member"]

    api = await factory.component(org, f"{prefix}-api", owner=f"{prefix}-team")
    t.add("Component", api, api["name"], api["owner"])
    lone = await factory.component(org, f"{prefix}-unowned", kind="library", owner=None)
    t.add("Component", lone, lone["name"])
    prod = t.add("Environment", await factory.environment(org, f"{prefix}-prod"), f"{prefix}-prod")
    for status, hours, duration in (("SUCCEEDED", 30, 1), ("FAILED", 20, 1), ("RUNNING", 1, None)):
        deployment = await factory.deployment(
            api,
            prod,
            status,
            started_hours_ago=hours,
            duration_hours=duration,
            version=f"{prefix}-{status.lower()}",
        )
        t.add("Deployment", deployment, deployment["version"])

    runbook = await factory.entry(
        org, manager, f"{prefix} runbook", department=dept, authors=[member], reviewed_days_ago=2
    )
    t.add("KnowledgeEntry", runbook, runbook["title"])
    sole = await factory.entry(org, member, f"{prefix} onboarding", department=dept)
    t.add("KnowledgeEntry", sole, sole["title"])

    for event in (
        await factory.audit(
            admin, "component.updated", component=api, details={"name": api["name"]}
        ),
        await factory.audit(
            manager,
            "entry.created",
            family="knowledge",
            subject=("knowledge_entry", runbook["id"]),
            details={"title": runbook["title"]},
        ),
    ):
        t.add("AuditEvent", event)
    job = await factory.job(
        org,
        f"{prefix}.rollup",
        status="failed",
        attempts=3,
        result={"by": f"{prefix}-result"},
        error=f"{prefix}-error",
    )
    t.add("Job", job, job["kind"], f"{prefix}-result", job["error"])

    # Governance: a guardian with a verdict inside the default day.
    guardian = await factory.guardian(
        org, f"{prefix}-redactor", description=f"{prefix} guardian", tags=[f"{prefix}-tag"]
    )
    t.add("Guardian", guardian, guardian["name"], guardian["description"])
    await factory.verdict(
        guardian, factory.now - timedelta(hours=1), "blocked", violation_type=f"{prefix}-pii"
    )
    # An MCP rollup (a job of its kind) that covered nothing.
    rollup = await factory.job(
        org,
        "mcp.rollup",
        status="succeeded",
        attempts=1,
        payload={"from": "2026-01-01T00:00:00+00:00", "to": "2026-01-01T00:30:00+00:00"},
        result={"rows": 0, "covered_from": None, "covered_to": None},
    )
    t.add("McpRollup", rollup)
    # An MCP session with a call, and a config change, inside the default day.
    session = await factory.mcp_session(
        org, factory.now - timedelta(hours=2), client=f"{prefix}-agent"
    )
    t.add("McpSession", session, session["client"])
    await factory.tool_call(session, factory.now - timedelta(hours=2), tool=f"{prefix}.query")
    change = await factory.config_change(
        org,
        factory.now - timedelta(hours=3),
        field=f"{prefix}-threshold",
        target_id=str(guardian["id"]),
        new_value={"name": f"{prefix}-redactor"},
    )
    t.add("ConfigChange", change, change["field"])
    # An NHI with an activity event inside the default day.
    nhi = await factory.nhi(t.org, f"{prefix}-runner", 2, kind="ci_runner")
    t.add("Nhi", nhi, nhi["label"])
    await factory.activity(nhi, factory.now - timedelta(hours=1), "0.5", tool=f"{prefix}.deploy")
    # An NHI anomaly, open, detected inside the default day (acknowledging it is a write
    # of the dataset's own row: it has no throwaway maker).
    anomaly_nhi = await factory.nhi(org, f"{prefix}-anomalous-nhi")
    t.add("Nhi", anomaly_nhi)
    anomaly = await factory.anomaly(
        anomaly_nhi, factory.now - timedelta(hours=1), evidence={"by": f"{prefix}-evidence"}
    )
    t.add("NhiAnomaly", anomaly, f"{prefix}-evidence")
    # An incident inside the default day, acknowledged and resolved.
    incident = await factory.incident(
        org,
        factory.now - timedelta(hours=5),
        title=f"{prefix}-outage",
        acknowledged_at=factory.now - timedelta(hours=4),
        resolved_at=factory.now - timedelta(hours=3),
        downtime_minutes=30,
    )
    t.add("Incident", incident, incident["title"])
    cost = await factory.cost(incident, "DOWNTIME", "250.00", business_unit=f"{prefix}-unit")
    t.add("CostAnalysis", cost, cost["business_unit"])
    # A KPI metric with a measurement of the last full hour.
    metric = await factory.kpi_metric(org, "MTTA", name=f"{prefix}-mtta")
    t.add("KpiMetric", metric, metric["name"])
    await factory.kpi_measurement(
        metric, factory.now.replace(minute=0, second=0, microsecond=0), "12.50"
    )
    # The predictive side: a trained model, an anomaly, an insight, a dashboard every role
    # may open.
    # (an isolation forest: the one kind PATTERN detection may be asked to use)
    model = await factory.predictive_model(
        org,
        "ANOMALY_DETECTION",
        "ISOLATION_FOREST",
        name=f"{prefix}-model",
        target_column="none",
        status="ACTIVE",
        version=1,
        accuracy_score=0.9,
    )
    t.add("PredictiveModel", model, model["name"])
    detection = await factory.anomaly_detection(
        org, factory.now - timedelta(hours=1), description=f"{prefix}-anomaly"
    )
    t.add("AnomalyDetection", detection, detection["description"])
    insight = await factory.insight(org, title=f"{prefix}-insight")
    t.add("PredictiveInsight", insight, insight["title"])
    board = await factory.dashboard(org, name=f"{prefix}-board", is_public=True)
    t.add("DashboardConfiguration", board, board["name"])
    # A webhook endpoint with a delivery that failed once.
    endpoint = await factory.webhook_endpoint(
        org, f"https://{prefix}-hooks.example.com/in", description=f"{prefix}-hook"
    )
    t.add("WebhookEndpoint", endpoint, endpoint["description"])
    delivery = await factory.webhook_delivery(endpoint, data={"by": f"{prefix}-delivery"})
    await factory.webhook_attempt(delivery, error=f"{prefix}-attempt-error")
    # The agent console: a pending high-risk action inside the default week, reviewed
    # actions by the admin, and a console session seen a minute ago.
    action = await factory.agent_action(
        org,
        factory.now - timedelta(hours=1),
        agent_id=f"{prefix}-agent",
        tool_name=f"{prefix}-tool",
        risk_level="high",
        summary=f"{prefix}-action",
    )
    t.add("AgentAction", action, action["summary"])
    await factory.agent_action(
        org,
        factory.now - timedelta(days=2),
        agent_id=f"{prefix}-agent",
        status="approved",
        reviewed_by=t.users["admin"]["id"],
    )
    await factory.user_session(
        t.users["member"],
        factory.now - timedelta(hours=2),
        last_seen_at=factory.now - timedelta(minutes=1),
    )
    return t


# --- throwaway rows ------------------------------------------------------------------

# Rows a write may change or delete, made fresh for each call that names one, so that the
# walk never spends the dataset it reads. A kind without a maker is given the dataset's
# own row (which a write of that kind may then change: say so here when one is added).
Maker = Callable[[Factory, Tenant, Row, str], Awaitable[Row]]


async def _component(factory: Factory, t: Tenant, caller: Row, name: str) -> Row:
    return await factory.component(t.org, name)


async def _environment(factory: Factory, t: Tenant, caller: Row, name: str) -> Row:
    return await factory.environment(t.org, name)


async def _deployment(factory: Factory, t: Tenant, caller: Row, name: str) -> Row:
    component, environment = t.rows["Component"][0], t.rows["Environment"][0]
    return await factory.deployment(component, environment, "RUNNING", started_hours_ago=1)


async def _entry(factory: Factory, t: Tenant, caller: Row, name: str) -> Row:
    # The caller authors it: what an entry's author may do, any role may do to it.
    return await factory.entry(t.org, caller, name, department=t.rows["Department"][0])


async def _guardian(factory: Factory, t: Tenant, caller: Row, name: str) -> Row:
    return await factory.guardian(t.org, name)


async def _nhi(factory: Factory, t: Tenant, caller: Row, name: str) -> Row:
    return await factory.nhi(t.org, name)


async def _incident(factory: Factory, t: Tenant, caller: Row, name: str) -> Row:
    return await factory.incident(t.org, factory.now - timedelta(hours=1), title=name)


async def _kpi_metric(factory: Factory, t: Tenant, caller: Row, name: str) -> Row:
    return await factory.kpi_metric(t.org, "MTTR", name=name)


async def _predictive_model(factory: Factory, t: Tenant, caller: Row, name: str) -> Row:
    # Trained, and an isolation forest: any write naming a model may take it (training
    # it again, PATTERN detection with it).
    return await factory.predictive_model(
        t.org,
        "ANOMALY_DETECTION",
        "ISOLATION_FOREST",
        name=name,
        target_column="none",
        status="ACTIVE",
        version=1,
    )


async def _anomaly(factory: Factory, t: Tenant, caller: Row, name: str) -> Row:
    return await factory.anomaly_detection(t.org, description=name)


async def _insight(factory: Factory, t: Tenant, caller: Row, name: str) -> Row:
    return await factory.insight(t.org, title=name)


async def _webhook_endpoint(factory: Factory, t: Tenant, caller: Row, name: str) -> Row:
    return await factory.webhook_endpoint(t.org, f"https://{name}.example.com/in")


async def _agent_action(factory: Factory, t: Tenant, caller: Row, name: str) -> Row:
    # Pending: a review of it is the write the walk makes.
    return await factory.agent_action(t.org, summary=name)


THROWAWAY: dict[str, Maker] = {
    "AgentAction": _agent_action,
    "PredictiveModel": _predictive_model,
    "AnomalyDetection": _anomaly,
    "PredictiveInsight": _insight,
    "Incident": _incident,
    "KpiMetric": _kpi_metric,
    "WebhookEndpoint": _webhook_endpoint,
    "Guardian": _guardian,
    "Nhi": _nhi,
    "Component": _component,
    "Environment": _environment,
    "Deployment": _deployment,
    "KnowledgeEntry": _entry,
}


# --- what an organisation holds -------------------------------------------------------


async def snapshot(engine: AsyncEngine, org_id: uuid.UUID) -> dict[str, tuple[int, str]]:
    """Every table's rows of one organisation: how many, and a hash of their contents.

    Read from the tables' metadata, so a new family's tables are covered as they come.
    """
    found: dict[str, tuple[int, str]] = {}
    async with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            column = table.c.id if table.name == "organizations" else table.c.get("org_id")
            # Every row belongs to an organisation (DESIGN: every table carries org_id).
            assert column is not None, f"{table.name} has no org_id: whose rows are they?"
            rows = (await conn.execute(select(table).where(column == org_id))).mappings().all()
            text = sorted(json.dumps(dict(r), default=str, sort_keys=True) for r in rows)
            found[table.name] = (len(rows), hashlib.sha256("\n".join(text).encode()).hexdigest())
    return found
