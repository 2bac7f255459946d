"""Recording and reviewing agent actions, each with its audit event in one transaction.

An action is recorded ``pending`` (waiting for a reviewer) or ``auto_approved`` (approved
by policy); only a review makes it ``approved`` or ``denied``, and only once: a decided
action is not decided again (409 CONFLICT), so the audit log holds one decision each.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit import Subject, record
from gateway.auth import Principal
from gateway.errors import GatewayError, not_found
from gateway.sql import table_of
from models.agents import AgentAction, AgentActionCreate
from resolvers.agents.display_ids import allocate_display_ids

ACTIONS = table_of(AgentAction)
Decision = Literal["approve", "deny"]
STATUS_OF: dict[str, str] = {"approve": "approved", "deny": "denied"}


async def record_action(
    conn: AsyncConnection, principal: Principal, *, now: datetime, data: AgentActionCreate
) -> dict[str, Any]:
    """Inserts the action with the organisation's next display id; audited as ``recorded``."""
    row = {
        "id": uuid.uuid4(),
        "org_id": principal.org_id,
        "display_id": await allocate_display_ids(conn, org_id=principal.org_id),
        **data.model_dump(),
        "reviewed_by": None,
        "timestamp": now,
    }
    await conn.execute(insert(ACTIONS).values(**row))
    await record(
        conn,
        principal,
        family="agents",
        subject=Subject("agent_action", row["id"]),
        action="recorded",
        at=now,
        details={"display_id": row["display_id"], "risk_level": row["risk_level"]},
    )
    return row


async def review_action(
    conn: AsyncConnection,
    principal: Principal,
    *,
    now: datetime,
    action_id: uuid.UUID,
    decision: Decision,
) -> dict[str, Any]:
    """Approves or denies a pending action of the caller's organisation, once."""
    mine = (ACTIONS.c.id == action_id) & (ACTIONS.c.org_id == principal.org_id)
    status = STATUS_OF[decision]
    # The status test in the UPDATE itself: two reviewers at once cannot both decide.
    changed = await conn.execute(
        update(ACTIONS)
        .where(mine, ACTIONS.c.status == "pending")
        .values(status=status, reviewed_by=principal.user_id)
        .returning(*ACTIONS.c)
    )
    row = changed.mappings().first()
    if row is None:
        current = (await conn.execute(select(ACTIONS.c.status).where(mine))).scalar()
        if current is None:
            raise not_found("agent action")
        raise GatewayError(
            "CONFLICT",
            f"the action is already {current}; only a pending action can be reviewed",
            details={"status": current},
        )
    await record(
        conn,
        principal,
        family="agents",
        subject=Subject("agent_action", action_id),
        action=status,
        at=now,
        details={"display_id": row["display_id"], "risk_level": row["risk_level"]},
    )
    return dict(row)
