"""Guardian mutations: thin. The rules (who may write, config changes, audit) are in
``service.py``; the values are checked by ``models/governance.py``."""

from __future__ import annotations

import uuid

import strawberry
from strawberry.scalars import JSON

from gateway.context import Info
from gateway.permissions import requires
from gateway.validation import validated
from models.governance import GuardianCreate, GuardianUpdate
from resolvers.common import given
from resolvers.governance import service
from resolvers.governance.types import WRITE, Guardian

# A guardian's configuration decides what is blocked: admins only (service.py).
ADMIN_WRITE = requires(role="admin", scope=WRITE)


@strawberry.input(description="A new guardian.")
class GuardianInput:
    name: str
    description: str | None = None
    environment: str = strawberry.field(default="live", description="live, test or dev.")
    tags: list[str] = strawberry.field(
        default_factory=list, description="At most 20, each 1 to 50 characters."
    )
    # UNSET, not {}: a JSON default cannot be drawn in the schema's introspection.
    config: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="A JSON object: the guardian's settings ({})."
    )
    is_active: bool = True


@strawberry.input(description="Changes to a guardian; omitted fields stay as they are.")
class GuardianPatch:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    environment: str | None = strawberry.field(
        default=strawberry.UNSET, description="live, test or dev."
    )
    tags: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="The full list: at most 20, each 1 to 50 characters."
    )
    config: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="The whole JSON object, replacing the old one."
    )


@strawberry.type
class GuardianMutation:
    @strawberry.mutation(
        description="Add a guardian (admin, governance:write).", extensions=ADMIN_WRITE
    )
    async def create_guardian(self, info: Info, input: GuardianInput) -> Guardian:
        ctx, principal = info.context, await info.context.principal()
        data = validated(GuardianCreate, given(input))
        async with ctx.writing() as conn:
            row = await service.create_guardian(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, data=data
            )
        return Guardian.from_row(row)

    @strawberry.mutation(
        description="Change a guardian (admin, governance:write): one config change per "
        "field whose value changes, with its old and new value.",
        extensions=ADMIN_WRITE,
    )
    async def update_guardian(self, info: Info, id: uuid.UUID, input: GuardianPatch) -> Guardian:
        ctx, principal = info.context, await info.context.principal()
        data = validated(GuardianUpdate, given(input))
        async with ctx.writing() as conn:
            row = await service.update_guardian(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, id=id, data=data
            )
        return Guardian.from_row(row)

    @strawberry.mutation(
        description="Switch a guardian on or off (admin, governance:write); a config change "
        "of isActive when it changes.",
        extensions=ADMIN_WRITE,
    )
    async def set_guardian_active(self, info: Info, id: uuid.UUID, active: bool) -> Guardian:
        ctx, principal = info.context, await info.context.principal()
        async with ctx.writing() as conn:
            row = await service.set_guardian_active(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, id=id, active=active
            )
        return Guardian.from_row(row)
