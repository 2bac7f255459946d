"""The audit log: every mutation writes one event in its own transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.auth import Principal
from models.catalog import AuditEvent


async def record(
    connection: AsyncConnection,
    principal: Principal,
    *,
    action: str,
    at: datetime,
    component_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append an audit event, in the caller's transaction."""
    await connection.execute(
        insert(AuditEvent).values(
            id=uuid.uuid4(),
            org_id=principal.org_id,
            actor_id=principal.user_id,
            action=action,
            component_id=component_id,
            created_at=at,
            details=_jsonable(details or {}),
        )
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, uuid.UUID | datetime):
        return str(value) if isinstance(value, uuid.UUID) else value.isoformat()
    return value
