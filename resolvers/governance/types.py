"""Governance types shared by the guardian and MCP sides: the guardian and a
configuration change. Analytics shapes live beside the fields that answer them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

# Scopes, as seed 002 names them, and the gateway's own for writes (the seed documents
# no writes: creating and changing guardians is this gateway's addition).
LOGS_READ = "logs:read"
MCP_READ = "mcp:read"
WRITE = "governance:write"


@strawberry.type(description="A Guardian: a policy check whose verdicts the analytics count.")
class Guardian:
    id: uuid.UUID
    name: str
    description: str | None
    environment: str = strawberry.field(description="live, test or dev.")
    tags: list[str]
    config: JSON
    is_active: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Guardian:
        return cls(
            id=row["id"],
            name=row["name"],
            description=row["description"],
            environment=row["environment"],
            tags=list(row["tags"] or []),
            config=row["config"],
            is_active=row["is_active"],
            created_at=row["created_at"],
        )


@strawberry.type(description="One changed field of a configuration, as it was and became.")
class ConfigChange:
    id: uuid.UUID
    actor_id: uuid.UUID | None = strawberry.field(description="Who changed it, if a user did.")
    target_type: str = strawberry.field(description="What kind of thing changed (guardian, …).")
    target_id: str
    field: str
    old_value: JSON | None
    new_value: JSON | None
    changed_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> ConfigChange:
        return cls(
            id=row["id"],
            actor_id=row["actor_id"],
            target_type=row["target_type"],
            target_id=row["target_id"],
            field=row["field"],
            old_value=row["old_value"],
            new_value=row["new_value"],
            changed_at=row["changed_at"],
        )
