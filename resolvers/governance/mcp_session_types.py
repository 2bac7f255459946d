"""MCP sessions and their tool calls as GraphQL shows them. A session's calls and counts
are DataLoader batches (``loaders.py``): a page of sessions costs one statement per
relation asked for, however many sessions it holds."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from gateway.compiler.spec import Column, Node, ToMany, compilable
from gateway.context import Info
from gateway.sql import table_of
from models.governance import McpSession as McpSessionRow
from models.governance import McpToolCall as McpToolCallRow
from resolvers.governance.loaders import (
    mcp_calls_by_session,
    mcp_counts_by_session,
    mcp_tool_counts_by_session,
)


@strawberry.type(description="One tool call made in an MCP session, with the verdict on it.")
class McpToolCall:
    id: uuid.UUID
    session_id: uuid.UUID
    tool: str
    verdict: str = strawberry.field(description="passed, corrected or blocked.")
    latency_ms: int
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> McpToolCall:
        return cls(**TOOL_CALL.values(row))


@strawberry.type(description="How many of a session's tool calls got each verdict.")
class McpSessionVerdicts:
    passed: int
    corrected: int
    blocked: int

    @classmethod
    def from_row(cls, row: Any) -> McpSessionVerdicts:
        if row is None:
            return cls(passed=0, corrected=0, blocked=0)
        return cls(passed=row["passed"], corrected=row["corrected"], blocked=row["blocked"])


@strawberry.type(description="One tool's calls in a session, and their verdicts.")
class McpSessionToolCount:
    tool: str
    calls: int
    passed: int
    corrected: int
    blocked: int

    @classmethod
    def from_row(cls, row: Any) -> McpSessionToolCount:
        return cls(
            tool=row["tool"],
            calls=row["calls"],
            passed=row["passed"],
            corrected=row["corrected"],
            blocked=row["blocked"],
        )


@strawberry.type(description="An MCP session: a client's (or an NHI's) run of tool calls.")
class McpSession:
    id: uuid.UUID
    client: str | None = strawberry.field(description="The client or agent label.")
    nhi_id: uuid.UUID | None = strawberry.field(description="The NHI acting, if known.")
    started_at: datetime

    @strawberry.field(description="The session's tool calls in time order.")
    async def calls(self, info: Info) -> list[McpToolCall]:
        rows = await info.context.loaders.get(mcp_calls_by_session).load(self.id)
        return [McpToolCall.from_row(row) for row in rows]

    @strawberry.field(description="How many tool calls the session made.")
    async def tool_calls(self, info: Info) -> int:
        row = await info.context.loaders.get(mcp_counts_by_session).load(self.id)
        return int(row["calls"]) if row is not None else 0

    @strawberry.field(description="The verdict mix of the session's tool calls.")
    async def verdicts(self, info: Info) -> McpSessionVerdicts:
        row = await info.context.loaders.get(mcp_counts_by_session).load(self.id)
        return McpSessionVerdicts.from_row(row)

    @strawberry.field(description="The session's calls counted by tool: most called first.")
    async def by_tool(self, info: Info) -> list[McpSessionToolCount]:
        rows = await info.context.loaders.get(mcp_tool_counts_by_session).load(self.id)
        return [McpSessionToolCount.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: Any) -> McpSession:
        return cls(**SESSION.values(row))


# What the selection compiler may build (gateway/compiler/spec.py); from_row reads it.
# Left to the resolvers: toolCalls, verdicts and byTool (counted per session), all
# non-null, so selecting one sends the root field there.
TOOL_CALL = compilable(
    Node(
        "McpToolCall",
        table_of(McpToolCallRow),
        {
            "id": Column("id"),
            "sessionId": Column("session_id"),
            "tool": Column("tool"),
            "verdict": Column("verdict"),
            "latencyMs": Column("latency_ms"),
            "createdAt": Column("created_at"),
        },
    ),
    lambda row: McpToolCall.from_row(row),
)
SESSION = compilable(
    Node(
        "McpSession",
        table_of(McpSessionRow),
        {
            "id": Column("id"),
            "client": Column("client"),
            "nhiId": Column("nhi_id"),
            "startedAt": Column("started_at"),
            # In the loader's order (mcp_sessions.calls_of: created_at, then id).
            "calls": ToMany("McpToolCall", "session_id", (("created_at", False), ("id", False))),
        },
    ),
    lambda row: McpSession.from_row(row),
)
