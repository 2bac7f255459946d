"""Who am I, and which organisation: the tenancy root fields."""

from __future__ import annotations

import strawberry

from gateway.answer_cache.extension import PER_USER
from gateway.context import Info
from gateway.permissions import requires
from resolvers.tenancy import service
from resolvers.tenancy.loaders import users_by_id
from resolvers.tenancy.types import Organization, User


@strawberry.type
class Query:
    @strawberry.field(
        description="The authenticated user.", extensions=requires(), metadata=PER_USER
    )
    async def viewer(self, info: Info) -> User:
        principal = await info.context.principal()
        row = await info.context.loaders.get(users_by_id).load(principal.user_id)
        return User.from_row(row)

    @strawberry.field(description="The caller's organisation.", extensions=requires())
    async def organization(self, info: Info) -> Organization:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            row = await service.organization(conn, org_id=org_id)
        return Organization.from_row(row)
