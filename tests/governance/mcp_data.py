"""A hand-worked MCP dataset: eleven calls of Acme's around a window with partial edge
hours, and calls of another organisation that must never count.

The window is [09:30, 12:30) on 2026-05-01: 09:30-10:00 and 12:00-12:30 are partial hours,
10:00 and 11:00 whole ones.

    #   time       tool                   verdict    ms   session
    1   08:05      stripe.create_refund   passed      70  s1   out (before from)
    2   09:29:59   postgres.query         passed     500  s1   out (before from)
    3   09:30:00   postgres.query         passed     100  s1   in  (exactly at from)
    4   09:45      stripe.create_refund   blocked    300  s1   in
    5   10:00      postgres.query         passed     200  s1   in
    6   10:15      postgres.query         corrected  300  s2   in
    7   10:59:59   stripe.create_refund   passed     101  s2   in
    8   11:30      github.search          blocked     50  s2   in
    9   11:40      postgres.query         blocked    400  s2   in
    10  12:10      github.search          passed     150  s1   in
    11  12:30:00   postgres.query         passed     999  s1   out (exactly at to)

In the window, per tool:
    postgres.query: #3 #5 #6 #9 -> 4 calls, 2 passed, 1 corrected, 1 blocked;
        block_rate 1/4 = 0.25; avg (100+200+300+400)/4 = 250;
        p95 over [100,200,300,400]: position 3 * 0.95 = 2.85 -> 300 + 0.85*100 = 385;
        sessions s1, s2 = 2.
    stripe.create_refund: #4 #7 -> 2 calls, 1 passed, 1 blocked; block_rate 0.5;
        avg 401/2 = 200.5 -> 201 (half up); p95 101 + 0.95*199 = 290.05 -> 290; sessions 2.
    github.search: #8 #10 -> 2 calls, 1 passed, 1 blocked; block_rate 0.5; avg 100;
        p95 50 + 0.95*100 = 145; sessions 2.
Totals: 8 calls, 4 passed (#3 #5 #7 #10), 1 corrected, 3 blocked (#4 #8 #9):
    shares 4/8 = 0.5, 1/8 = 0.125, 3/8 = 0.375.
Top tools: github.search and stripe.create_refund tie on 0.5 and 2 calls, so by name;
    then postgres.query (0.25). Tools: postgres.query (4), then the two 2s by name.

Rollup rows of 08:00-13:00 (hour, tool): 08 stripe; 09 postgres, stripe; 10 postgres,
stripe; 11 github, postgres; 12 github, postgres -> 9 rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tests.factories import Factory, one_transaction

DAY = datetime(2026, 5, 1, tzinfo=UTC)
FROM = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
TO = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute, second=second)


CALLS = [
    ((8, 5), "stripe.create_refund", "passed", 70, "s1"),
    ((9, 29, 59), "postgres.query", "passed", 500, "s1"),
    ((9, 30), "postgres.query", "passed", 100, "s1"),
    ((9, 45), "stripe.create_refund", "blocked", 300, "s1"),
    ((10, 0), "postgres.query", "passed", 200, "s1"),
    ((10, 15), "postgres.query", "corrected", 300, "s2"),
    ((10, 59, 59), "stripe.create_refund", "passed", 101, "s2"),
    ((11, 30), "github.search", "blocked", 50, "s2"),
    ((11, 40), "postgres.query", "blocked", 400, "s2"),
    ((12, 10), "github.search", "passed", 150, "s1"),
    ((12, 30), "postgres.query", "passed", 999, "s1"),
]

SUMMARY = {
    "from": "2026-05-01T09:30:00Z",
    "to": "2026-05-01T12:30:00Z",
    "totals": {"tool_calls": 8, "passed": 4, "corrected": 1, "blocked": 3},
    "by_verdict": {"passed": 0.5, "corrected": 0.125, "blocked": 0.375},
    "top_tools": [
        {"tool": "github.search", "calls": 2, "block_rate": 0.5},
        {"tool": "stripe.create_refund", "calls": 2, "block_rate": 0.5},
        {"tool": "postgres.query", "calls": 4, "block_rate": 0.25},
    ],
}

TOOLS = {
    "from": "2026-05-01T09:30:00Z",
    "to": "2026-05-01T12:30:00Z",
    "data": [
        {
            "tool": "postgres.query",
            "calls": 4,
            "passed": 2,
            "corrected": 1,
            "blocked": 1,
            "block_rate": 0.25,
            "avg_latency_ms": 250,
            "p95_latency_ms": 385,
            "sessions": 2,
        },
        {
            "tool": "github.search",
            "calls": 2,
            "passed": 1,
            "corrected": 0,
            "blocked": 1,
            "block_rate": 0.5,
            "avg_latency_ms": 100,
            "p95_latency_ms": 145,
            "sessions": 2,
        },
        {
            "tool": "stripe.create_refund",
            "calls": 2,
            "passed": 1,
            "corrected": 0,
            "blocked": 1,
            "block_rate": 0.5,
            "avg_latency_ms": 201,
            "p95_latency_ms": 290,
            "sessions": 2,
        },
    ],
}


@dataclass
class McpData:
    org: dict[str, Any]
    other: dict[str, Any]
    user: dict[str, Any]
    stranger: dict[str, Any]
    calls: list[dict[str, Any]]


@one_transaction
async def build_mcp(factory: Factory) -> McpData:
    acme, other = await factory.org("Acme"), await factory.org("Other")
    user = await factory.user(acme, "jane")
    stranger = await factory.user(other, "olga")
    sessions = {
        "s1": await factory.mcp_session(acme, at(8)),
        "s2": await factory.mcp_session(acme, at(10)),
    }
    calls = []
    for moment, tool, verdict, latency, session in CALLS:
        calls.append(
            await factory.tool_call(sessions[session], at(*moment), tool, verdict, latency)
        )
    # Another organisation's calls in the same hours, same tools: never counted.
    theirs = await factory.mcp_session(other, at(9))
    for minute in (30, 40, 50):
        await factory.tool_call(theirs, at(10, minute), "postgres.query", "blocked", 7)
    return McpData(acme, other, user, stranger, calls)
