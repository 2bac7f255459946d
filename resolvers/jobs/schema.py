"""The jobs root field. Any authenticated caller (every role, whatever the token's scopes)
may read its own organisation's jobs: a job id is handed out by the request that started
it, and a job's state says no more than that request's answer would."""

from __future__ import annotations

import uuid

import strawberry

from gateway import jobs
from gateway.context import Info
from gateway.errors import not_found
from gateway.permissions import requires
from resolvers.jobs.types import Job


@strawberry.type
class Query:
    @strawberry.field(
        description="One background job of the caller's organisation (any role, any scope); "
        "NOT_FOUND for any other id.",
        extensions=requires(),
    )
    async def job(self, info: Info, id: uuid.UUID) -> Job:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            row = await jobs.get(conn, org_id=org_id, job_id=id)
        if row is None:
            raise not_found("job")
        return Job.from_row(row)
