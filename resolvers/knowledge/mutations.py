"""Knowledge writes. Each runs in one transaction together with its audit event.

Who may write (all need the ``knowledge:write`` scope and the Growth plan):
- create: any role; the caller becomes the creator and an author.
- update and review: the entry's authors, or any manager or admin.
- archive: managers and admins.
- the staleness check: admins only (as the REST API documents).
"""

from __future__ import annotations

import uuid
from typing import Any

import strawberry
from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit import Subject, record
from gateway.auth import Principal
from gateway.context import Info
from gateway.errors import GatewayError, bad_input, not_found
from gateway.permissions import requires
from models.knowledge import MAX_AUTHORS, EntryAuthor, KnowledgeEntry
from models.tenancy import Department, User
from resolvers.common import required_text
from resolvers.knowledge.staleness import is_stale, threshold
from resolvers.knowledge.types import AUDIT_FAMILY, PLAN, WRITE, Days, StalenessCheckResult
from resolvers.knowledge.types import KnowledgeEntry as KnowledgeEntryType

ENTRY = KnowledgeEntry.__table__


@strawberry.input(description="A new knowledge entry; the caller is its creator and an author.")
class KnowledgeEntryInput:
    title: str
    department_id: uuid.UUID | None = None
    author_ids: list[uuid.UUID] = strawberry.field(
        default_factory=list, description="Further authors or owners besides the caller."
    )


@strawberry.input(description="Changes to an entry; omitted fields stay as they are.")
class KnowledgeEntryPatch:
    title: str | None = strawberry.UNSET
    department_id: uuid.UUID | None = strawberry.UNSET
    author_ids: list[uuid.UUID] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The full set of authors; the creator always stays one.",
    )


def _title(value: str) -> str:
    return required_text(value, KnowledgeEntry.title, "title")


