"""MCP sessions and their tool calls as GraphQL shows them. A session's calls and counts
are DataLoader batches (``loaders.py``): a page of sessions costs one statement per
relation asked for, however many sessions it holds."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry

from gateway.context import Info
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
        return cls(
            id=row["id"],
            session_id=row["session_id"],
            tool=row["tool"],
            verdict=row["verdict"],
            latency_ms=row["latency_ms"],
            created_at=row["created_at"],
        )


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
        return cls(
            id=row["id"], client=row["client"], nhi_id=row["nhi_id"], started_at=row["started_at"]
        )
