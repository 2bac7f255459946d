"""Small factories that write rows directly, so a test states exactly its dataset."""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Concatenate, ParamSpec, TypeVar

import jwt
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.auth import Authenticator, hash_api_key
from gateway.ids import new_id
from gateway.settings import Settings
from gateway.sql import utcnow
from models.agents import AgentAction, UserSession
from models.audit import AuditEvent
from models.catalog import Component, Deployment, Environment
from models.governance import (
    ConfigChange,
    Guardian,
    GuardianVerdictEvent,
    McpSession,
    McpToolCall,
)
from models.identities import Nhi, NhiActivity, NhiAnomaly, NhiGuardian, NhiRiskSnapshot
from models.incidents import CostAnalysis, Incident, KpiMeasurement, KpiMetric, RecurrenceAnalysis
from models.jobs import Job
from models.knowledge import EntryAuthor, KnowledgeEntry
from models.predictive import (
    AnomalyDetection,
    DashboardConfiguration,
    PredictiveInsight,
    PredictiveModel,
)
from models.tenancy import ApiKey, Department, Organization, User
from models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookOutboxEvent
from resolvers.agents.display_ids import allocate_display_ids
from resolvers.incidents.ml.insights import level_of

P = ParamSpec("P")
T = TypeVar("T")


