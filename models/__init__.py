"""SQLModel tables, one module per domain. Importing this package registers them all."""

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
from models.tenancy import ApiKey, Department, Organization, User

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Component",
    "ConfigChange",
    "CostAnalysis",
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
    "Nhi",
    "NhiActivity",
    "NhiAnomaly",
    "NhiGuardian",
    "NhiRiskSnapshot",
    "Organization",
    "RecurrenceAnalysis",
    "User",
]
