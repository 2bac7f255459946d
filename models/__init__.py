"""SQLModel tables, one module per domain. Importing this package registers them all."""

from models.audit import AuditEvent
from models.catalog import Component, Deployment, Environment
from models.jobs import Job
from models.knowledge import EntryAuthor, KnowledgeEntry
from models.tenancy import ApiKey, Department, Organization, User

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Component",
    "Department",
    "Deployment",
    "EntryAuthor",
    "Environment",
    "Job",
    "KnowledgeEntry",
    "Organization",
    "User",
]
