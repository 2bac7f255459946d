"""What one NDJSON line may say, per entity: types, enums, lengths, no unknown keys.

Lengths mirror the columns so that a too-long value fails here, with its line number,
on both dialects (SQLite would otherwise store it and PostgreSQL reject it).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from gateway.inputs import to_utc
from models.audit import FAMILIES, SUBJECT_TYPES
from models.catalog import DEPLOYMENT_STATUSES, LIFECYCLES
from models.knowledge import ENTRY_STATUSES
from models.tenancy import PLANS, ROLES

Text50 = Annotated[str, StringConstraints(min_length=1, max_length=50)]
Text100 = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text320 = Annotated[str, StringConstraints(min_length=1, max_length=320)]
Text500 = Annotated[str, StringConstraints(min_length=1, max_length=500)]
# With its offset, and within the range every layer represents once in UTC.
Moment = Annotated[AwareDatetime, AfterValidator(to_utc)]
# May be empty: a blank owner is how the catalog says "unowned" too.
MaybeEmpty200 = Annotated[str, StringConstraints(max_length=200)]


Plan = Literal[PLANS]  # type: ignore[valid-type]
Role = Literal[ROLES]  # type: ignore[valid-type]
Lifecycle = Literal[LIFECYCLES]  # type: ignore[valid-type]
DeploymentStatus = Literal[DEPLOYMENT_STATUSES]  # type: ignore[valid-type]
EntryStatus = Literal[ENTRY_STATUSES]  # type: ignore[valid-type]
Family = Literal[FAMILIES]  # type: ignore[valid-type]


class Record(BaseModel):
    """One line. Strict: no string-to-number or string-to-bool guessing, no extra keys.

    Timestamps must carry their offset (``Z`` or ``+02:00``), as RFC 3339 requires: a
    naive time in a history file is ambiguous, so it is rejected rather than guessed.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    # Each entity narrows this to its own name; the union of them dispatches lines.
    entity: str

    def row(self) -> dict[str, Any]:
        """The columns this line sets; a null where the column has a default means it.

        "Optional fields may be absent or null": fields such as ``plan`` are typed
        ``X | None = default`` so that null validates, and become the default here.
        """
        fields = type(self).model_fields
        return {
            name: fields[name].default if value is None else value
            for name, value in self
            if name != "entity"
        }


class OrganizationRecord(Record):
    entity: Literal["organization"]
    id: uuid.UUID
    name: Text200
    plan: Plan | None = "growth"
    subscription_active: bool | None = True
    trial_ends_at: Moment | None = None


class DepartmentRecord(Record):
    entity: Literal["department"]
    id: uuid.UUID
    org_id: uuid.UUID
    name: Text200


class UserRecord(Record):
    entity: Literal["user"]
    id: uuid.UUID
    org_id: uuid.UUID
    username: Text100
    name: Text200
    email: Text320
    role: Role | None = "member"
    is_active: bool | None = True
    department_id: uuid.UUID | None = None


class ApiKeyRecord(Record):
    entity: Literal["api_key"]
    id: uuid.UUID
    org_id: uuid.UUID
    user_id: uuid.UUID
    name: MaybeEmpty200 | None = ""
    # Plaintext in the file; only its hash is stored.
    key: Annotated[str, StringConstraints(min_length=16, max_length=500)]
    # Absent means no scopes: an imported key grants nothing it does not name.
    scopes: list[Text100] | None = []


class ComponentRecord(Record):
    entity: Literal["component"]
    id: uuid.UUID
    org_id: uuid.UUID
    name: Text200
    kind: Text50
    lifecycle: Lifecycle | None = "experimental"
    owner: MaybeEmpty200 | None = None
    description: str | None = None


class EnvironmentRecord(Record):
    entity: Literal["environment"]
    id: uuid.UUID
    org_id: uuid.UUID
    name: Text100


class DeploymentRecord(Record):
    entity: Literal["deployment"]
    id: uuid.UUID
    org_id: uuid.UUID
    component_id: uuid.UUID
    environment_id: uuid.UUID
    status: DeploymentStatus
    version: Text100
    started_at: Moment
    finished_at: Moment | None = None


class AuditEventRecord(Record):
    """An event of one family about one subject (or none); absent a subject, a catalog
    event concerns its component. Fields are checked in order, so the subject's checks
    see the family and component before them.
    """

    entity: Literal["audit_event"]
    id: uuid.UUID
    org_id: uuid.UUID
    family: Family | None = "catalog"
    actor_id: uuid.UUID | None = None
    action: Text50
    component_id: uuid.UUID | None = None
    # Checked even when absent, so that a lone subject_id or a component on a family
    # without components is refused. No subject and a component means that component.
    subject_type: Text50 | None = Field(default=None, validate_default=True)
    subject_id: uuid.UUID | None = Field(default=None, validate_default=True)
    created_at: Moment
    details: dict[str, Any] | None = {}

    @field_validator("subject_type")
    @classmethod
    def _subject_of_the_family(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "family" not in info.data:
            return value  # the family itself failed, and is reported first
        family = info.data["family"] or "catalog"
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


class KnowledgeEntryRecord(Record):
    entity: Literal["knowledge_entry"]
    id: uuid.UUID
    org_id: uuid.UUID
    department_id: uuid.UUID | None = None
    title: Text500
    status: EntryStatus | None = "active"
    created_by: uuid.UUID
    created_at: Moment
    last_reviewed_at: Moment | None = None
    last_reviewed_by: uuid.UUID | None = None


class EntryAuthorRecord(Record):
    entity: Literal["entry_author"]
    entry_id: uuid.UUID
    user_id: uuid.UUID
