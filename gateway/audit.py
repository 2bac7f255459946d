"""The audit log: every mutation writes one event, in its own transaction.

Each event names its family and the row it concerns (its subject), so that each family
reads and counts only its own events, under its own rules.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.auth import Principal
from models.audit import SUBJECT_TYPES, AuditEvent


class Subject(NamedTuple):
    """The row an event concerns: its kind (``component``, ``knowledge_entry``, …) and id."""

    type: str
    id: uuid.UUID


async def record(
    connection: AsyncConnection,
    principal: Principal,
    *,
    family: str,
    subject: Subject | None,
    action: str,
    at: datetime,
    component_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append an audit event of ``family`` about ``subject``, in the caller's transaction.

    ``subject`` is None only for an event about no single row (a check over a whole
    knowledge base). ``component_id`` is the component a catalog event concerns, if any.
    """
    kinds = SUBJECT_TYPES.get(family)
    # A wrong family would hide the event from every family: fail the write instead.
    if kinds is None:
        raise ValueError(f"unknown audit family {family!r}")
    if subject is not None and subject.type not in kinds:
        raise ValueError(f"{subject.type!r} is not a subject of the {family} family")
    await connection.execute(
        insert(AuditEvent).values(
            id=uuid.uuid4(),
            org_id=principal.org_id,
            family=family,
            actor_id=principal.user_id,
            action=action,
            subject_type=subject.type if subject else None,
            subject_id=subject.id if subject else None,
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
