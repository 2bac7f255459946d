"""The NhiAnomaly GraphQL type, and the checks of the anomaly filters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from resolvers.common import check_choice
from resolvers.governance.nhi_anomalies import STATUS_FILTERS


def check_status(status: str) -> str:
    """``open``, ``acknowledged`` or ``all``; else BAD_USER_INPUT."""
    checked = check_choice(status, STATUS_FILTERS, "status")
    assert checked is not None  # a str in, a str out
    return checked


@strawberry.type(
    description="Something unusual an NHI did in a window, found by anomaly detection."
)
class NhiAnomaly:
    id: uuid.UUID
    nhi_id: uuid.UUID
    type: str = strawberry.field(description="spend_burst or tool_denials.")
    severity: str = strawberry.field(description="low, medium, high or critical.")
    detected_at: datetime = strawberry.field(description="When the detection run found it.")
    evidence: JSON = strawberry.field(
        description="The figures behind it: {p99_spend_usd_24h, rolling_baseline} for a "
        "spend burst, {denied_attempts, window_hours} for tool denials."
    )
    status: str = strawberry.field(description="open or acknowledged.")
    window_from: datetime = strawberry.field(description="The detection window's start.")
    window_to: datetime = strawberry.field(description="The detection window's end (exclusive).")
    note: str | None = strawberry.field(description="The acknowledgement's note, if any.")
    acknowledged_by: uuid.UUID | None = strawberry.field(
        description="The user who acknowledged it first."
    )
    acknowledged_at: datetime | None = strawberry.field(
        description="When it was first acknowledged."
    )

    @classmethod
    def from_row(cls, row: Any) -> NhiAnomaly:
        return cls(
            id=row["id"],
            nhi_id=row["nhi_id"],
            type=row["type"],
            severity=row["severity"],
            detected_at=row["detected_at"],
            evidence=row["evidence"],
            status=row["status"],
            window_from=row["window_from"],
            window_to=row["window_to"],
            note=row["note"],
            acknowledged_by=row["acknowledged_by"],
            acknowledged_at=row["acknowledged_at"],
        )
