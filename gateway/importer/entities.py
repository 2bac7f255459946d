"""The importable entities, declared as data: one spec per entity.

A later family adds its entities by adding a record class and a spec here; the
loader knows nothing about any particular table.
"""

from __future__ import annotations

import functools
import operator
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, TypeAdapter
from sqlalchemy import Column, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.auth import hash_api_key
from gateway.importer import records as r
from gateway.sql import table_of, utcnow
from models.agents import AgentAction, UserSession
from models.audit import AuditEvent
from models.catalog import Component, Deployment, Environment
from models.governance import ConfigChange, Guardian, GuardianVerdictEvent, McpSession, McpToolCall
from models.identities import Nhi, NhiActivity, NhiGuardian
from models.incidents import CostAnalysis, Incident, KpiMetric
from models.knowledge import EntryAuthor, KnowledgeEntry
from models.tenancy import ApiKey, Department, Organization, User
from resolvers.agents.display_ids import allocate_display_ids

ORGANIZATIONS = table_of(Organization)
DEPARTMENTS = table_of(Department)
USERS = table_of(User)
COMPONENTS = table_of(Component)
ENVIRONMENTS = table_of(Environment)
ENTRIES = table_of(KnowledgeEntry)
DEPLOYMENTS = table_of(Deployment)
GUARDIANS = table_of(Guardian)
MCP_SESSIONS = table_of(McpSession)
NHIS = table_of(Nhi)
INCIDENTS = table_of(Incident)
KPI_METRICS = table_of(KpiMetric)
COST_ANALYSES = table_of(CostAnalysis)
AGENT_ACTIONS = table_of(AgentAction)

# The table each audit subject type names; the audit log outlives them (no foreign key).
SUBJECT_TABLES = {
    "component": COMPONENTS,
    "environment": ENVIRONMENTS,
    "deployment": DEPLOYMENTS,
    "knowledge_entry": ENTRIES,
    "guardian": GUARDIANS,
    "nhi": NHIS,
    "incident": INCIDENTS,
    "kpi_metric": KPI_METRICS,
    "cost_analysis": COST_ANALYSES,
}


@dataclass(frozen=True)
class Ref:
    """A field naming a row of ``table``, which must belong to the line's organisation.

    ``must_exist`` is False only where the column is deliberately not a foreign key
    (an audit event may speak of a component deleted since); such a reference is
    still refused when it names another organisation's row. ``when`` narrows a ref to
    the lines whose field has a given value: an audit event's ``subject_id`` names a
    row of the table its ``subject_type`` says.
    """

    field: str
    table: Table
    must_exist: bool = True
    when: tuple[str, str] | None = None

    def applies_to(self, row: dict[str, Any]) -> bool:
        """Whether this ref speaks of ``row``'s ``field``."""
        return self.when is None or row.get(self.when[0]) == self.when[1]

    @property
    def tenant_column(self) -> Column[Any]:
        # An organisation's own id is its tenant; every other table carries org_id.
        return self.table.c.org_id if "org_id" in self.table.c else self.table.c.id


def _row(record: r.Record) -> dict[str, Any]:
    return record.row()


def _api_key_row(record: r.Record) -> dict[str, Any]:
    row = _row(record)
    row["key_hash"] = hash_api_key(row.pop("key"))
    return row


def _audit_event_row(record: r.Record) -> dict[str, Any]:
    row = _row(record)
    # Absent a subject, a catalog event concerns its component, as the catalog writes it.
    if row["subject_type"] is None and row["component_id"] is not None:
        row["subject_type"], row["subject_id"] = "component", row["component_id"]
    return row


Fill = Callable[[AsyncConnection, list[dict[str, Any]]], Awaitable[None]]


@dataclass(frozen=True)
class EntitySpec:
    """How one entity's lines become upserted rows."""

    name: str
    record: type[r.Record]
    table: Table
    keys: tuple[str, ...] = ("id",)
    refs: tuple[Ref, ...] = ()
    # The ref whose row's organisation becomes this row's org_id, for entities whose
    # lines carry no org_id of their own (an entry's author belongs to the entry's org).
    org_via: str | None = None
    to_row: Callable[[r.Record], dict[str, Any]] = _row
    # Columns an existing row keeps unless the operator allows changing them: an import
    # file is history, and should not silently move an organisation to another plan.
    guarded: tuple[str, ...] = ()
    # Fills a batch's absent values from the database (a verdict's environment is its
    # guardian's), after the tenancy checks, in the import's transaction.
    fill: Fill | None = None

    @functools.cached_property
    def key_of(self) -> Callable[[dict[str, Any]], Any]:
        """A row's key: its one key column's value, or a tuple of its key columns'."""
        return operator.itemgetter(*self.keys)

    @property
    def guards_own_id(self) -> bool:
        """Whether the row's id could already exist under another organisation."""
        return self.keys == ("id",) and "org_id" in self.record.model_fields


