"""The incident family's audit events: every write of it records one, in its transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway import audit as audit_log
from gateway.audit import Subject
from gateway.auth import Principal

FAMILY = "incidents"


async def audit(
    conn: AsyncConnection,
    actor: Principal,
    now: datetime,
    action: str,
    subject: Subject | None,
    details: dict[str, Any],
) -> None:
    await audit_log.record(
        conn, actor, family=FAMILY, subject=subject, action=action, at=now, details=details
    )
