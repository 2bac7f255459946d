"""The guardian side's root fields: guardians, and their verdict analytics."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from gateway.context import Info
from gateway.permissions import requires
from models.governance import ENVIRONMENTS
from resolvers.common import check_choice, check_first
from resolvers.governance import guardian_lists
from resolvers.governance.loaders import guardians_by_id
from resolvers.governance.types import LOGS_READ, Guardian
from resolvers.pagination import Connection, connection


@strawberry.type
class GuardianQuery:
    @strawberry.field(
        description="The organisation's guardians by name.", extensions=requires(scope=LOGS_READ)
    )
    async def guardians(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        environment: Annotated[
            str | None, strawberry.argument(description="live, test or dev.")
        ] = None,
        is_active: bool | None = None,
    ) -> Connection[Guardian]:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            page = await guardian_lists.guardians(
                conn,
                org_id=org_id,
                first=check_first(first),
                after=after,
                environment=check_choice(environment, ENVIRONMENTS, "environment"),
                is_active=is_active,
            )
        return connection(page, Guardian.from_row)

    @strawberry.field(
        description="One guardian; null outside the organisation.",
        extensions=requires(scope=LOGS_READ),
    )
    async def guardian(self, info: Info, id: uuid.UUID) -> Guardian | None:
        row = await info.context.loaders.get(guardians_by_id).load(id)
        return Guardian.from_row(row) if row else None