def _in_org(*refs: Ref) -> tuple[Ref, ...]:
    return (Ref("org_id", ORGANIZATIONS), *refs)


# Each family names its entities in its manifest (resolvers/<domain>/family.py); the
# importer reads them from gateway.families.FAMILIES.
TENANCY_ENTITIES: tuple[EntitySpec, ...] = (
    EntitySpec(
        "organization",
        r.OrganizationRecord,
        ORGANIZATIONS,
        guarded=("plan", "subscription_active", "trial_ends_at"),
    ),
    EntitySpec("department", r.DepartmentRecord, DEPARTMENTS, refs=_in_org()),
    EntitySpec("user", r.UserRecord, USERS, refs=_in_org(Ref("department_id", DEPARTMENTS))),
    EntitySpec(
        "api_key",
        r.ApiKeyRecord,
        table_of(ApiKey),
        refs=_in_org(Ref("user_id", USERS)),
        to_row=_api_key_row,
    ),
)

CATALOG_ENTITIES: tuple[EntitySpec, ...] = (
    EntitySpec("component", r.ComponentRecord, COMPONENTS, refs=_in_org()),
    EntitySpec("environment", r.EnvironmentRecord, ENVIRONMENTS, refs=_in_org()),
    EntitySpec(
        "deployment",
        r.DeploymentRecord,
        DEPLOYMENTS,
        refs=_in_org(Ref("component_id", COMPONENTS), Ref("environment_id", ENVIRONMENTS)),
    ),
    EntitySpec(
        "audit_event",
        r.AuditEventRecord,
        table_of(AuditEvent),
        refs=_in_org(
            Ref("actor_id", USERS),
            Ref("component_id", COMPONENTS, must_exist=False),
            *(
                Ref("subject_id", table, must_exist=False, when=("subject_type", kind))
                for kind, table in SUBJECT_TABLES.items()
            ),
        ),
        to_row=_audit_event_row,
    ),
)

KNOWLEDGE_ENTITIES: tuple[EntitySpec, ...] = (
    EntitySpec(
        "knowledge_entry",
        r.KnowledgeEntryRecord,
        ENTRIES,
        refs=_in_org(
            Ref("department_id", DEPARTMENTS),
            Ref("created_by", USERS),
            Ref("last_reviewed_by", USERS),
        ),
    ),
    EntitySpec(
        "entry_author",
        r.EntryAuthorRecord,
        table_of(EntryAuthor),
        keys=("entry_id", "user_id"),
        refs=(Ref("entry_id", ENTRIES), Ref("user_id", USERS)),
        org_via="entry_id",
    ),
)


