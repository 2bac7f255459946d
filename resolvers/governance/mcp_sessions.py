"""MCP sessions in SQL: the sessions page, and the per-session batches (calls, verdict
counts, counts by tool) that the DataLoaders in ``loaders.py`` run once per request.

A session belongs to a window when its ``started_at`` is in ``[start, end)``: a session
is listed once, in the window it began in, whatever its calls' times. The page is newest
first on ``(started_at desc, id desc)``, keyset-paginated.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, case, cast, func, select
from sqlalchemy.sql import Select
from sqlmodel import col

from gateway.sql import table_of
from models.governance import TOOL_VERDICTS, McpSession, McpToolCall
from resolvers.governance.window import window_conditions


def session_conditions(
    *, org_id: uuid.UUID, start: datetime, end: datetime, after: str | None
) -> list[Any]:
    """Which sessions a page holds: the resolver's statement and the compiled one
    (gateway/compiler) both read these."""
    return window_conditions(
        table_of(McpSession), "started_at", org_id=org_id, start=start, end=end, after=after
    )


# Sessions newest started first, then id descending; a cursor holds (started_at, id).
SESSION_ORDER: tuple[Any, ...] = (col(McpSession.started_at).desc(), col(McpSession.id).desc())
SESSION_CURSOR = ("started_at", "id")


def _verdict_counts() -> list[Any]:
    """``calls`` and one count per verdict, as integers on both dialects."""
    verdict = col(McpToolCall.verdict)
    return [
        func.count().label("calls"),
        *(
            cast(func.coalesce(func.sum(case((verdict == name, 1), else_=0)), 0), Integer).label(
                name
            )
            for name in TOOL_VERDICTS
        ),
    ]


def calls_of(org_id: uuid.UUID, session_ids: Sequence[uuid.UUID]) -> Select[Any]:
    """The sessions' calls, each session's in time order (id breaks ties)."""
    return (
        select(*table_of(McpToolCall).c)
        .where(col(McpToolCall.org_id) == org_id, col(McpToolCall.session_id).in_(session_ids))
        .order_by(col(McpToolCall.session_id), col(McpToolCall.created_at), col(McpToolCall.id))
    )


def counts_of(org_id: uuid.UUID, session_ids: Sequence[uuid.UUID]) -> Select[Any]:
    """One row per session with calls: its calls and their verdict mix."""
    return (
        select(col(McpToolCall.session_id), *_verdict_counts())
        .where(col(McpToolCall.org_id) == org_id, col(McpToolCall.session_id).in_(session_ids))
        .group_by(col(McpToolCall.session_id))
    )


def tool_counts_of(org_id: uuid.UUID, session_ids: Sequence[uuid.UUID]) -> Select[Any]:
    """One row per (session, tool): the tool's calls and verdict mix in that session,
    most called first, then by tool."""
    calls = func.count()
    return (
        select(col(McpToolCall.session_id), col(McpToolCall.tool), *_verdict_counts())
        .where(col(McpToolCall.org_id) == org_id, col(McpToolCall.session_id).in_(session_ids))
        .group_by(col(McpToolCall.session_id), col(McpToolCall.tool))
        .order_by(col(McpToolCall.session_id), calls.desc(), col(McpToolCall.tool))
    )


def sessions_of(org_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> Select[Any]:
    return select(*table_of(McpSession).c).where(
        col(McpSession.org_id) == org_id, col(McpSession.id).in_(ids)
    )
