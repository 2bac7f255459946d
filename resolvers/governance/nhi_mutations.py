"""NHI mutations: thin. The rules (who may write, config changes, audit) are in
``nhi_service.py``; the values are checked by ``models/identities.py``."""

from __future__ import annotations

import uuid

import strawberry

from gateway.context import Info
from gateway.validation import validated
from models.identities import NhiCreate, NhiUpdate
from resolvers.common import given
from resolvers.governance import nhi_service
from resolvers.governance.mutations import ADMIN_WRITE
from resolvers.governance.nhi_types import Nhi


@strawberry.input(description="A new non-human identity.")
class NhiInput:
    label: str = strawberry.field(description="1 to 200 characters.")
    tier: int = strawberry.field(description="1 (most privileged) to 4 (least).")
    kind: str = strawberry.field(
        default="service_account",
        description="service_account, ci_runner, ai_agent or workload.",
    )
    federation_status: str = strawberry.field(
        default="unverified", description="verified, pending or unverified."
    )
    owner_id: uuid.UUID | None = strawberry.field(
        default=None, description="A user of the organisation who answers for it."
    )


@strawberry.input(description="Changes to an NHI; omitted fields stay as they are.")
class NhiPatch:
    label: str | None = strawberry.field(
        default=strawberry.UNSET, description="1 to 200 characters."
    )
    tier: int | None = strawberry.field(
        default=strawberry.UNSET, description="1 (most privileged) to 4 (least)."
    )
    kind: str | None = strawberry.field(
        default=strawberry.UNSET, description="service_account, ci_runner, ai_agent or workload."
    )
    federation_status: str | None = strawberry.field(
        default=strawberry.UNSET, description="verified, pending or unverified."
    )
    owner_id: uuid.UUID | None = strawberry.field(
        default=strawberry.UNSET, description="A user of the organisation, or null for none."
    )


@strawberry.type
class NhiMutation:
    @strawberry.mutation(
        description="Register a non-human identity (admin, governance:write).",
        extensions=ADMIN_WRITE,
    )
    async def create_nhi(self, info: Info, input: NhiInput) -> Nhi:
        ctx, principal = info.context, await info.context.principal()
        data = validated(NhiCreate, given(input))
        async with ctx.writing() as conn:
            row = await nhi_service.create_nhi(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, data=data
            )
        return Nhi.from_row(row)

    @strawberry.mutation(
        description="Change an NHI (admin, governance:write): one config change per field "
        "whose value changes, with its old and new value.",
        extensions=ADMIN_WRITE,
    )
    async def update_nhi(self, info: Info, id: uuid.UUID, input: NhiPatch) -> Nhi:
        ctx, principal = info.context, await info.context.principal()
        data = validated(NhiUpdate, given(input))
        async with ctx.writing() as conn:
            row = await nhi_service.update_nhi(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, id=id, data=data
            )
        return Nhi.from_row(row)

    @strawberry.mutation(
        description="Let a guardian check an NHI (admin, governance:write); binding a bound "
        "guardian changes nothing. A config change of guardians when the list changes.",
        extensions=ADMIN_WRITE,
    )
    async def bind_guardian(self, info: Info, nhi_id: uuid.UUID, guardian_id: uuid.UUID) -> Nhi:
        return await _set_binding(info, nhi_id, guardian_id, bound=True)

    @strawberry.mutation(
        description="Stop a guardian checking an NHI (admin, governance:write); unbinding a "
        "guardian that is not bound changes nothing. A config change of guardians when the "
        "list changes.",
        extensions=ADMIN_WRITE,
    )
    async def unbind_guardian(self, info: Info, nhi_id: uuid.UUID, guardian_id: uuid.UUID) -> Nhi:
        return await _set_binding(info, nhi_id, guardian_id, bound=False)


async def _set_binding(
    info: Info, nhi_id: uuid.UUID, guardian_id: uuid.UUID, *, bound: bool
) -> Nhi:
    ctx, principal = info.context, await info.context.principal()
    async with ctx.writing() as conn:
        row = await nhi_service.set_binding(
            conn,
            org_id=principal.org_id,
            actor=principal,
            now=ctx.now,
            nhi_id=nhi_id,
            guardian_id=guardian_id,
            bound=bound,
        )
    return Nhi.from_row(row)