def _keep_created_at(table: Table, keys: tuple[str, ...] = ("id",)) -> Fill:
    """A fill for rows without created_at: the existing row's, so that importing the
    file again changes nothing; a new row's is the import's time."""

    async def fill(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
        missing = [row for row in rows if row["created_at"] is None]
        if not missing:
            return
        first = table.c[keys[0]]
        statement = select(*(table.c[key] for key in keys), table.c.created_at).where(
            first.in_({row[keys[0]] for row in missing})
        )
        existing = {tuple(found[:-1]): found[-1] for found in await conn.execute(statement)}
        now = utcnow()
        for row in missing:
            row["created_at"] = existing.get(tuple(row[key] for key in keys), now)

    return fill


async def _fill_verdict_environment(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """No environment: the guardian's (which the tenancy check found in the org)."""
    missing = {row["guardian_id"] for row in rows if row["environment"] is None}
    if not missing:
        return
    result = await conn.execute(
        select(GUARDIANS.c.id, GUARDIANS.c.environment).where(GUARDIANS.c.id.in_(missing))
    )
    environments = {row.id: row.environment for row in result}
    for row in rows:
        if row["environment"] is None:
            row["environment"] = environments[row["guardian_id"]]


# A config change's target_id is text (it may name something that is no gateway row), so
# it is not checked as a reference; its actor must be a user of the organisation.
GOVERNANCE_ENTITIES: tuple[EntitySpec, ...] = (
    EntitySpec(
        "guardian", r.GuardianRecord, GUARDIANS, refs=_in_org(), fill=_keep_created_at(GUARDIANS)
    ),
    EntitySpec(
        "guardian_verdict",
        r.GuardianVerdictRecord,
        table_of(GuardianVerdictEvent),
        refs=_in_org(Ref("guardian_id", GUARDIANS)),
        fill=_fill_verdict_environment,
    ),
    # NHIs before what names them: sessions and activity (lines are loaded in file order).
    EntitySpec(
        "nhi",
        r.NhiRecord,
        NHIS,
        refs=_in_org(Ref("owner_id", USERS)),
        fill=_keep_created_at(NHIS),
    ),
    EntitySpec(
        "nhi_guardian",
        r.NhiGuardianRecord,
        table_of(NhiGuardian),
        keys=("nhi_id", "guardian_id"),
        refs=(Ref("nhi_id", NHIS), Ref("guardian_id", GUARDIANS)),
        org_via="nhi_id",
        fill=_keep_created_at(table_of(NhiGuardian), ("nhi_id", "guardian_id")),
    ),
    EntitySpec(
        "nhi_activity",
        r.NhiActivityRecord,
        table_of(NhiActivity),
        refs=_in_org(Ref("nhi_id", NHIS), Ref("guardian_id", GUARDIANS)),
    ),
    EntitySpec("mcp_session", r.McpSessionRecord, MCP_SESSIONS, refs=_in_org(Ref("nhi_id", NHIS))),
    EntitySpec(
        "mcp_tool_call",
        r.McpToolCallRecord,
        table_of(McpToolCall),
        refs=_in_org(Ref("session_id", MCP_SESSIONS)),
    ),
    EntitySpec(
        "config_change",
        r.ConfigChangeRecord,
        table_of(ConfigChange),
        refs=_in_org(Ref("actor_id", USERS)),
    ),
)


@dataclass(frozen=True)
class Entities:
    """The entities an import understands: each by name, and one validator for a line."""

    by_name: dict[str, EntitySpec]
    # The "entity" key of a line picks its record class.
    line: TypeAdapter[r.Record]


def entities_of(specs: Sequence[EntitySpec]) -> Entities:
    return Entities(
        by_name={spec.name: spec for spec in specs},
        line=TypeAdapter(
            Annotated[
                # A union built at run time from the families' records: no static type.
                functools.reduce(operator.or_, (spec.record for spec in specs)),  # type: ignore[arg-type]
                Field(discriminator="entity"),
            ]
        ),
    )


def _keep_times(table: Table) -> Fill:
    """``_keep_created_at``, and ``updated_at`` as the row's ``created_at`` (an import
    file has no history of changes)."""
    keep = _keep_created_at(table)

    async def fill(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
        await keep(conn, rows)
        for row in rows:
            row["updated_at"] = row["created_at"]

    return fill


# Incidents before what names them: cost analyses (lines are loaded in file order).
INCIDENT_ENTITIES: tuple[EntitySpec, ...] = (
    EntitySpec(
        "incident", r.IncidentRecord, INCIDENTS, refs=_in_org(Ref("component_id", COMPONENTS))
    ),
    EntitySpec(
        "kpi_metric", r.KpiMetricRecord, KPI_METRICS, refs=_in_org(), fill=_keep_times(KPI_METRICS)
    ),
    EntitySpec(
        "cost_analysis",
        r.CostAnalysisRecord,
        COST_ANALYSES,
        refs=_in_org(Ref("incident_id", INCIDENTS)),
        fill=_keep_times(COST_ANALYSES),
    ),
)


async def _fill_display_ids(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """An action already stored keeps its display id (so importing the file again changes
    nothing); new ones take their organisation's next ids, in file order."""
    statement = select(AGENT_ACTIONS.c.id, AGENT_ACTIONS.c.display_id).where(
        AGENT_ACTIONS.c.id.in_({row["id"] for row in rows})
    )
    existing = {found.id: found.display_id for found in await conn.execute(statement)}
    new: defaultdict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["id"] in existing:
            row["display_id"] = existing[row["id"]]
        else:
            new[row["org_id"]].append(row)
    for org_id, org_rows in new.items():
        first = await allocate_display_ids(conn, org_id=org_id, count=len(org_rows))
        for offset, row in enumerate(org_rows):
            row["display_id"] = first + offset


def _user_session_row(record: r.Record) -> dict[str, Any]:
    row = _row(record)
    if row["last_seen_at"] is None:
        row["last_seen_at"] = row["started_at"]  # seen when it started, and not since
    return row


AGENT_ENTITIES: tuple[EntitySpec, ...] = (
    EntitySpec(
        "agent_action",
        r.AgentActionRecord,
        AGENT_ACTIONS,
        refs=_in_org(Ref("reviewed_by", USERS)),
        fill=_fill_display_ids,
    ),
    EntitySpec(
        "user_session",
        r.UserSessionRecord,
        table_of(UserSession),
        refs=_in_org(Ref("user_id", USERS)),
        to_row=_user_session_row,
    ),
)
