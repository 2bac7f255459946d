"""GraphQL shapes of the MCP summary, per-tool aggregates and rollups (seed 002)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry


@strawberry.type(description="Tool calls in the window, by verdict.")
class McpTotals:
    tool_calls: int
    passed: int
    corrected: int
    blocked: int


@strawberry.type(
    description="Each verdict's share of the calls (3 decimals, half up; 0.0 if none)."
)
class McpVerdictShares:
    passed: float
    corrected: float
    blocked: float


@strawberry.type(description="A tool among the riskiest: its calls and block rate.")
class McpTopTool:
    tool: str
    calls: int
    block_rate: float = strawberry.field(description="blocked / calls, 3 decimals.")


@strawberry.type(description="Tool-call counts by verdict and the tools most often blocked.")
class McpSummary:
    from_: datetime = strawberry.field(name="from", description="Window start (inclusive).")
    to: datetime = strawberry.field(description="Window end (exclusive).")
    totals: McpTotals
    by_verdict: McpVerdictShares
    top_tools: list[McpTopTool] = strawberry.field(
        description="Up to 10, by block rate (as shown) descending, then calls descending, "
        "then tool."
    )

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> McpSummary:
        return cls(
            from_=data["from"],
            to=data["to"],
            totals=McpTotals(**data["totals"]),
            by_verdict=McpVerdictShares(**data["by_verdict"]),
            top_tools=[McpTopTool(**t) for t in data["top_tools"]],
        )


@strawberry.type(description="One tool's calls in the window.")
class McpToolStats:
    tool: str
    calls: int
    passed: int
    corrected: int
    blocked: int
    block_rate: float = strawberry.field(description="blocked / calls, 3 decimals.")
    avg_latency_ms: int = strawberry.field(description="Mean latency, whole ms, half up.")
    p95_latency_ms: int | None = strawberry.field(
        description="percentile_cont(0.95) of latency over the raw calls, whole ms."
    )
    sessions: int = strawberry.field(description="Distinct sessions that called the tool.")


@strawberry.type(description="Every tool called in the window, by calls descending, then tool.")
class McpTools:
    from_: datetime = strawberry.field(name="from", description="Window start (inclusive).")
    to: datetime = strawberry.field(description="Window end (exclusive).")
    data: list[McpToolStats]


@strawberry.type(
    description="An on-demand rollup of MCP tool calls into hourly rows: a background job."
)
class McpRollup:
    id: uuid.UUID
    status: str = strawberry.field(description="queued, running, succeeded or failed.")
    from_: datetime = strawberry.field(name="from", description="Requested window start.")
    to: datetime = strawberry.field(description="Requested window end (exclusive).")
    rows: int | None = strawberry.field(
        description="Hourly rows the rollup holds for the hours it covered, once succeeded."
    )
    created_at: datetime
    finished_at: datetime | None
    error: str | None = strawberry.field(description="Why the last attempt failed.")

    @classmethod
    def from_row(cls, row: Any) -> McpRollup:
        payload, result = row["payload"], row["result"] or {}
        return cls(
            id=row["id"],
            status=row["status"],
            from_=datetime.fromisoformat(payload["from"]),
            to=datetime.fromisoformat(payload["to"]),
            rows=result.get("rows") if row["status"] == "succeeded" else None,
            created_at=row["created_at"],
            finished_at=row["finished_at"],
            error=row["error"],
        )