def _authors(user_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    if len(user_ids) > MAX_AUTHORS:
        raise bad_input(f"an entry has at most {MAX_AUTHORS} authors", argument="authorIds")
    return user_ids


async def _check_department(
    conn: AsyncConnection, org_id: uuid.UUID, department_id: uuid.UUID | None
) -> None:
    if department_id is None:
        return
    found = await conn.scalar(
        select(Department.id).where(Department.org_id == org_id, Department.id == department_id)
    )
    if found is None:
        raise not_found("department")


async def _set_authors(
    conn: AsyncConnection, org_id: uuid.UUID, entry_id: uuid.UUID, user_ids: set[uuid.UUID]
) -> None:
    """Make exactly ``user_ids`` the entry's authors; each must be in the organisation."""
    found = await conn.scalar(
        select(func.count()).where(User.org_id == org_id, User.id.in_(user_ids))
    )
    if found != len(user_ids):
        raise not_found("user")
    await conn.execute(delete(EntryAuthor).where(EntryAuthor.entry_id == entry_id))
    await conn.execute(
        insert(EntryAuthor),
        [{"entry_id": entry_id, "user_id": u, "org_id": org_id} for u in sorted(user_ids)],
    )


async def _writable(conn: AsyncConnection, principal: Principal, id: uuid.UUID) -> RowMapping:
    """The entry, if the caller may change it: any entry for a manager, else their own."""
    is_author = exists().where(
        EntryAuthor.entry_id == KnowledgeEntry.id, EntryAuthor.user_id == principal.user_id
    )
    row = (
        (
            await conn.execute(
                select(*ENTRY.c, is_author.label("is_author")).where(
                    KnowledgeEntry.org_id == principal.org_id, KnowledgeEntry.id == id
                )
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise not_found("knowledge entry")
    if not row["is_author"] and not principal.role_at_least("manager"):
        raise GatewayError(
            "INSUFFICIENT_ROLE", "only the entry's authors or a manager can change it"
        )
    return row


async def _update(
    conn: AsyncConnection, principal: Principal, id: uuid.UUID, *where: Any, **values: Any
) -> RowMapping | None:
    return (
        (
            await conn.execute(
                update(KnowledgeEntry)
                .where(KnowledgeEntry.org_id == principal.org_id, KnowledgeEntry.id == id, *where)
                .values(**values)
                .returning(*ENTRY.c)
            )
        )
        .mappings()
        .first()
    )


def _flagged_message(flagged: int) -> str:
    noun = "entry" if flagged == 1 else "entries"
    return f"Staleness check complete. {flagged} {noun} flagged for review."


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Add a knowledge entry (any role); the caller is its creator and an author.",
        extensions=requires(scope=WRITE, **PLAN),
    )
    async def create_knowledge_entry(
        self, info: Info, input: KnowledgeEntryInput
    ) -> KnowledgeEntryType:
        ctx = info.context
        principal = await ctx.principal()
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "org_id": principal.org_id,
            "department_id": input.department_id,
            "title": _title(input.title),
            "status": "active",
            "created_by": principal.user_id,
            "created_at": ctx.now,
            "last_reviewed_at": None,
            "last_reviewed_by": None,
        }
        authors = {principal.user_id, *_authors(input.author_ids)}
        async with ctx.writing() as conn:
            await _check_department(conn, principal.org_id, input.department_id)
            await conn.execute(insert(KnowledgeEntry).values(**values))
            await _set_authors(conn, principal.org_id, values["id"], authors)
            await record(
                conn,
                principal,
                family=AUDIT_FAMILY,
                subject=Subject("knowledge_entry", values["id"]),
                action="CREATE",
                at=ctx.now,
                details={"entity": "knowledge_entry", "id": values["id"], "title": values["title"]},
            )
        return KnowledgeEntryType.from_row(values)

    @strawberry.mutation(
        description="Change an entry's title, department or authors (its authors, or a "
        "manager or admin).",
        extensions=requires(scope=WRITE, **PLAN),
    )
    async def update_knowledge_entry(
        self, info: Info, id: uuid.UUID, input: KnowledgeEntryPatch
    ) -> KnowledgeEntryType:
        ctx = info.context
        principal = await ctx.principal()
        changes: dict[str, Any] = {}
        if input.title is not strawberry.UNSET:
            if input.title is None:
                raise bad_input("title cannot be null", argument="title")
            changes["title"] = _title(input.title)
        if input.department_id is not strawberry.UNSET:
            changes["department_id"] = input.department_id
        async with ctx.writing() as conn:
            entry = await _writable(conn, principal, id)
            if "department_id" in changes:
                await _check_department(conn, principal.org_id, changes["department_id"])
            row = await _update(conn, principal, id, **changes) if changes else entry
            details: dict[str, Any] = {"entity": "knowledge_entry", "id": id, "changes": changes}
            if input.author_ids is not strawberry.UNSET:
                if input.author_ids is None:
                    raise bad_input("authorIds cannot be null", argument="authorIds")
                authors = {entry["created_by"], *_authors(input.author_ids)}
                await _set_authors(conn, principal.org_id, id, authors)
                details["author_ids"] = sorted(str(a) for a in authors)
            await record(
                conn,
                principal,
                family=AUDIT_FAMILY,
                subject=Subject("knowledge_entry", id),
                action="UPDATE",
                at=ctx.now,
                details=details,
            )
        assert row is not None  # the entry exists: _writable found it in this transaction
        return KnowledgeEntryType.from_row(row)

    @strawberry.mutation(
        description="Archive an entry (manager or admin): it no longer counts for bus factor "
        "or staleness.",
        extensions=requires(role="manager", scope=WRITE, **PLAN),
    )
    async def archive_knowledge_entry(self, info: Info, id: uuid.UUID) -> KnowledgeEntryType:
        ctx = info.context
        principal = await ctx.principal()
        async with ctx.writing() as conn:
            row = await _update(conn, principal, id, status="archived")
            if row is None:
                raise not_found("knowledge entry")
            await record(
                conn,
                principal,
                family=AUDIT_FAMILY,
                subject=Subject("knowledge_entry", id),
                action="ARCHIVE",
                at=ctx.now,
                details={"entity": "knowledge_entry", "id": id, "title": row["title"]},
            )
        return KnowledgeEntryType.from_row(row)

    @strawberry.mutation(
        description="Mark an entry reviewed now by the caller and set it back to active (its "
        "authors, or a manager or admin). Archived entries cannot be reviewed.",
        extensions=requires(scope=WRITE, **PLAN),
    )
    async def review_knowledge_entry(self, info: Info, id: uuid.UUID) -> KnowledgeEntryType:
        ctx = info.context
        principal = await ctx.principal()
        async with ctx.writing() as conn:
            await _writable(conn, principal, id)
            row = await _update(
                conn,
                principal,
                id,
                KnowledgeEntry.status != "archived",
                status="active",
                last_reviewed_at=ctx.now,
                last_reviewed_by=principal.user_id,
            )
            if row is None:
                raise GatewayError("CONFLICT", "an archived entry cannot be reviewed")
            await record(
                conn,
                principal,
                family=AUDIT_FAMILY,
                subject=Subject("knowledge_entry", id),
                action="REVIEW",
                at=ctx.now,
                details={"entity": "knowledge_entry", "id": id, "title": row["title"]},
            )
        return KnowledgeEntryType.from_row(row)

    @strawberry.mutation(
        description="Flag every stale active entry as needs_review (admin). `days` below 1 "
        "means 30. Safe to repeat: an entry is only ever counted by the run that flags it.",
        extensions=requires(role="admin", scope=WRITE, **PLAN),
    )
    async def run_staleness_check(self, info: Info, days: Days = 30) -> StalenessCheckResult:
        ctx = info.context
        principal = await ctx.principal()
        days = threshold(days)
        async with ctx.writing() as conn:
            # One conditional UPDATE: of two concurrent checks, the second waits on the
            # first's row locks, re-evaluates `status = 'active'` and skips those rows.
            result = await conn.execute(
                update(KnowledgeEntry)
                .where(
                    KnowledgeEntry.org_id == principal.org_id,
                    KnowledgeEntry.status == "active",
                    is_stale(ctx, days),
                )
                .values(status="needs_review")
            )
            flagged = result.rowcount
            checked = await conn.scalar(
                select(func.count()).where(
                    KnowledgeEntry.org_id == principal.org_id, KnowledgeEntry.status != "archived"
                )
            )
            await record(
                conn,
                principal,
                family=AUDIT_FAMILY,
                # A check over the whole knowledge base concerns no single entry.
                subject=None,
                action="STALENESS_CHECK",
                at=ctx.now,
                details={"days_threshold": days, "checked": checked, "flagged": flagged},
            )
        return StalenessCheckResult(
            checked=int(checked or 0),
            flagged=flagged,
            days_threshold=days,
            message=_flagged_message(flagged),
        )
