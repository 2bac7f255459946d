"""Knowledge mutations: thin. The rules (who may write, validation, writes, audit) are in
``service.py``."""

from __future__ import annotations

import uuid

import strawberry

from gateway.context import Info
from gateway.permissions import requires
from gateway.validation import validated
from models.knowledge import KnowledgeEntryCreate, KnowledgeEntryUpdate
from resolvers.common import given
from resolvers.knowledge import service
from resolvers.knowledge.staleness import threshold
from resolvers.knowledge.types import PLAN, WRITE, Days, StalenessCheckResult
from resolvers.knowledge.types import KnowledgeEntry as KnowledgeEntryType


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
        ctx, principal = info.context, await info.context.principal()
        data = validated(KnowledgeEntryCreate, given(input))
        async with ctx.writing() as conn:
            row = await service.create_entry(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, data=data
            )
        return KnowledgeEntryType.from_row(row)

    @strawberry.mutation(
        description="Change an entry's title, department or authors (its authors, or a "
        "manager or admin).",
        extensions=requires(scope=WRITE, **PLAN),
    )
    async def update_knowledge_entry(
        self, info: Info, id: uuid.UUID, input: KnowledgeEntryPatch
    ) -> KnowledgeEntryType:
        ctx, principal = info.context, await info.context.principal()
        data = validated(KnowledgeEntryUpdate, given(input))
        async with ctx.writing() as conn:
            row = await service.update_entry(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, id=id, data=data
            )
        return KnowledgeEntryType.from_row(row)

    @strawberry.mutation(
        description="Archive an entry (manager or admin): it no longer counts for bus factor "
        "or staleness.",
        extensions=requires(role="manager", scope=WRITE, **PLAN),
    )
    async def archive_knowledge_entry(self, info: Info, id: uuid.UUID) -> KnowledgeEntryType:
        ctx, principal = info.context, await info.context.principal()
        async with ctx.writing() as conn:
            row = await service.archive_entry(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, id=id
            )
        return KnowledgeEntryType.from_row(row)

    @strawberry.mutation(
        description="Mark an entry reviewed now by the caller and set it back to active (its "
        "authors, or a manager or admin). Archived entries cannot be reviewed.",
        extensions=requires(scope=WRITE, **PLAN),
    )
    async def review_knowledge_entry(self, info: Info, id: uuid.UUID) -> KnowledgeEntryType:
        ctx, principal = info.context, await info.context.principal()
        async with ctx.writing() as conn:
            row = await service.review_entry(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, id=id
            )
        return KnowledgeEntryType.from_row(row)

    @strawberry.mutation(
        description="Flag every stale active entry as needs_review (admin). `days` below 1 "
        "means 30. Safe to repeat: an entry is only ever counted by the run that flags it.",
        extensions=requires(role="admin", scope=WRITE, **PLAN),
    )
    async def run_staleness_check(self, info: Info, days: Days = 30) -> StalenessCheckResult:
        ctx, principal = info.context, await info.context.principal()
        days = threshold(days)
        async with ctx.writing() as conn:
            counts = await service.run_staleness_check(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, days=days
            )
        return StalenessCheckResult(
            **counts, days_threshold=days, message=_flagged_message(counts["flagged"])
        )