class Factory:
    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.engine = engine
        self.auth = Authenticator(secret=settings.resolved_jwt_secret())
        self.now = utcnow()
        self._batch: AsyncConnection | None = None

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        """The rows written inside, in one transaction rather than one each: a dataset of
        dozens of rows is written in a third of the time. The same rows either way; they
        are seen by others once the block ends. Not for rows written concurrently."""
        if self._batch is not None:  # inside another batch: part of it
            yield
            return
        async with self.engine.begin() as conn:
            self._batch = conn
            try:
                yield
            finally:
                self._batch = None

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[AsyncConnection]:
        """The batch's transaction, or a transaction of its own."""
        if self._batch is not None:
            yield self._batch
        else:
            async with self.engine.begin() as conn:
                yield conn

    async def _insert(self, model: Any, **values: Any) -> dict[str, Any]:
        async with self._begin() as conn:
            await conn.execute(insert(model).values(**values))
        return values

    async def org(self, name: str = "Acme", **values: Any) -> dict[str, Any]:
        return await self._insert(
            Organization, id=uuid.uuid4(), name=name, **{"plan": "growth", **values}
        )

    async def department(self, org: dict[str, Any], name: str) -> dict[str, Any]:
        return await self._insert(Department, id=uuid.uuid4(), org_id=org["id"], name=name)

    async def user(
        self, org: dict[str, Any], username: str = "jane", **values: Any
    ) -> dict[str, Any]:
        defaults = {
            "name": username.title(),
            "email": f"{username}@example.com",
            "role": "member",
        }
        return await self._insert(
            User, id=uuid.uuid4(), org_id=org["id"], username=username, **{**defaults, **values}
        )

    def token(self, user: dict[str, Any], **kwargs: Any) -> str:
        return self.auth.issue(user_id=user["id"], org_id=user["org_id"], **kwargs)

    def headers(self, user: dict[str, Any], **kwargs: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user, **kwargs)}"}

    def scoped_headers(self, user: dict[str, Any], scopes: Sequence[str]) -> dict[str, str]:
        """A JWT whose ``scope`` claim is exactly ``scopes``, none at all included (which
        ``issue`` cannot write: it reads no scopes as a full session)."""
        claims = {
            "sub": str(user["id"]),
            "org_id": str(user["org_id"]),
            "exp": self.now + timedelta(hours=1),
            "scope": " ".join(scopes),
        }
        token = jwt.encode(claims, self.auth.secret, algorithm="HS256")
        return {"Authorization": f"Bearer {token}"}

    async def api_key(
        self, user: dict[str, Any], key: str, scopes: list[str], **values: Any
    ) -> dict[str, Any]:
        return await self._insert(
            ApiKey,
            id=uuid.uuid4(),
            org_id=user["org_id"],
            user_id=user["id"],
            key_hash=hash_api_key(key),
            scopes=scopes,
            **values,
        )

    async def component(
        self, org: dict[str, Any], name: str, kind: str = "service", **values: Any
    ) -> dict[str, Any]:
        return await self._insert(
            Component,
            id=uuid.uuid4(),
            org_id=org["id"],
            name=name,
            kind=kind,
            **{"lifecycle": "production", "owner": "team-a", **values},
        )

    async def environment(self, org: dict[str, Any], name: str) -> dict[str, Any]:
        return await self._insert(Environment, id=uuid.uuid4(), org_id=org["id"], name=name)

    async def deployment(
        self,
        component: dict[str, Any],
        environment: dict[str, Any],
        status: str,
        *,
        started_hours_ago: float,
        duration_hours: float | None = None,
        version: str = "1.0.0",
    ) -> dict[str, Any]:
        started = self.now - timedelta(hours=started_hours_ago)
        finished = started + timedelta(hours=duration_hours) if duration_hours is not None else None
        return await self._insert(
            Deployment,
            id=uuid.uuid4(),
            org_id=component["org_id"],
            component_id=component["id"],
            environment_id=environment["id"],
            status=status,
            version=version,
            started_at=started,
            finished_at=finished,
        )

    async def audit(
        self,
        actor: dict[str, Any] | None,
        action: str,
        *,
        org: dict[str, Any] | None = None,
        component: dict[str, Any] | None = None,
        hours_ago: float = 1,
        family: str = "catalog",
        subject: tuple[str, uuid.UUID] | None = None,
        details: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An audit event; its subject defaults to its component, as the catalog writes it."""
        org_id = (org or actor or {})["org_id" if org is None else "id"]
        if subject is None and component is not None:
            subject = ("component", component["id"])
        return await self._insert(
            AuditEvent,
            id=uuid.uuid4(),
            org_id=org_id,
            family=family,
            actor_id=actor["id"] if actor else None,
            action=action,
            subject_type=subject[0] if subject else None,
            subject_id=subject[1] if subject else None,
            component_id=component["id"] if component else None,
            created_at=self.now - timedelta(hours=hours_ago),
            details=details or {},
        )

    async def entry(
        self,
        org: dict[str, Any],
        creator: dict[str, Any],
        title: str,
        *,
        department: dict[str, Any] | None = None,
        status: str = "active",
        created_days_ago: float = 100,
        reviewed_days_ago: float | None = None,
        authors: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        entry = await self._insert(
            KnowledgeEntry,
            id=uuid.uuid4(),
            org_id=org["id"],
            department_id=department["id"] if department else None,
            title=title,
            status=status,
            created_by=creator["id"],
            created_at=self.now - timedelta(days=created_days_ago),
            last_reviewed_at=(
                self.now - timedelta(days=reviewed_days_ago)
                if reviewed_days_ago is not None
                else None
            ),
        )
        for author in {a["id"]: a for a in [creator, *(authors or [])]}.values():
            await self._insert(
                EntryAuthor, entry_id=entry["id"], user_id=author["id"], org_id=org["id"]
            )
        return entry

    async def job(self, org: dict[str, Any], kind: str, **values: Any) -> dict[str, Any]:
        """A job row as a worker leaves it (``status``, ``result``, ``error`` in ``values``);
        written directly, so its kind needs no handler."""
        defaults = {"status": "queued", "attempts": 0, "payload": {}}
        return await self._insert(
            Job,
            id=uuid.uuid4(),
            org_id=org["id"],
            kind=kind,
            created_at=self.now,
            run_after=self.now,
            **{**defaults, **values},
        )

    async def guardian(
        self, org: dict[str, Any], name: str = "PII-Redactor", **values: Any
    ) -> dict[str, Any]:
        defaults = {"environment": "live", "tags": [], "config": {}, "is_active": True}
        return await self._insert(
            Guardian,
            id=new_id(self.now),
            org_id=org["id"],
            name=name,
            created_at=self.now,
            **{**defaults, **values},
        )

    async def verdict(
        self, guardian: dict[str, Any], created_at: datetime, verdict: str = "passed", **values: Any
    ) -> dict[str, Any]:
        """A verdict event; its environment is the guardian's unless given."""
        defaults = {"latency_ms": 100, "environment": guardian["environment"]}
        return await self._insert(
            GuardianVerdictEvent,
            id=new_id(created_at),
            org_id=guardian["org_id"],
            guardian_id=guardian["id"],
            verdict=verdict,
            created_at=created_at,
            **{**defaults, **values},
        )

    async def mcp_session(
        self,
        org: dict[str, Any],
        started_at: datetime,
        client: str | None = "claude",
        **values: Any,
    ) -> dict[str, Any]:
        return await self._insert(
            McpSession,
            id=new_id(started_at),
            org_id=org["id"],
            started_at=started_at,
            client=client,
            **values,
        )

    async def tool_call(
        self,
        session: dict[str, Any],
        created_at: datetime,
        tool: str = "postgres.query",
        verdict: str = "passed",
        latency_ms: int = 100,
    ) -> dict[str, Any]:
        return await self._insert(
            McpToolCall,
            id=new_id(created_at),
            org_id=session["org_id"],
            session_id=session["id"],
            tool=tool,
            verdict=verdict,
            latency_ms=latency_ms,
            created_at=created_at,
        )

    async def config_change(
        self,
        org: dict[str, Any],
        changed_at: datetime,
        field: str = "config",
        target_type: str = "guardian",
        target_id: str = "gov_target",
        **values: Any,
    ) -> dict[str, Any]:
        return await self._insert(
            ConfigChange,
            id=new_id(changed_at),
            org_id=org["id"],
            changed_at=changed_at,
            field=field,
            target_type=target_type,
            target_id=target_id,
            **values,
        )

    # --- non-human identities -------------------------------------------------------------

    async def nhi(
        self, org: dict[str, Any], label: str = "ci-runner-prod", tier: int = 2, **values: Any
    ) -> dict[str, Any]:
        defaults = {"id": new_id(self.now), "kind": "service_account"}
        return await self._insert(
            Nhi,
            org_id=org["id"],
            label=label,
            tier=tier,
            created_at=self.now,
            **{**defaults, "federation_status": "verified", **values},
        )

    async def bind(self, nhi: dict[str, Any], guardian: dict[str, Any]) -> dict[str, Any]:
        """Binds ``guardian`` to ``nhi``."""
        return await self._insert(
            NhiGuardian,
            nhi_id=nhi["id"],
            guardian_id=guardian["id"],
            org_id=nhi["org_id"],
            created_at=self.now,
        )

    async def activity(
        self,
        nhi: dict[str, Any],
        occurred_at: datetime,
        spend_usd: str | Decimal = "0",
        outcome: str = "allowed",
        **values: Any,
    ) -> dict[str, Any]:
        """One activity event (``tool``, ``guardian_id`` in ``values``)."""
        return await self._insert(
            NhiActivity,
            id=new_id(occurred_at),
            org_id=nhi["org_id"],
            nhi_id=nhi["id"],
            occurred_at=occurred_at,
            spend_usd=Decimal(spend_usd),
            outcome=outcome,
            **values,
        )

    async def activities(
        self, nhi: dict[str, Any], rows: Sequence[tuple[datetime, str, str]]
    ) -> None:
        """Many events in one statement: ``(occurred_at, spend_usd, outcome)`` each."""
        async with self._begin() as conn:
            await conn.execute(
                insert(NhiActivity),
                [
                    {
                        "id": new_id(at),
                        "org_id": nhi["org_id"],
                        "nhi_id": nhi["id"],
                        "occurred_at": at,
                        "spend_usd": Decimal(spend),
                        "outcome": outcome,
                    }
                    for at, spend, outcome in rows
                ],
            )

    async def anomaly(
        self,
        nhi: dict[str, Any],
        detected_at: datetime,
        type: str = "spend_burst",
        severity: str = "high",
        **values: Any,
    ) -> dict[str, Any]:
        defaults = {
            "window_from": detected_at - timedelta(hours=24),
            "window_to": detected_at,
            "evidence": {},
            "status": "open",
        }
        return await self._insert(
            NhiAnomaly,
            id=new_id(detected_at),
            org_id=nhi["org_id"],
            nhi_id=nhi["id"],
            type=type,
            severity=severity,
            detected_at=detected_at,
            **{**defaults, **values},
        )

    async def snapshot(
        self, nhi: dict[str, Any], computed_at: datetime, risk_score: float, **values: Any
    ) -> dict[str, Any]:
        defaults = {
            "window_from": computed_at - timedelta(days=7),
            "window_to": computed_at,
            "signals": [],
            "source": "snapshot",
        }
        return await self._insert(
            NhiRiskSnapshot,
            id=new_id(computed_at),
            org_id=nhi["org_id"],
            nhi_id=nhi["id"],
            computed_at=computed_at,
            risk_score=risk_score,
            **{**defaults, **values},
        )

    # --- incidents --------------------------------------------------------------------------

    async def incident(
        self,
        org: dict[str, Any],
        created_at: datetime | None = None,
        *,
        title: str = "Database latency",
        category: str = "Infrastructure",
        severity: str = "HIGH",
        priority: str = "P2",
        service: str = "db",
        **values: Any,
    ) -> dict[str, Any]:
        """One incident (``acknowledged_at``, ``resolved_at``, ``downtime_minutes``, ... in
        ``values``); ``status`` follows the timestamps unless given."""
        status = (
            "RESOLVED"
            if values.get("resolved_at")
            else ("ACKNOWLEDGED" if values.get("acknowledged_at") else "OPEN")
        )
        return await self._insert(
            Incident,
            **{
                "id": uuid.uuid4(),
                "org_id": org["id"],
                "created_at": created_at or self.now,
                "title": title,
                "category": category,
                "severity": severity,
                "priority": priority,
                "service": service,
                "status": status,
                **values,
            },
        )

    async def kpi_metric(
        self, org: dict[str, Any], metric_type: str = "MTTA", **values: Any
    ) -> dict[str, Any]:
        return await self._insert(
            KpiMetric,
            **{
                "id": uuid.uuid4(),
                "org_id": org["id"],
                "name": f"{metric_type} metric",
                "metric_type": metric_type,
                "aggregation_type": "AVERAGE",
                "incident_categories": [],
                "incident_severities": [],
                "incident_priorities": [],
                "time_window_hours": 24,
                "is_active": True,
                "is_system_metric": False,
                "created_at": self.now,
                "updated_at": self.now,
                **values,
            },
        )

    async def kpi_measurement(
        self,
        metric: dict[str, Any],
        period_end: datetime,
        value: str | Decimal,
        **values: Any,
    ) -> dict[str, Any]:
        hours = metric.get("time_window_hours", 24)
        return await self._insert(
            KpiMeasurement,
            **{
                "id": uuid.uuid4(),
                "org_id": metric["org_id"],
                "metric_id": metric["id"],
                "value": Decimal(value),
                "unit": "minutes",
                "period_start": period_end - timedelta(hours=hours),
                "period_end": period_end,
                "incident_count": 0,
                "calculated_at": period_end,
                "details": {},
                **values,
            },
        )

    async def recurrence(
        self, org: dict[str, Any], incidents: Sequence[dict[str, Any]], **values: Any
    ) -> dict[str, Any]:
        moments = [i["created_at"] for i in incidents]
        return await self._insert(
            RecurrenceAnalysis,
            **{
                "id": uuid.uuid4(),
                "org_id": org["id"],
                "group_key": uuid.uuid4().hex,
                "recurrence_type": "SAME_SERVICE_CATEGORY",
                "confidence_score": 0.8,
                "incident_ids": [str(i["id"]) for i in incidents],
                "incident_count": len(incidents),
                "service": incidents[0]["service"],
                "category": incidents[0]["category"],
                "first_occurrence": min(moments),
                "last_occurrence": max(moments),
                "is_resolved": False,
                "created_at": self.now,
                "updated_at": self.now,
                **values,
            },
        )

    async def cost(
        self,
        incident: dict[str, Any],
        cost_type: str = "DOWNTIME",
        cost_amount: str | Decimal = "100.00",
        **values: Any,
    ) -> dict[str, Any]:
        """One cost analysis of ``incident`` (``downtime_hours`` as text or Decimal)."""
        if "downtime_hours" in values:
            values["downtime_hours"] = Decimal(values["downtime_hours"])
        return await self._insert(
            CostAnalysis,
            **{
                "id": uuid.uuid4(),
                "org_id": incident["org_id"],
                "incident_id": incident["id"],
                "cost_type": cost_type,
                "cost_amount": Decimal(cost_amount),
                "currency": "USD",
                "calculation_details": {},
                "downtime_hours": Decimal(0),
                "affected_users": 0,
                "revenue_impact": Decimal(0),
                "is_validated": False,
                "created_at": self.now,
                "updated_at": self.now,
                **values,
            },
        )

    # --- the predictive side --------------------------------------------------------------

    async def predictive_model(
        self,
        org: dict[str, Any],
        model_type: str = "SEVERITY_PREDICTION",
        algorithm_type: str = "RANDOM_FOREST",
        **values: Any,
    ) -> dict[str, Any]:
        """A model, INACTIVE and never trained unless ``values`` say otherwise."""
        return await self._insert(
            PredictiveModel,
            **{
                "id": uuid.uuid4(),
                "org_id": org["id"],
                "name": "Severity predictor",
                "model_type": model_type,
                "algorithm_type": algorithm_type,
                "hyperparameters": {},
                "feature_columns": ["title_length", "service"],
                "target_column": "severity",
                "training_data_period_days": 90,
                "min_training_samples": 100,
                "auto_retrain_enabled": False,
                "retrain_frequency_days": 30,
                "performance_threshold": 0.8,
                "status": "INACTIVE",
                "version": 0,
                "created_at": self.now,
                "updated_at": self.now,
                **values,
            },
        )

    async def anomaly_detection(
        self,
        org: dict[str, Any],
        detected_at: datetime | None = None,
        *,
        severity: str = "MEDIUM",
        status: str = "DETECTED",
        **values: Any,
    ) -> dict[str, Any]:
        """One STATISTICAL anomaly of the hour before ``detected_at``."""
        at = detected_at or self.now
        return await self._insert(
            AnomalyDetection,
            **{
                "id": uuid.uuid4(),
                "org_id": org["id"],
                "dedup_key": uuid.uuid4().hex,
                "anomaly_type": "STATISTICAL",
                "severity": severity,
                "status": status,
                "confidence_score": 0.5,
                "anomaly_score": 4.0,
                "threshold_used": 3.5,
                "detected_at": at,
                "time_window_start": at - timedelta(hours=1),
                "time_window_end": at,
                "related_incidents": [],
                "affected_services": ["db"],
                "affected_metrics": ["incident_count"],
                "description": "More incidents than usual",
                "actions_taken": [],
                "details": {},
                **values,
            },
        )

    async def insight(
        self,
        org: dict[str, Any],
        *,
        insight_type: str = "INCIDENT_FORECAST",
        confidence_score: float = 0.9,
        valid_from: datetime | None = None,
        **values: Any,
    ) -> dict[str, Any]:
        """One insight valid for 7 days from ``valid_from`` (now)."""
        start = valid_from or self.now
        return await self._insert(
            PredictiveInsight,
            **{
                "id": uuid.uuid4(),
                "org_id": org["id"],
                "insight_key": uuid.uuid4().hex,
                "insight_type": insight_type,
                "title": "About 12 incidents expected in the next 7 days",
                "description": "",
                "confidence_score": confidence_score,
                "confidence_level": level_of(confidence_score),
                "predicted_value": {"total": 12.0},
                "valid_from": start,
                "valid_until": start + timedelta(days=7),
                "is_acknowledged": False,
                "is_validated": False,
                "created_at": self.now,
                "updated_at": self.now,
                **values,
            },
        )

    async def dashboard(self, org: dict[str, Any], **values: Any) -> dict[str, Any]:
        """A private EXECUTIVE dashboard with one KPI widget."""
        return await self._insert(
            DashboardConfiguration,
            **{
                "id": uuid.uuid4(),
                "org_id": org["id"],
                "name": "Executive Dashboard",
                "dashboard_type": "EXECUTIVE",
                "layout_config": {"rows": 2, "columns": 3},
                "widget_configs": [
                    {
                        "type": "kpi_summary",
                        "position": {"row": 0, "column": 0},
                        "size": {"width": 2, "height": 1},
                    }
                ],
                "is_public": False,
                "allowed_roles": [],
                "auto_refresh_enabled": True,
                "refresh_interval_seconds": 300,
                "is_active": True,
                "created_at": self.now,
                "updated_at": self.now,
                **values,
            },
        )

    async def webhook_endpoint(
        self, org: dict[str, Any], url: str = "https://hooks.example.com/in", **values: Any
    ) -> dict[str, Any]:
        return await self._insert(
            WebhookEndpoint,
            **{
                "id": uuid.uuid4(),
                "org_id": org["id"],
                "url": url,
                "events": ["kpi.threshold_breached", "cost.threshold_exceeded"],
                "description": None,
                "secret": "test-secret",
                "is_active": True,
                "created_at": self.now,
                **values,
            },
        )

    async def webhook_delivery(
        self,
        endpoint: dict[str, Any],
        event: str = "kpi.threshold_breached",
        data: dict[str, Any] | None = None,
        **values: Any,
    ) -> dict[str, Any]:
        """An event of ``endpoint``'s organisation and its delivery to ``endpoint``."""
        happened = await self._insert(
            WebhookOutboxEvent,
            id=new_id(self.now),
            org_id=endpoint["org_id"],
            event=event,
            occurred_at=self.now,
            data=data or {},
        )
        return await self._insert(
            WebhookDelivery,
            **{
                "id": uuid.uuid4(),
                "org_id": endpoint["org_id"],
                "event_id": happened["id"],
                "endpoint_id": endpoint["id"],
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": self.now,
                "created_at": self.now,
                **values,
            },
        )

    async def webhook_attempt(
        self, delivery: dict[str, Any], attempt: int = 1, **values: Any
    ) -> dict[str, Any]:
        return await self._insert(
            WebhookAttempt,
            **{
                "id": uuid.uuid4(),
                "org_id": delivery["org_id"],
                "delivery_id": delivery["id"],
                "attempt": attempt,
                "attempted_at": self.now,
                "status_code": 500,
                "latency_ms": 12.5,
                "error": "HTTP 500 Internal Server Error",
                **values,
            },
        )

    # --- agents -----------------------------------------------------------------------------

    async def agent_action(
        self, org: dict[str, Any], timestamp: datetime | None = None, **values: Any
    ) -> dict[str, Any]:
        """One agent action, numbered as the gateway numbers them (the organisation's next
        display id, in the insert's transaction) unless ``display_id`` is given."""
        async with self._begin() as conn:
            display_id = values.pop("display_id", None) or await allocate_display_ids(
                conn, org_id=org["id"]
            )
            row = {
                "id": uuid.uuid4(),
                "org_id": org["id"],
                "display_id": display_id,
                "agent_id": "customer-service-agent",
                "action_type": "email_send",
                "tool_name": "email_service",
                "risk_level": "medium",
                "status": "pending",
                "timestamp": timestamp or self.now,
                **values,
            }
            await conn.execute(insert(AgentAction).values(**row))
        return row

    async def user_session(
        self, user: dict[str, Any], started_at: datetime | None = None, **values: Any
    ) -> dict[str, Any]:
        """A console session of ``user``, last seen when it started unless given."""
        started_at = started_at or self.now
        return await self._insert(
            UserSession,
            **{
                "id": uuid.uuid4(),
                "org_id": user["org_id"],
                "user_id": user["id"],
                "started_at": started_at,
                "last_seen_at": started_at,
                **values,
            },
        )


def one_transaction(
    build: Callable[Concatenate[Any, P], Awaitable[T]],
) -> Callable[Concatenate[Any, P], Awaitable[T]]:
    """A dataset builder, ``build(factory, ...)``, writing its rows in one transaction
    (``Factory.batch``): the same rows, in a third of the time."""

    @functools.wraps(build)
    async def built(factory: Any, *args: P.args, **kwargs: P.kwargs) -> T:
        async with factory.batch():
            return await build(factory, *args, **kwargs)

    return built
