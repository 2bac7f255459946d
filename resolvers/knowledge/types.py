"""Knowledge types: entries (relations through loaders) and the bus-factor and staleness
shapes, named as the knowledge REST API names them (the REST operations alias them back
to snake_case)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import strawberry

from gateway.compiler.spec import Column, Node, Through, ToMany, ToOne, compilable
from gateway.context import Info
from gateway.permissions import requires
from gateway.sql import table_of
from models.knowledge import EntryAuthor
from models.knowledge import KnowledgeEntry as KnowledgeEntryRow
from resolvers.common import check_first
from resolvers.knowledge.loaders import authors_by_entry, entries_by_author
from resolvers.tenancy.loaders import departments_by_id, users_by_id
from resolvers.tenancy.types import Department, User

READ = "knowledge:read"
WRITE = "knowledge:write"
# Every knowledge field: Growth plan or higher, reported as the "analytics" feature.
PLAN = {"plan": "growth", "feature": "analytics"}

RISK_LEVEL = "critical, high, medium or low."

Days = Annotated[
    int,
    strawberry.argument(
        description="Staleness threshold in days; below 1 means 30 (no error), above 3650 "
        "is capped at 3650."
    ),
]


@strawberry.type(description="A piece of documented knowledge and who holds it.")
class KnowledgeEntry:
    id: uuid.UUID
    title: str
    status: str = strawberry.field(description="active, needs_review or archived.")
    department_id: uuid.UUID | None
    created_by_id: uuid.UUID
    created_at: datetime
    last_reviewed_at: datetime | None = strawberry.field(
        description="Null if never reviewed: staleness then counts from createdAt."
    )
    last_reviewed_by_id: uuid.UUID | None

    @strawberry.field(description="The entry's department, if any.")
    async def department(self, info: Info) -> Department | None:
        if self.department_id is None:
            return None
        row = await info.context.loaders.get(departments_by_id).load(self.department_id)
        return Department.from_row(row) if row else None

    @strawberry.field(description="Who created it (null if the user was removed).")
    async def creator(self, info: Info) -> User | None:
        row = await info.context.loaders.get(users_by_id).load(self.created_by_id)
        return User.from_row(row) if row else None

    @strawberry.field(description="Everyone who authors or owns it (the creator too), by name.")
    async def authors(self, info: Info) -> list[User]:
        rows = await info.context.loaders.get(authors_by_entry).load(self.id)
        return [User.from_row(row) for row in rows]

    @strawberry.field(description="Who reviewed it last, if anyone.")
    async def last_reviewed_by(self, info: Info) -> User | None:
        if self.last_reviewed_by_id is None:
            return None
        row = await info.context.loaders.get(users_by_id).load(self.last_reviewed_by_id)
        return User.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: Any) -> KnowledgeEntry:
        return cls(**ENTRY.values(row))


# What the selection compiler may build (gateway/compiler/spec.py); from_row reads it.
ENTRY = compilable(
    Node(
        "KnowledgeEntry",
        table_of(KnowledgeEntryRow),
        {
            "id": Column("id"),
            "title": Column("title"),
            "status": Column("status"),
            "departmentId": Column("department_id"),
            "createdById": Column("created_by"),
            "createdAt": Column("created_at"),
            "lastReviewedAt": Column("last_reviewed_at"),
            "lastReviewedById": Column("last_reviewed_by"),
            "department": ToOne("Department", "department_id", nullable=True),
            "creator": ToOne("User", "created_by", nullable=True),
            "lastReviewedBy": ToOne("User", "last_reviewed_by", nullable=True),
            # In the loader's order (resolvers/knowledge/loaders.authors_by_entry).
            "authors": ToMany(
                "User",
                None,
                (("name", False), ("id", False)),
                through=Through(table_of(EntryAuthor), "entry_id", "user_id"),
            ),
        },
    ),
    lambda row: KnowledgeEntry.from_row(row),
)


async def entries_of_user(
    info: Info, user_id: uuid.UUID, include_archived: bool, first: int
) -> list[KnowledgeEntry]:
    """``User.knowledgeEntries``: batched per user."""
    ctx = info.context
    first = check_first(first)
    rows = await ctx.loaders.get(entries_by_author, include_archived, first).load(user_id)
    return [KnowledgeEntry.from_row(row) for row in rows]


@strawberry.field(
    description="The newest `first` (1 to 500) entries this user authors or owns "
    "(manager or admin, knowledge:read, Growth plan).",
    # Declared, not checked in the body, so that the schema shows the guard: the
    # guard walk (tests/walk) and the scope check at start-up read it from there.
    extensions=requires(role="manager", scope=READ, **PLAN),
)
async def user_knowledge_entries(
    root: User, info: Info, include_archived: bool = False, first: int = 20
) -> list[KnowledgeEntry]:
    """``User.knowledgeEntries``: the knowledge family adds it to tenancy's User."""
    return await entries_of_user(info, root.id, include_archived, first)


# --- bus factor ---------------------------------------------------------------------


