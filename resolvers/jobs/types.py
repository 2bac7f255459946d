"""The Job type: a background job's state and outcome."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy.engine import RowMapping
from strawberry.scalars import JSON


@strawberry.type(
    description="Background work (a rollup, a model training, …) started by a request that "
    "answered 202 with its id. Poll it until `status` is succeeded or failed."
)
class Job:
    id: uuid.UUID
    kind: str = strawberry.field(description="What the job does, e.g. `rollup.daily`.")
    status: str = strawberry.field(description="queued, running, succeeded or failed.")
    attempts: int = strawberry.field(
        description="Times a worker has taken it up (3 at most); above 1 after a failure, or "
        "after a worker stopped mid-job."
    )
    result: JSON | None = strawberry.field(description="What it produced, once succeeded.")
    error: str | None = strawberry.field(
        description="Why the last attempt failed (also while a retry waits)."
    )
    created_at: datetime
    started_at: datetime | None = strawberry.field(description="When the last attempt began.")
    finished_at: datetime | None = strawberry.field(
        description="When it succeeded or finally failed."
    )

    @classmethod
    def from_row(cls, row: RowMapping | dict[str, Any]) -> Job:
        return cls(
            id=row["id"],
            kind=row["kind"],
            status=row["status"],
            attempts=row["attempts"],
            result=row["result"],
            error=row["error"],
            created_at=row["created_at"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
        )
