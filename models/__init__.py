"""SQLModel tables, one module per domain. Importing this package registers them all."""

from models.agents import AgentAction, AgentActionCounter, UserSession
from models.audit import AuditEvent
from models.catalog import Component, Deployment, Environment
from models.governance import (
    ConfigChange,
    Guardian,
    GuardianVerdictEvent,
    McpHourlyRollup,
    McpSession,
    McpToolCall,
)
from models.identities import (
    Nhi,
    NhiActivity,
    NhiAnomaly,
    NhiGuardian,
    NhiRiskSnapshot,
)
from models.incidents import (
    CostAnalysis,
    Incident,
    KpiMeasurement,
    KpiMetric,
    RecurrenceAnalysis,
)
from models.jobs import Job
from models.knowledge import EntryAuthor, KnowledgeEntry
from models.predictive import (
    AnomalyDetection,
    DashboardConfiguration,
    ModelTraining,
    PredictiveInsight,
    PredictiveModel,
)
from models.tenancy import ApiKey, Department, Organization, User
from models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookOutboxEvent

__all__ = [
    "AgentAction",
    "AgentActionCounter",
    "AnomalyDetection",
    "ApiKey",
    "AuditEvent",
    "Component",
    "ConfigChange",
    "CostAnalysis",
    "DashboardConfiguration",
    "Department",
    "Deployment",
    "EntryAuthor",
    "Environment",
    "Guardian",
    "GuardianVerdictEvent",
    "Incident",
    "Job",
    "KnowledgeEntry",
    "KpiMeasurement",
    "KpiMetric",
    "McpHourlyRollup",
    "McpSession",
    "McpToolCall",
    "ModelTraining",
    "Nhi",
    "NhiActivity",
    "NhiAnomaly",
    "NhiGuardian",
    "NhiRiskSnapshot",
    "Organization",
    "PredictiveInsight",
    "PredictiveModel",
    "RecurrenceAnalysis",
    "User",
    "UserSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookOutboxEvent",
]