@strawberry.type(description="How much of their department's knowledge one person alone holds.")
class PersonRiskScore:
    user_id: uuid.UUID
    user_name: str
    user_email: str
    sole_entries: int = strawberry.field(
        description="Non-archived entries of their department whose only author is them."
    )
    total_department_entries: int = strawberry.field(
        description="Non-archived entries of their department (0 without a department)."
    )
    score: float = strawberry.field(
        description="soleEntries / totalDepartmentEntries x 100, 2 decimals; 0 if none."
    )
    risk_level: str = strawberry.field(
        description="critical (score >= 50), high (>= 25), medium (>= 10) or low."
    )
    department_id: uuid.UUID | None
    department_name: str | None


@strawberry.type(description="One of a department's top sole holders of knowledge.")
class DepartmentConcentration:
    user_id: uuid.UUID
    user_name: str
    sole_entries: int
    percentage: float = strawberry.field(
        description="Share of the department's entries held solely, 0-100, 2 decimals."
    )
    risk_level: str = strawberry.field(description="The person's own risk: " + RISK_LEVEL)


@strawberry.type(description="How concentrated a department's knowledge is.")
class DepartmentRiskScore:
    department_id: uuid.UUID
    department_name: str
    total_entries: int = strawberry.field(description="Non-archived entries of the department.")
    concentration_index: float = strawberry.field(
        description="Herfindahl-Hirschman index of authorship shares (each entry split "
        "equally among its authors), 0-1, 4 decimals; 0 without entries."
    )
    risk_level: str = strawberry.field(
        description="critical (index >= 0.5), high (>= 0.25), medium (>= 0.15) or low."
    )
    top_holders: list[DepartmentConcentration] = strawberry.field(
        description="Up to 5 members with the most sole entries (at least one), ties by name."
    )

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> DepartmentRiskScore:
        holders = [DepartmentConcentration(**h) for h in data["top_holders"]]
        return cls(**{**data, "top_holders": holders})


@strawberry.type(description="The organisation's bus-factor risk, person by person.")
class BusFactorSummary:
    person_scores: list[PersonRiskScore] = strawberry.field(
        description="Every user of the organisation, highest score first, then by name."
    )
    department_scores: list[DepartmentRiskScore] = strawberry.field(
        description="Every department, most concentrated first, then by name."
    )
    critical_count: int = strawberry.field(description="Persons at critical risk.")
    high_count: int = strawberry.field(description="Persons at high risk.")
    medium_count: int = strawberry.field(description="Persons at medium risk.")
    low_count: int = strawberry.field(description="Persons at low risk.")
    overall_risk_level: str = strawberry.field(
        description="The highest level among persons and departments; low if there are none."
    )

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> BusFactorSummary:
        return cls(
            **{
                **data,
                "person_scores": [PersonRiskScore(**p) for p in data["person_scores"]],
                "department_scores": [
                    DepartmentRiskScore.from_data(d) for d in data["department_scores"]
                ],
            }
        )


@strawberry.type(description="Only what is at critical risk, for alert widgets.")
class BusFactorCritical:
    critical_people: list[PersonRiskScore]
    critical_departments: list[DepartmentRiskScore]
    total_critical: int = strawberry.field(description="Critical people plus departments.")

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> BusFactorCritical:
        return cls(
            critical_people=[PersonRiskScore(**p) for p in data["critical_people"]],
            critical_departments=[
                DepartmentRiskScore.from_data(d) for d in data["critical_departments"]
            ],
            total_critical=data["total_critical"],
        )


# --- staleness ----------------------------------------------------------------------


@strawberry.type(description="An entry not reviewed within the threshold.")
class StaleEntry:
    entry_id: uuid.UUID
    title: str
    department_id: uuid.UUID | None
    department_name: str | None
    created_by: uuid.UUID
    creator_name: str | None
    status: str = strawberry.field(description="active or needs_review.")
    last_reviewed_at: datetime | None
    days_since_review: int = strawberry.field(
        description="Whole days since the last review, or since creation if never reviewed."
    )
    created_at: datetime


@strawberry.type(description="Stale entries, longest unreviewed first, then by title.")
class StaleEntryList:
    entries: list[StaleEntry] = strawberry.field(description="At most `first` of them.")
    total: int = strawberry.field(description="Every stale entry, beyond `first` too.")
    days_threshold: int

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> StaleEntryList:
        return cls(
            entries=[StaleEntry(**e) for e in data["entries"]],
            total=data["total"],
            days_threshold=data["days_threshold"],
        )


@strawberry.type(description="Entry counts by status and how stale the knowledge base is.")
class StalenessStats:
    total_active: int = strawberry.field(description="Entries that are not archived.")
    needs_review_count: int
    active_count: int
    archived_count: int
    stale_count: int = strawberry.field(description="Non-archived entries past the threshold.")
    average_days_since_review: float = strawberry.field(
        description="Mean whole days since review over non-archived entries, 1 decimal."
    )
    days_threshold: int
    stale_percentage: float = strawberry.field(
        description="staleCount / totalActive x 100, 2 decimals, clamped to 0-100."
    )


@strawberry.type(description="What a staleness check did.")
class StalenessCheckResult:
    checked: int = strawberry.field(description="Non-archived entries evaluated.")
    flagged: int = strawberry.field(
        description="Active entries this run changed to needs_review (never counted twice)."
    )
    days_threshold: int
    message: str
