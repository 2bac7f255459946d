"""The knowledge base's write rules: plain functions over a connection in a transaction.

Who may write (all need the ``knowledge:write`` scope and the Growth plan, which the
fields check; the rules below that depend on the entry are checked here):
- create: any role; the actor becomes the creator and an author.
- update and review: the entry's authors, or any manager or admin.
- archive: managers and admins.
- the staleness check: admins only (as the REST API documents).

Each writes its audit event on the caller's connection, in the caller's transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from gateway.audit import Subject, record
from gateway.auth import Principal
from gateway.errors import GatewayError, not_found
from gateway.validation import changes
from models.knowledge import EntryAuthor, KnowledgeEntryCreate, KnowledgeEntryUpdate
from models.tenancy import Department, User
from resolvers.knowledge import AUDIT_FAMILY
from resolvers.knowledge.queries import AUTHOR, ENTRY
from resolvers.knowledge.staleness import is_stale


async def _check_department(
    conn: AsyncConnection, org_id: uuid.UUID, department_id: uuid.UUID | None
) -> None:
    if department_id is None:
        return
    found = await conn.scalar(
        select(col(Department.id)).where(
            col(Department.org_id) == org_id, col(Department.id) == department_id
        )
    )
    if found is None:
        raise not_found("department")


async def _set_authors(
    conn: AsyncConnection, org_id: uuid.UUID, entry_id: uuid.UUID, user_ids: set[uuid.UUID]
) -> None:
    """Make exactly ``user_ids`` the entry's authors; each must be in the organisation."""
    found = await conn.scalar(
        select(func.count()).where(col(User.org_id) == org_id, col(User.id).in_(user_ids))
    )
    if found != len(user_ids):
        raise not_found("user")
    await conn.execute(delete(EntryAuthor).where(col(EntryAuthor.entry_id) == entry_id))
    await conn.execute(
        insert(EntryAuthor),
        [{"entry_id": entry_id, "user_id": u, "org_id": org_id} for u in sorted(user_ids)],
    )


async def _writable(
    conn: AsyncConnection, org_id: uuid.UUID, actor: Principal, id: uuid.UUID
) -> RowMapping:
    """The entry, if the actor may change it: any entry for a manager, else their own."""
    is_author = exists().where(AUTHOR.c.entry_id == ENTRY.c.id, AUTHOR.c.user_id == actor.user_id)
    statement = select(*ENTRY.c, is_author.label("is_author")).where(
        ENTRY.c.org_id == org_id, ENTRY.c.id == id
    )
    row = (await conn.execute(statement)).mappings().first()
    if row is None:
        raise not_found("knowledge entry")
    if not row["is_author"] and not actor.role_at_least("manager"):
        raise GatewayError(
            "INSUFFICIENT_ROLE", "only the entry's authors or a manager can change it"
        )
    return row


async def _update(
    conn: AsyncConnection, org_id: uuid.UUID, id: uuid.UUID, *where: Any, **values: Any
) -> RowMapping | None:
    statement = (
        update(ENTRY)
        .where(ENTRY.c.org_id == org_id, ENTRY.c.id == id, *where)
        .values(**values)
        .returning(*ENTRY.c)
    )
    return (await conn.execute(statement)).mappings().first()


async def _audit(
    conn: AsyncConnection,
    actor: Principal,
    now: datetime,
    action: str,
    id: uuid.UUID | None,
    details: dict[str, Any],
) -> None:
    subject = Subject("knowledge_entry", id) if id is not None else None
    await record(
        conn, actor, family=AUDIT_FAMILY, subject=subject, action=action, at=now, details=details
    )


async def create_entry(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    data: KnowledgeEntryCreate,
) -> RowMapping:
    """Add an entry created by the actor, who is always one of its authors."""
    await _check_department(conn, org_id, data.department_id)
    values = {
        "id": uuid.uuid4(),
        "org_id": org_id,
        **data.model_dump(exclude={"author_ids"}),
        "status": "active",
        "created_by": actor.user_id,
        "created_at": now,
    }
    row = (await conn.execute(insert(ENTRY).values(**values).returning(*ENTRY.c))).mappings().one()
    await _set_authors(conn, org_id, row["id"], {actor.user_id, *data.author_ids})
    details = {"entity": "knowledge_entry", "id": row["id"], "title": row["title"]}
    await _audit(conn, actor, now, "CREATE", row["id"], details)
    return row


async def update_entry(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    actor: Principal,
    now: datetime,
    id: uuid.UUID,
    data: KnowledgeEntryUpdate,
) -> RowMapping:
    """Change an entry's title, department or authors (the creator always stays one)."""
    given = changes(data)
    author_ids = given.pop("author_ids", None)
    entry = await _writable(conn, org_id, actor, id)
    if "department_id" in given:
        await _check_department(conn, org_id, given["department_id"])
    row = await _update(conn, org_id, id, **given) if given else entry
    assert row is not None  # the entry exists: _writable found it in this transaction
    details: dict[str, Any] = {"entity": "knowledge_entry", "id": id, "changes": given}
    if author_ids is not None:
        authors = {entry["created_by"], *author_ids}
        await _set_authors(conn, org_id, id, authors)
        details["author_ids"] = sorted(str(a) for a in authors)
    await _audit(conn, actor, now, "UPDATE", id, details)
    return row


async def archive_entry(
    conn: AsyncConnection, *, org_id: uuid.UUID, actor: Principal, now: datetime, id: uuid.UUID
) -> RowMapping:
    """Archive an entry: it no longer counts for bus factor or staleness."""
    row = await _update(conn, org_id, id, status="archived")
    if row is None:
        raise not_found("knowledge entry")
    details = {"entity": "knowledge_entry", "id": id, "title": row["title"]}
    await _audit(conn, actor, now, "ARCHIVE", id, details)
    return row


async def review_entry(
    conn: AsyncConnection, *, org_id: uuid.UUID, actor: Principal, now: datetime, id: uuid.UUID
) -> RowMapping:
    """Mark an entry reviewed now by the actor and active again; CONFLICT if archived."""
    await _writable(conn, org_id, actor, id)
    row = await _update(
        conn,
        org_id,
        id,
        ENTRY.c.status != "archived",
        status="active",
        last_reviewed_at=now,
        last_reviewed_by=actor.user_id,
    )
    if row is None:
        raise GatewayError("CONFLICT", "an archived entry cannot be reviewed")
    details = {"entity": "knowledge_entry", "id": id, "title": row["title"]}
    await _audit(conn, actor, now, "REVIEW", id, details)
    return row


async def run_staleness_check(
    conn: AsyncConnection, *, org_id: uuid.UUID, actor: Principal, now: datetime, days: int
) -> dict[str, int]:
    """Flag every stale active entry as needs_review: ``checked`` and ``flagged`` counts."""
    # One conditional UPDATE: of two concurrent checks, the second waits on the first's
    # row locks, re-evaluates `status = 'active'` and skips those rows.
    result = await conn.execute(
        update(ENTRY)
        .where(ENTRY.c.org_id == org_id, ENTRY.c.status == "active", is_stale(now, days))
        .values(status="needs_review")
    )
    flagged = result.rowcount
    checked = await conn.scalar(
        select(func.count()).where(ENTRY.c.org_id == org_id, ENTRY.c.status != "archived")
    )
    # A check over the whole knowledge base concerns no single entry.
    details = {"days_threshold": days, "checked": checked, "flagged": flagged}
    await _audit(conn, actor, now, "STALENESS_CHECK", None, details)
    return {"checked": int(checked or 0), "flagged": flagged}
