"""What one NDJSON line may say, per entity: each record is its table's ``…Base`` (the
constraints of ``models/``: lengths, choices, types) plus ``entity`` and the ids the file
gives, strict and with no unknown keys.

The lengths are the columns', so that a too-long value fails here, with its line number,
on both dialects (SQLite would otherwise store it and PostgreSQL reject it).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError, PydanticUseDefault
from sqlmodel._compat import SQLModelConfig

from models.agents import ActionStatus, AgentActionBase, UserSessionBase
from models.audit import SUBJECT_TYPES, AuditEventBase, Family
from models.base import Moment
from models.catalog import ComponentBase, DeploymentBase, DeploymentStatus, EnvironmentBase
from models.governance import (
    ConfigChangeBase,
    GovernanceEnvironment,
    GuardianBase,
    GuardianVerdictEventBase,
    McpSessionBase,
    McpToolCallBase,
)
from models.identities import NhiActivityBase, NhiBase
from models.incidents import (
    CostAnalysisBase,
    IncidentBase,
    IncidentStatus,
    KpiMetricBase,
    check_formula,
)
from models.knowledge import EntryAuthorBase, EntryStatus, KnowledgeEntryBase
from models.tenancy import ApiKeyBase, DepartmentBase, OrganizationBase, Scope, UserBase


class Record(BaseModel):
    """One line. Strict: no string-to-number or string-to-bool guessing, no extra keys.

    Timestamps must carry their offset (``Z`` or ``+02:00``), as RFC 3339 requires: a
    naive time in a history file is ambiguous, so it is rejected rather than guessed.
    """

    # Typed as SQLModel's config (a ConfigDict with more keys; sqlmodel does not export
    # it), which the records' ``…Base`` parents declare: the two must agree.
    model_config: ClassVar[SQLModelConfig] = SQLModelConfig(
        extra="forbid", strict=True, frozen=True
    )

    # Each entity narrows this to its own name; the union of them dispatches lines.
    entity: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A record also derives from a SQLModel ``…Base``, whose own __init__ would make
        # pydantic validate a parsed line as Python objects, where strict mode takes no
        # string for a UUID or a timestamp. Pydantic's __init__ validates it as JSON.
        cls.__init__ = BaseModel.__init__  # type: ignore[method-assign, assignment]
        # SQLModel's __new__ prepares an instance for SQLAlchemy to fill, which a record
        # never is; pydantic sets the same attributes itself. It cost a quarter of a
        # line's validation.
        cls.__new__ = staticmethod(_bare_instance)  # type: ignore[method-assign, assignment]

    def row(self) -> dict[str, Any]:
        """The columns this line sets."""
        # The instance's dict holds exactly its fields (extra keys are forbidden), and
        # copying it is several times cheaper than iterating the model.
        row = dict(self.__dict__)
        del row["entity"]
        return row


def _bare_instance(cls: type[Record], *args: Any, **kwargs: Any) -> Record:
    return object.__new__(cls)


def null_means_default(*fields: str) -> Any:
    """ "Optional fields may be absent or null": a null in one of ``fields``, whose columns
    have a default (``plan``, ``role``, …), means that default.

    Per field rather than one validator over the line: a validator's answer is checked as
    Python, and in strict mode a Python string is no UUID or timestamp, as JSON text is.
    """

    def use_default(cls: type, value: Any) -> Any:
        if value is None:
            raise PydanticUseDefault()
        return value

    return field_validator(*fields, mode="before")(classmethod(use_default))


class IdRecord(Record):
    """A line of a table keyed by an id the file gives."""

    id: uuid.UUID


class TenantRecord(IdRecord):
    """A line of a table whose rows belong to the organisation the line names."""

    org_id: uuid.UUID


# Each record lists its table's Base before the Record, so that its fields follow
# ``entity`` (and the ids) in the order the file documents them.
class OrganizationRecord(OrganizationBase, IdRecord):
    entity: Literal["organization"]

    _null = null_means_default("plan", "subscription_active")


class DepartmentRecord(DepartmentBase, TenantRecord):
    entity: Literal["department"]


class UserRecord(UserBase, TenantRecord):
    entity: Literal["user"]

    _null = null_means_default("role", "is_active")


class ApiKeyRecord(ApiKeyBase, TenantRecord):
    entity: Literal["api_key"]
    # Plaintext in the file; only its hash is stored.
    key: Annotated[str, StringConstraints(min_length=16, max_length=500)]
    # Absent means no scopes: an imported key grants nothing it does not name.
    scopes: list[Scope] = []

    _null = null_means_default("name", "scopes")


class ComponentRecord(ComponentBase, TenantRecord):
    entity: Literal["component"]

    _null = null_means_default("lifecycle")


class EnvironmentRecord(EnvironmentBase, TenantRecord):
    entity: Literal["environment"]


class DeploymentRecord(DeploymentBase, TenantRecord):
    entity: Literal["deployment"]
    # History states how each deployment stands: no default here.
    status: DeploymentStatus
    started_at: Moment
    finished_at: Moment | None = None


class AuditEventRecord(AuditEventBase, TenantRecord):
    """An event of one family about one subject (or none); absent a subject, a catalog
    event concerns its component. Fields are checked in order, so the subject's checks
    see the family and component before them.
    """

    entity: Literal["audit_event"]
    # Files written before there were families hold only the catalog's events.
    family: Family = "catalog"
    component_id: uuid.UUID | None = None
    # Checked even when absent, so that a lone subject_id or a component on a family
    # without components is refused. No subject and a component means that component.
    subject_type: Annotated[str, StringConstraints(min_length=1, max_length=50)] | None = Field(
        default=None, validate_default=True
    )
    subject_id: uuid.UUID | None = Field(default=None, validate_default=True)
    created_at: Moment
    details: dict[str, Any] = {}

    _null = null_means_default("family", "details")

    @field_validator("subject_type")
    @classmethod
    def _subject_of_the_family(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "family" not in info.data:
            return value  # the family itself failed, and is reported first
        family = info.data["family"]
        kinds = SUBJECT_TYPES[family]
        expected = ", ".join(kinds)
        if info.data.get("component_id") is not None and "component" not in kinds:
            raise PydanticCustomError(
                "audit_subject",
                f"the {family} family's events concern no component (drop component_id; "
                f"subject_type is one of: {expected})",
            )
        if value is not None and value not in kinds:
            raise PydanticCustomError(
                "audit_subject", f"expected one of the {family} family's: {expected}"
            )
        return value

    @field_validator("subject_id")
    @classmethod
    def _subject_id_with_its_type(
        cls, value: uuid.UUID | None, info: ValidationInfo
    ) -> uuid.UUID | None:
        if "subject_type" not in info.data:
            return value
        if (value is None) != (info.data["subject_type"] is None):
            raise PydanticCustomError(
                "audit_subject", "subject_type and subject_id are given together or not at all"
            )
        return value


class KnowledgeEntryRecord(KnowledgeEntryBase, TenantRecord):
    entity: Literal["knowledge_entry"]
    status: EntryStatus = "active"
    created_by: uuid.UUID
    created_at: Moment
    last_reviewed_at: Moment | None = None
    last_reviewed_by: uuid.UUID | None = None

    _null = null_means_default("status")


class EntryAuthorRecord(EntryAuthorBase, Record):
    entity: Literal["entry_author"]


# --- governance (seed 002) ---------------------------------------------------------------


class GuardianRecord(GuardianBase, TenantRecord):
    entity: Literal["guardian"]
    # Required here, though the model defaults it: a history file says where each ran.
    environment: GovernanceEnvironment
    # Absent or null: the existing row's, or the import's time for a new one (entities.py).
    created_at: Moment | None = None

    _null = null_means_default("tags", "config", "is_active")


class GuardianVerdictRecord(GuardianVerdictEventBase, TenantRecord):
    entity: Literal["guardian_verdict"]
    # Absent or null: the guardian's environment (entities.py).
    environment: GovernanceEnvironment | None = None  # type: ignore[assignment]
    created_at: Moment


class McpSessionRecord(McpSessionBase, TenantRecord):
    entity: Literal["mcp_session"]
    started_at: Moment


class McpToolCallRecord(McpToolCallBase, TenantRecord):
    entity: Literal["mcp_tool_call"]
    created_at: Moment


class ConfigChangeRecord(ConfigChangeBase, TenantRecord):
    entity: Literal["config_change"]
    changed_at: Moment


# --- identities (seed 002's NHIs) -------------------------------------------------------


class NhiRecord(NhiBase, TenantRecord):
    entity: Literal["nhi"]
    # Absent or null: the existing row's, or the import's time for a new one (entities.py).
    created_at: Moment | None = None
    last_seen_at: Moment | None = None

    _null = null_means_default("kind", "federation_status")


class NhiGuardianRecord(Record):
    """A guardian bound to an NHI; its organisation is the NHI's (and the guardian's)."""

    entity: Literal["nhi_guardian"]
    nhi_id: uuid.UUID
    guardian_id: uuid.UUID
    created_at: Moment | None = None


class NhiActivityRecord(NhiActivityBase, TenantRecord):
    """One event. ``spend_usd`` is a JSON number or a decimal string (``"0.0125"``),
    0 or more, with at most 4 decimals and 12 digits (the column's numeric(12,4)): a
    value with more is refused, never rounded."""

    entity: Literal["nhi_activity"]
    occurred_at: Moment
    # Required here, though the model defaults it: a history file says what each did.
    spend_usd: Decimal = Field(ge=0, max_digits=12, decimal_places=4)


# --- incidents (seed 001) ---------------------------------------------------------------


class IncidentRecord(IncidentBase, TenantRecord):
    """An incident as it happened: its status and times are the file's."""

    entity: Literal["incident"]
    status: IncidentStatus
    created_at: Moment
    acknowledged_at: Moment | None = None
    resolved_at: Moment | None = None

    _null = null_means_default(
        "escalation_count", "reopened_count", "affected_users", "downtime_minutes"
    )


class KpiMetricRecord(KpiMetricBase, TenantRecord):
    entity: Literal["kpi_metric"]
    # Redeclared, as a record reads a JSON number or a decimal string (strict mode
    # takes the base's Decimal from Python only).
    target_value: Decimal | None = Field(default=None, max_digits=14, decimal_places=2)
    is_system_metric: bool = False
    # Absent or null: the existing row's, or the import's time for a new one.
    created_at: Moment | None = None

    _null = null_means_default(
        "aggregation_type",
        "incident_categories",
        "incident_severities",
        "incident_priorities",
        "time_window_hours",
        "is_active",
        "is_system_metric",
    )

    @model_validator(mode="after")
    def _formula(self) -> KpiMetricRecord:
        check_formula(self.metric_type, self.calculation_formula)
        return self


class CostAnalysisRecord(CostAnalysisBase, TenantRecord):
    """``cost_amount`` and ``revenue_impact`` are JSON numbers or decimal strings with at
    most 4 decimals; ``downtime_hours`` at most 2: a value with more is refused."""

    entity: Literal["cost_analysis"]
    cost_amount: Decimal = Field(ge=0, max_digits=12, decimal_places=4)
    downtime_hours: Decimal = Field(default=Decimal(0), ge=0, max_digits=14, decimal_places=2)
    revenue_impact: Decimal = Field(default=Decimal(0), ge=0, max_digits=12, decimal_places=4)
    is_validated: bool = False
    created_at: Moment | None = None

    # Not the amounts: a validator's answer is checked as Python, where strict mode takes
    # no float for a Decimal.
    _null = null_means_default("currency", "affected_users", "is_validated")


# --- agents (seed 004) ------------------------------------------------------------------


class AgentActionRecord(AgentActionBase, TenantRecord):
    """An action as it happened: its status, reviewer and time are the file's. Its display
    id is the gateway's: the existing row's, or the next of its organisation (entities.py).
    """

    entity: Literal["agent_action"]
    status: ActionStatus
    timestamp: Moment
    reviewed_by: uuid.UUID | None = None


class UserSessionRecord(UserSessionBase, TenantRecord):
    """A console session; absent or null, ``last_seen_at`` is ``started_at``."""

    entity: Literal["user_session"]
    started_at: Moment
    last_seen_at: Moment | None = None
    ended_at: Moment | None = None

    @model_validator(mode="after")
    def _in_order(self) -> UserSessionRecord:
        for name in ("last_seen_at", "ended_at"):
            value = getattr(self, name)
            if value is not None and value < self.started_at:
                raise PydanticCustomError("session_order", f"{name} is before started_at")
        return self
