"""Incident mutations (``incidents:write``): thin. The rules are in
``incident_service.py``; the values are checked by ``models/incidents.py``."""

from __future__ import annotations

import uuid

import strawberry

from gateway.context import Info
from gateway.validation import validated
from models.incidents import IncidentCreate, IncidentUpdate
from resolvers.common import given
from resolvers.incidents import incident_service
from resolvers.incidents.incident_types import Incident
from resolvers.incidents.kpi_schema import WRITE


@strawberry.input(description="A new incident.")
class IncidentInput:
    title: str = strawberry.field(description="1 to 300 characters.")
    category: str
    severity: str = strawberry.field(description="LOW, MEDIUM, HIGH or CRITICAL.")
    priority: str = strawberry.field(description="P1 to P4.")
    service: str
    description: str | None = None
    component_id: uuid.UUID | None = None
    affected_users: int = 0
    downtime_minutes: int = 0


@strawberry.input(description="Changes to an incident; omitted fields stay as they are.")
class IncidentPatch:
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    category: str | None = strawberry.UNSET
    severity: str | None = strawberry.UNSET
    priority: str | None = strawberry.UNSET
    service: str | None = strawberry.UNSET
    component_id: uuid.UUID | None = strawberry.UNSET
    affected_users: int | None = strawberry.UNSET
    downtime_minutes: int | None = strawberry.UNSET


async def _transition(info: Info, id: uuid.UUID, action: str) -> Incident:
    ctx, principal = info.context, await info.context.principal()
    async with ctx.writing() as conn:
        row = await incident_service.transition(
            conn,
            org_id=principal.org_id,
            actor=principal,
            now=ctx.now,
            incident_id=id,
            action=action,
        )
    return Incident.from_row(row)


@strawberry.type
class IncidentMutation:
    @strawberry.mutation(description="Open an incident (incidents:write).", extensions=WRITE)
    async def create_incident(self, info: Info, input: IncidentInput) -> Incident:
        ctx, principal = info.context, await info.context.principal()
        data = validated(IncidentCreate, given(input))
        async with ctx.writing() as conn:
            row = await incident_service.create_incident(
                conn, org_id=principal.org_id, actor=principal, now=ctx.now, data=data
            )
        return Incident.from_row(row)

    @strawberry.mutation(
        description="Change an incident's fields (incidents:write).", extensions=WRITE
    )
    async def update_incident(self, info: Info, id: uuid.UUID, input: IncidentPatch) -> Incident:
        ctx, principal = info.context, await info.context.principal()
        data = validated(IncidentUpdate, given(input))
        async with ctx.writing() as conn:
            row = await incident_service.update_incident(
                conn,
                org_id=principal.org_id,
                actor=principal,
                now=ctx.now,
                incident_id=id,
                data=data,
            )
        return Incident.from_row(row)

    @strawberry.mutation(
        description="Acknowledge an open incident now (CONFLICT once acknowledged or closed).",
        extensions=WRITE,
    )
    async def acknowledge_incident(self, info: Info, id: uuid.UUID) -> Incident:
        return await _transition(info, id, "acknowledge")

    @strawberry.mutation(
        description="Resolve an incident now (CONFLICT when resolved or closed).",
        extensions=WRITE,
    )
    async def resolve_incident(self, info: Info, id: uuid.UUID) -> Incident:
        return await _transition(info, id, "resolve")

    @strawberry.mutation(
        description="Escalate an incident: its escalation count + 1 (CONFLICT when closed).",
        extensions=WRITE,
    )
    async def escalate_incident(self, info: Info, id: uuid.UUID) -> Incident:
        return await _transition(info, id, "escalate")

    @strawberry.mutation(
        description="Reopen a resolved or closed incident: OPEN, its resolution cleared, its "
        "reopened count + 1.",
        extensions=WRITE,
    )
    async def reopen_incident(self, info: Info, id: uuid.UUID) -> Incident:
        return await _transition(info, id, "reopen")
